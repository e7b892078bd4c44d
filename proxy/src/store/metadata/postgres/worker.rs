//! [`DbWorker`]: one PostgreSQL connection on a thread of its own, which
//! runs the calls it is given in turn.
//!
//! The blocking client drives itself on a private runtime, so it must not
//! be called from an async runtime's thread: callers there (a lock
//! released by a dropped writer, a request looking up its session) hand
//! the call to the worker and wait on a plain channel instead. The
//! connection is made at first use, kept open with TCP keepalives, and
//! made again after it was lost (which is logged: whatever session state
//! it held, advisory locks included, went with it).

use std::sync::mpsc::{Sender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

use super::pool::parse_url;
use super::url::redact;
use crate::store::StoreError;

/// Work for the connection's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A connection on a thread of its own. Dropping it ends the thread and
/// closes the connection.
pub(crate) struct DbWorker {
    name: String,
    jobs: Mutex<Sender<Job>>,
}

/// The connection, made at first use and again after it was lost.
struct Connection {
    config: Config,
    name: String,
    purpose: &'static str,
    client: Option<Client>,
}

impl std::fmt::Debug for DbWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbWorker")
            .field("database", &self.name)
            .finish_non_exhaustive()
    }
}

impl DbWorker {
    /// A worker for the database at `url` (`postgres://…`), doing
    /// `purpose` (its thread's and connection's name). Connects at first
    /// use; a malformed URL is refused here.
    pub(crate) fn for_url(url: &str, purpose: &'static str) -> Result<DbWorker, StoreError> {
        Ok(DbWorker::new(&parse_url(url)?, &redact(url), purpose))
    }

    /// A worker for the database `config` connects to (`name` in
    /// messages).
    pub(crate) fn new(config: &Config, name: &str, purpose: &'static str) -> DbWorker {
        let mut config = config.clone();
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .application_name(purpose);
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let mut connection = Connection {
            config,
            name: name.to_owned(),
            purpose,
            client: None,
        };
        // Ends when the worker is dropped (the sender with it).
        std::thread::Builder::new()
            .name(purpose.replace(' ', "-"))
            .spawn(move || {
                for job in rx {
                    job(&mut connection);
                }
            })
            .map_err(|e| tracing::error!(error = %e, purpose, "could not start a database thread"))
            .ok();
        DbWorker {
            name: name.to_owned(),
            jobs: Mutex::new(jobs),
        }
    }

    /// Runs `f` on the connection and waits for its result.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = sync_channel(1);
        self.send(Box::new(move |connection| {
            let _ = tx.send(connection.run(f));
        }))?;
        rx.recv().unwrap_or_else(|_| Err(self.gone()))
    }

    /// Queues `f` without waiting for it; a failure is logged as failing
    /// to do `what`.
    pub(crate) fn queue(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Client) -> Result<(), postgres::Error> + Send + 'static,
    ) -> Result<(), StoreError> {
        self.send(Box::new(move |connection| {
            if let Err(e) = connection.run(f) {
                tracing::warn!(error = %e, "could not {what}");
            }
        }))
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| self.gone())
    }

    fn gone(&self) -> StoreError {
        StoreError::Database {
            source: format!("the database thread for {} has stopped", self.name).into(),
        }
    }
}

impl Connection {
    /// Runs `f` on the connection, connecting first if needed.
    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            tracing::error!(
                database = %self.name,
                purpose = self.purpose,
                "a database connection was lost (with whatever it held, such as locks); reconnecting"
            );
            self.client = None;
        }
        let client = match &mut self.client {
            Some(client) => client,
            None => {
                let client = self
                    .config
                    .connect(NoTls)
                    .map_err(|e| StoreError::Database {
                        source: format!("cannot connect to {}: {e}", self.name).into(),
                    })?;
                self.client.insert(client)
            }
        };
        let result = f(client);
        if result.as_ref().is_err_and(super::error::connection_gone) {
            self.client = None;
        }
        Ok(result?)
    }
}
