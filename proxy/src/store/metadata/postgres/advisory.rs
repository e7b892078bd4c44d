//! [`AdvisoryLocks`]: the store's [`SharedLocks`] as PostgreSQL session
//! advisory locks, on one connection of their own per process, and
//! writers' progress in the `fetch_progress` table.
//!
//! A key is two `int4`s (`pg_try_advisory_lock(space, key)`), which
//! `pg_locks` shows as `classid`, `objid` and `objsubid = 2`: that is how
//! [`SharedLocks::is_held`] sees another process's lock without taking
//! it. Waiting is the caller's (it tries again), so the connection is
//! never blocked and one connection, on a thread of its own, serves every
//! thread.
//!
//! The connection's end releases its locks: the holder's exit or crash,
//! or a network failure (keepalives every 30 s). If it ends while this
//! process still runs, the locks it held are gone: that is logged, and a
//! new connection takes its place for what comes next.

use std::sync::mpsc::{Sender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use postgres::{Client, Config, NoTls};
use shared::digest::Digest;

use crate::store::{LockKey, Mode, SharedLocks, StoreError};

/// Work for the connection's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The advisory locks of one process on one database. The connection
/// lives on a thread of its own, which runs each call in turn: the
/// blocking client must not run on an async runtime's thread, and a lock
/// is often released there (a writer dropped by a failing task).
pub(super) struct AdvisoryLocks {
    name: String,
    jobs: Mutex<Sender<Job>>,
}

/// The connection, made at first use and again after it was lost.
struct Connection {
    config: Config,
    name: String,
    client: Option<Client>,
}

impl std::fmt::Debug for AdvisoryLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdvisoryLocks")
            .field("database", &self.name)
            .finish_non_exhaustive()
    }
}

impl AdvisoryLocks {
    /// Locks on the database `config` connects to (named `name` in
    /// messages). Connects at first use.
    pub(super) fn new(config: &Config, name: &str) -> AdvisoryLocks {
        let mut config = config.clone();
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .application_name("strata locks");
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let mut connection = Connection {
            config,
            name: name.to_owned(),
            client: None,
        };
        // Ends when the locks are dropped (the sender with them); the
        // connection's end then releases whatever it still held.
        std::thread::Builder::new()
            .name("strata-locks".to_owned())
            .spawn(move || {
                for job in rx {
                    job(&mut connection);
                }
            })
            .map_err(|e| tracing::error!(error = %e, "could not start the shared locks' thread"))
            .ok();
        AdvisoryLocks {
            name: name.to_owned(),
            jobs: Mutex::new(jobs),
        }
    }

    /// Runs `f` on the locks' connection and waits for its result.
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = sync_channel(1);
        self.send(Box::new(move |connection| {
            let _ = tx.send(connection.run(f));
        }))?;
        rx.recv().unwrap_or_else(|_| Err(self.gone()))
    }

    /// Queues `job` for the connection's thread.
    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| self.gone())
    }

    fn gone(&self) -> StoreError {
        StoreError::Database {
            source: format!("the shared locks' thread for {} has stopped", self.name).into(),
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
                "the connection holding this process's shared locks was lost: the locks it held are released; reconnecting"
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

impl SharedLocks for AdvisoryLocks {
    fn try_lock(&self, key: LockKey, mode: Mode) -> Result<bool, StoreError> {
        let sql = match mode {
            Mode::Exclusive => "SELECT pg_try_advisory_lock($1, $2)",
            Mode::Shared => "SELECT pg_try_advisory_lock_shared($1, $2)",
        };
        self.with(move |c| Ok(c.query_one(sql, &[&key.space, &key.key])?.get(0)))
    }

    fn unlock(&self, key: LockKey, mode: Mode) -> Result<(), StoreError> {
        let sql = match mode {
            Mode::Exclusive => "SELECT pg_advisory_unlock($1, $2)",
            Mode::Shared => "SELECT pg_advisory_unlock_shared($1, $2)",
        };
        self.with(move |c| c.query_one(sql, &[&key.space, &key.key]).map(drop))
    }

    fn is_held(&self, key: LockKey) -> Result<bool, StoreError> {
        let (space, key) = (i64::from(key.space), i64::from(key.key));
        self.with(move |c| {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND objsubid = 2
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND classid = $1::BIGINT::OID AND objid = $2::BIGINT::OID)",
                &[&space, &key],
            )?
            .get(0))
        })
    }

    /// Queued, not waited for: a writer does not wait for the database.
    fn set_progress(&self, digest: &Digest, written: u64) -> Result<(), StoreError> {
        let written = i64::try_from(written).unwrap_or(i64::MAX);
        let digest = digest.to_string();
        self.send(Box::new(move |connection| {
            let set = connection.run(|c| {
                c.execute(
                    "INSERT INTO fetch_progress (digest, written, updated) VALUES ($1, $2, now())
                     ON CONFLICT (digest) DO UPDATE SET written = EXCLUDED.written, updated = now()",
                    &[&digest, &written],
                )
            });
            if let Err(e) = set {
                tracing::warn!(%digest, error = %e, "could not report a blob write's progress");
            }
        }))
    }

    fn progress(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        let digest = digest.to_string();
        let written: Option<i64> = self.with(move |c| {
            Ok(c.query_opt(
                "SELECT written FROM fetch_progress WHERE digest = $1",
                &[&digest],
            )?
            .map(|row| row.get(0)))
        })?;
        Ok(written.map(|w| u64::try_from(w).unwrap_or(0)))
    }

    fn clear_progress(&self, digest: &Digest) -> Result<(), StoreError> {
        let digest = digest.to_string();
        self.with(move |c| {
            c.execute("DELETE FROM fetch_progress WHERE digest = $1", &[&digest])
                .map(drop)
        })
    }
}
