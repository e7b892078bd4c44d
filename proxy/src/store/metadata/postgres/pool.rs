//! A few connections to one database, reused: taken for one transaction,
//! given back unless broken. A pool in a `Mutex<Vec<_>>`: the store's
//! transactions are short, and a process runs at most a handful at once.

use std::sync::Mutex;

use postgres::{Client, Config};

use super::url::redact;
use crate::store::StoreError;

/// Idle connections kept; more are opened when needed, and closed when
/// given back past this.
pub(super) const MAX_IDLE: usize = 8;

/// The connections of one [`PostgresMetadata`](super::PostgresMetadata).
pub(super) struct Pool {
    config: Config,
    name: String,
    idle: Mutex<Vec<Client>>,
}

/// A connection taken from the [`Pool`], given back on drop.
pub(super) struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Pool {
    /// A pool for `url`; connects once, so a wrong URL or a server that is
    /// down fails here.
    pub(super) fn new(url: &str) -> Result<Pool, StoreError> {
        let config = parse_url(url)?;
        let pool = Pool {
            config,
            name: redact(url),
            idle: Mutex::new(Vec::new()),
        };
        drop(pool.get()?);
        Ok(pool)
    }

    /// The database, without the password.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// How to connect (for a connection of its own, outside the pool).
    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    /// An idle connection, or a new one.
    pub(super) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let client = match idle {
            Some(client) if !client.is_closed() => client,
            _ => super::tls::connect(&self.config, &self.name)?,
        };
        Ok(Pooled {
            pool: self,
            client: Some(client),
        })
    }
}

/// The connection settings in `url`, or why it is not a PostgreSQL URL.
pub(super) fn parse_url(url: &str) -> Result<Config, StoreError> {
    url.parse().map_err(|e| StoreError::Database {
        source: format!(
            "{}: not a PostgreSQL URL ({e}); give postgres://USER[:PASS]@HOST:PORT/DB",
            redact(url)
        )
        .into(),
    })
}

impl Pooled<'_> {
    /// Closes the connection instead of giving it back (it is broken).
    pub(super) fn discard(mut self) {
        self.client = None;
    }
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client.as_ref().expect("taken only on drop")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("taken only on drop")
    }
}

impl Drop for Pool {
    /// Closes the idle connections on a thread of their own: the last
    /// handle to a store may go on an async runtime's thread (a task
    /// cancelled at shutdown), where the blocking client must not run.
    fn drop(&mut self) {
        let idle = std::mem::take(
            self.idle
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if idle.is_empty() {
            return;
        }
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if client.is_closed() {
            return;
        }
        let mut idle = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }
}
