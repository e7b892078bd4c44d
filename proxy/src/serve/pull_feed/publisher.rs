//! The publishing side: one thread with its own connection that numbers
//! pulls from the sequence [`SEQUENCE`] and sends every [`FeedMessage`] with
//! `pg_notify` on [`CHANNEL`](super::CHANNEL), in the order it was handed
//! over: one thread, one connection, so replicas receive a pull's events
//! in order.
//!
//! A failed send drops the connection and is tried again on a new one,
//! after [`Backoff`] waits, up to [`PUBLISH_ATTEMPTS`] times; then the
//! message is dropped (logged): other replicas miss that event, they never
//! see a wrong one. Numbering a pull is tried twice (a connection that
//! went stale, then a fresh one) and otherwise fails the request.

use std::sync::mpsc::{Receiver, SyncSender};

use postgres::{Client, Config, NoTls};
use tokio::sync::oneshot;

use super::backoff::Backoff;
use super::message::FeedMessage;

/// The sequence pull ids come from when replicas share a database: each
/// id is handed out once, to one replica, and never again.
pub const SEQUENCE: &str = "strata_pull_ids";

/// How often one message is tried before it is dropped.
const PUBLISH_ATTEMPTS: usize = 5;

/// How often numbering a pull is tried.
const NUMBER_ATTEMPTS: usize = 2;

/// Messages waiting for the thread; past this (the database is away),
/// new ones are dropped.
pub const QUEUE: usize = 10_000;

/// What the thread is asked to do.
pub enum Command {
    /// Send this message.
    Publish(FeedMessage),
    /// Take the next pull id from [`SEQUENCE`].
    NextId(oneshot::Sender<Result<u64, String>>),
}

/// Starts the thread; it ends when every sender is dropped.
pub fn spawn(config: Config, name: String) -> std::io::Result<SyncSender<Command>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    std::thread::Builder::new()
        .name("pull-feed-publish".to_owned())
        .spawn(move || run(&rx, &mut Connection::new(config, name)))?;
    Ok(tx)
}

/// Hands `command` to the thread without waiting; `false` if the queue is
/// full or the thread is gone.
pub fn offer(tx: &SyncSender<Command>, command: Command) -> bool {
    tx.try_send(command).is_ok()
}

fn run(rx: &Receiver<Command>, connection: &mut Connection) {
    while let Ok(command) = rx.recv() {
        match command {
            Command::NextId(reply) => {
                // The caller may have gone (the request was dropped).
                let _ = reply.send(connection.attempt(NUMBER_ATTEMPTS, next_id));
            }
            Command::Publish(message) => {
                let payload = match message.encode() {
                    Ok(payload) => payload,
                    Err(e) => {
                        tracing::warn!(pull = message.pull, "not shared with other replicas: {e}");
                        continue;
                    }
                };
                if let Err(e) =
                    connection.attempt(PUBLISH_ATTEMPTS, |client| notify(client, &payload))
                {
                    tracing::warn!(
                        pull = message.pull,
                        "a pull event was not shared with other replicas: {e}"
                    );
                }
            }
        }
    }
}

/// The thread's connection, opened when needed and dropped when it fails.
struct Connection {
    config: Config,
    name: String,
    client: Option<Client>,
    backoff: Backoff,
}

impl Connection {
    fn new(config: Config, name: String) -> Connection {
        Connection {
            config,
            name,
            client: None,
            backoff: Backoff::default(),
        }
    }

    /// `work` on the connection, reconnecting after a failure, up to
    /// `attempts` times; the last error, in words.
    fn attempt<T>(
        &mut self,
        attempts: usize,
        mut work: impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(self.backoff.next_wait());
            }
            let mut client = match self.client.take() {
                Some(client) if !client.is_closed() => client,
                _ => match connect(&self.config) {
                    Ok(client) => client,
                    Err(e) => {
                        last = format!("cannot connect to {}: {e}", self.name);
                        continue;
                    }
                },
            };
            match work(&mut client) {
                Ok(value) => {
                    self.client = Some(client);
                    self.backoff.reset();
                    return Ok(value);
                }
                Err(e) => last = format!("{}: {e}", self.name),
            }
        }
        Err(last)
    }
}

/// A new connection, with [`SEQUENCE`] created if it is not there yet.
fn connect(config: &Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    let start = super::clock_ids_start();
    let mut tx = client.transaction()?;
    // Two replicas starting at once: one creates, the other waits and finds it.
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock(hashtext('{SEQUENCE}'));
         CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH {start}"
    ))?;
    tx.commit()?;
    Ok(client)
}

fn next_id(client: &mut Client) -> Result<u64, postgres::Error> {
    let id: i64 = client
        .query_one(&format!("SELECT nextval('{SEQUENCE}')"), &[])?
        .get(0);
    // A sequence counts up from a positive start.
    Ok(id.unsigned_abs())
}

fn notify(client: &mut Client, payload: &str) -> Result<(), postgres::Error> {
    client.execute("SELECT pg_notify($1, $2)", &[&super::CHANNEL, &payload])?;
    Ok(())
}
