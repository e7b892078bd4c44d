//! Pull progress shared between `strata serve` replicas on one PostgreSQL
//! database (`--database postgres://…`), so the dashboard works against
//! any replica: a pull started on replica A is listed by
//! `GET /api/v1/pulls` on replica B, and its events stream from B's
//! `GET /api/v1/pulls/{id}/events`, live, with the same SSE ids, ending
//! with `done` or `failed`.
//!
//! # How
//!
//! - Ids: pulls are numbered from the PostgreSQL sequence
//!   `strata_pull_ids` (`publisher.rs`, created by the first
//!   replica, starting at its clock's milliseconds × 1,000 like a lone
//!   server's ids), so no two replicas, nor two runs, hand out one id.
//! - Publishing: the replica that runs a pull sends its creation and each
//!   event, numbered, as a JSON [`FeedMessage`] with `pg_notify` on the
//!   channel [`CHANNEL`], from one thread with its own connection
//!   (`publisher.rs`). A payload stays under NOTIFY's 8000 bytes: long
//!   strings are cut, marked with `…` (`message.rs`).
//! - Listening: every replica LISTENs on its own connection, on a thread
//!   of its own (`listener.rs`), and mirrors what others send into its own
//!   pull list. The blocking client never runs on the async runtime; the
//!   thread hands messages to a sink that only takes a mutex and sends on
//!   a broadcast channel, which never blocks.
//!
//! # Limits, on purpose
//!
//! Notifications are not stored: there is no shared event table. A
//! replica that starts after a pull began, or whose listening connection
//! dropped for a while, shows the events it received, under their true
//! numbers, and misses the others; it never shows a wrong or duplicated
//! one (an event whose number is not past the last one kept is skipped).
//! A pull whose replica died before it ended stays "running" on the
//! others until it is pushed out of their lists. A table would close those
//! gaps at the cost of its schema, its cleanup and a query per watcher;
//! the dashboard watches pulls live, so the notifications are enough.
//!
//! Without `--database`, none of this runs: pulls are numbered and kept in
//! the process, as before.

mod backoff;
mod listener;
mod message;
mod publisher;

use std::sync::mpsc::SyncSender;
use std::time::Duration;

use postgres::Config;

pub use message::{FeedMessage, Origin, Update};

use crate::store::metadata::DatabaseUrl;

/// The PostgreSQL notification channel replicas share pulls on.
pub const CHANNEL: &str = "strata_pulls";

/// How long connecting may take when the URL does not say
/// (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why pulls cannot be shared or numbered.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The database URL does not parse (it did for the store, so rarely).
    #[error("{url}: not a PostgreSQL URL ({reason}); give postgres://USER[:PASS]@HOST:PORT/DB")]
    InvalidUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A thread could not start.
    #[error("cannot start the thread that shares pulls with other replicas: {0}")]
    Thread(#[from] std::io::Error),
    /// The first LISTEN failed (the connection, or the user's rights).
    #[error("cannot listen for other replicas' pulls on {0}")]
    Listen(String),
    /// The database did not hand out a pull id.
    #[error("cannot number the pull in the shared database: {0}")]
    Numbering(String),
    /// The publishing thread is gone, or too busy to answer.
    #[error("the thread that shares pulls with other replicas does not answer")]
    Stopped,
}

/// The first id of a server numbering pulls on its own: its clock's
/// milliseconds × 1,000, so a page still watching pull 7 of a server that
/// has since restarted gets "no pull 7", not another pull's events.
pub fn clock_ids_start() -> u64 {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
    millis.saturating_mul(1000)
}

/// This replica's side of the feed: publishes its pulls, numbers them.
#[derive(Clone, Debug)]
pub struct PullFeed {
    origin: Origin,
    commands: SyncSender<publisher::Command>,
}

impl PullFeed {
    /// Starts publishing and listening on the database at `url`; `sink`
    /// receives, on the listening thread, what other replicas send. Blocks
    /// until it listens (at most the connect timeout): call it before the
    /// async runtime starts, or from a blocking thread.
    pub fn start(
        url: &DatabaseUrl,
        sink: impl Fn(FeedMessage) + Send + 'static,
    ) -> Result<PullFeed, FeedError> {
        let mut config: Config =
            url.expose()
                .parse()
                .map_err(|e: postgres::Error| FeedError::InvalidUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let origin = Origin::random();
        let commands = publisher::spawn(config.clone(), url.to_string())?;
        listener::spawn(config, url.to_string(), origin, sink)?;
        Ok(PullFeed { origin, commands })
    }

    /// The next pull id, unique across replicas.
    pub async fn next_id(&self) -> Result<u64, FeedError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if !publisher::offer(&self.commands, publisher::Command::NextId(reply)) {
            return Err(FeedError::Stopped);
        }
        answer
            .await
            .map_err(|_| FeedError::Stopped)?
            .map_err(FeedError::Numbering)
    }

    /// Tells the other replicas `update` of pull `pull` (`reference`);
    /// never waits. Dropped, and logged, when the database has been away
    /// so long that the queue of messages to send is full.
    pub fn publish(&self, pull: u64, reference: &str, update: Update) {
        let message = FeedMessage {
            origin: self.origin,
            pull,
            reference: reference.to_owned(),
            update,
        };
        if !publisher::offer(&self.commands, publisher::Command::Publish(message)) {
            tracing::warn!(
                pull,
                "a pull event was not shared with other replicas: too many wait"
            );
        }
    }
}
