//! [`PostgresMetadata`]: the metadata in a PostgreSQL database
//! (`--database postgres://USER[:PASS]@HOST:PORT/DB`), shared by every
//! process and machine that names the same database.
//!
//! # Client
//! The blocking [`postgres`] crate: the store's methods block by contract
//! (async code calls them inside `spawn_blocking`, as it already must for
//! SQLite), so a blocking client fits the seam as it is. Each connection
//! drives itself on a private current-thread runtime; calling it from an
//! async task's own thread would panic, which is the same rule the store
//! already states. A small pool ([`pool`]) keeps a few idle connections.
//! Connections are plain TCP (or a unix socket), or TLS with
//! `sslmode=require`, the server's certificate verified (`tls.rs`).
//!
//! # Transactions
//! Every method is one transaction. Reads run in `REPEATABLE READ READ
//! ONLY`: one snapshot. Writes run in `SERIALIZABLE`, and their first
//! statement bumps the one-row `generation` counter: concurrent writers
//! queue on that row as SQLite's `BEGIN IMMEDIATE` writers queue on the
//! file lock, and the loser's serialization failure is retried with a new
//! snapshot, up to [`WRITE_ATTEMPTS`] times. The counter is also
//! [`Metadata::generation`]: it moves with every committed write, by any
//! process.
//!
//! # Locks and leases
//! The lease rows live here, shared. The locks that make a lease live, a
//! blob's writer unique and garbage collection wait for holders are
//! PostgreSQL session advisory locks ([`Metadata::shared_locks`],
//! `advisory.rs`), which every replica sees whatever folder it has; the
//! store takes them after its own lock files.
//!
//! | file | what |
//! | --- | --- |
//! | `url.rs`, `pool.rs`, `db.rs`, `tls.rs` | the URL (password redacted), connections (TLS or not), a transaction in progress |
//! | `advisory.rs`, `worker.rs` | the shared locks and writers' progress, on a connection of their own on a thread of its own |
//! | `schema.rs` | the tables, versioned migrations, refusing a newer schema |
//! | `columns.rs` | column ↔ digests, times, platforms, names |
//! | `error.rs` | PostgreSQL's errors as [`StoreError`]s, and which retry |
//! | `images.rs` | [`ImageRecords`](super::ImageRecords) |
//! | `record.rs`, `load.rs`, `removal.rs` | its writes, reads and removal |
//! | `pulls.rs` | images' last pull times |
//! | `waiting.rs`, `referrer_lists.rs` | what `/v2` keeps across restarts |
//! | `unpacked.rs` | [`UnpackedLayers`](super::UnpackedLayers) |
//! | `references.rs`, `pins.rs`, `leases.rs`, `blob_refs.rs` | the other roles |

mod advisory;
mod blob_refs;
mod columns;
mod db;
mod error;
mod images;
mod leases;
mod load;
mod pins;
mod pool;
mod pulls;
mod record;
mod references;
mod referrer_lists;
mod removal;
mod schema;
mod tls;
mod unpacked;
mod url;
mod waiting;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use postgres::IsolationLevel;

use db::Db;

use super::{Generation, Metadata};
use crate::store::StoreError;

pub use schema::VERSION as SCHEMA_VERSION;
pub use tls::ROOT_CERT_ENV;
pub(crate) use tls::connect;
pub use url::DatabaseUrl;
pub(crate) use worker::DbWorker;

/// How many times a write transaction runs before its serialization
/// failure is returned.
const WRITE_ATTEMPTS: u32 = 100;

/// The metadata in one PostgreSQL database. Every method blocks.
pub struct PostgresMetadata {
    pool: pool::Pool,
    locks: Arc<advisory::AdvisoryLocks>,
}

impl PostgresMetadata {
    /// Connects to the database at `url` (`postgres://USER[:PASS]@HOST:PORT/DB`)
    /// and brings its schema to this strata's version (safe when several
    /// processes start at once). A database whose schema is newer than
    /// this strata knows is refused ([`StoreError::NewerSchema`]).
    pub fn open(url: &str) -> Result<PostgresMetadata, StoreError> {
        let pool = pool::Pool::new(url)?;
        {
            let mut client = pool.get()?;
            schema::migrate(&mut client, pool.name())?;
        }
        let locks = Arc::new(advisory::AdvisoryLocks::new(pool.config(), pool.name()));
        Ok(PostgresMetadata { pool, locks })
    }

    /// The database, as `postgres://USER@HOST:PORT/DB` (no password).
    pub fn name(&self) -> &str {
        self.pool.name()
    }

    /// Runs `f` in a write transaction (`SERIALIZABLE`, the generation
    /// bumped first), committed when `f` succeeds and rolled back when it
    /// fails; run again from the start on a serialization failure.
    fn write<T: Send>(
        &self,
        mut f: impl FnMut(&mut Db<'_, '_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.transaction(IsolationLevel::Serializable, false, &mut |tx| {
                tx.execute("UPDATE generation SET value = value + 1", &[])?;
                f(tx)
            });
            match result {
                Err(e) if attempt < WRITE_ATTEMPTS && error::is_retryable(&e) => {
                    std::thread::sleep(backoff(attempt));
                }
                other => return other,
            }
        }
    }

    /// Runs `f` in a read transaction: one consistent snapshot.
    fn read<T: Send>(
        &self,
        mut f: impl FnMut(&mut Db<'_, '_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.transaction(IsolationLevel::RepeatableRead, true, &mut f)
    }

    /// Runs `f` in a transaction. On an async runtime's thread (a lease
    /// dropped by a task, say), where the blocking client must not run,
    /// it runs on a thread of its own meanwhile.
    fn transaction<T: Send>(
        &self,
        level: IsolationLevel,
        read_only: bool,
        f: &mut (dyn FnMut(&mut Db<'_, '_>) -> Result<T, StoreError> + Send),
    ) -> Result<T, StoreError> {
        off_runtime(|| self.transaction_here(level, read_only, f))
    }

    /// The generation in one round trip (a simple query, no transaction:
    /// one statement reads one snapshot anyway); every `/api/v1` read asks
    /// for it. A connection found closed falls back to a transaction,
    /// which knows to take another.
    fn generation_here(&self) -> Result<i64, StoreError> {
        let mut client = self.pool.get()?;
        let messages = match client.simple_query("SELECT value FROM generation") {
            Ok(messages) => messages,
            Err(e) if error::connection_gone(&e) => {
                client.discard();
                return self.transaction_here(IsolationLevel::RepeatableRead, true, &mut |tx| {
                    tx.value("SELECT value FROM generation", &[])
                });
            }
            Err(e) => return Err(e.into()),
        };
        messages
            .iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0),
                _ => None,
            })
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| {
                corrupt(
                    self.pool.name(),
                    "the generation table has no row".to_owned(),
                )
            })
    }

    fn transaction_here<T>(
        &self,
        level: IsolationLevel,
        read_only: bool,
        f: &mut (dyn FnMut(&mut Db<'_, '_>) -> Result<T, StoreError> + Send),
    ) -> Result<T, StoreError> {
        // An idle connection the server has ended (a restart, an idle
        // timeout, an administrator) fails at `BEGIN`, before anything was
        // done: a new connection takes its place.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut client = self.pool.get()?;
            let failed = match client
                .build_transaction()
                .isolation_level(level)
                .read_only(read_only)
                .start()
            {
                Ok(mut tx) => {
                    let out = f(&mut Db::new(&mut tx, self.pool.name()))?;
                    tx.commit()?;
                    return Ok(out);
                }
                Err(e) => e,
            };
            if error::connection_gone(&failed) && attempts <= pool::MAX_IDLE {
                client.discard();
                continue;
            }
            return Err(failed.into());
        }
    }
}

/// Runs `f` here, or, on an async runtime's thread (where the blocking
/// client must not run: a lease dropped by a task, say), on a thread of
/// its own meanwhile.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T, StoreError> + Send) -> Result<T, StoreError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| {
        scope.spawn(f).join().unwrap_or_else(|_| {
            Err(StoreError::Database {
                source: "a database call panicked".into(),
            })
        })
    })
}

/// The store-is-damaged error for a value in database `name`.
fn corrupt(name: &str, problem: String) -> StoreError {
    StoreError::Corrupt {
        path: PathBuf::from(name),
        problem,
    }
}

/// A short wait before attempt `attempt + 1`, longer as attempts fail,
/// spread by the clock's nanoseconds so two losers do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let spread = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 1000);
    Duration::from_micros(u64::from(attempt.min(20)) * 500 + u64::from(spread))
}

impl Metadata for PostgresMetadata {
    /// The `generation` counter every write transaction bumps.
    fn generation(&self) -> Result<Generation, StoreError> {
        off_runtime(|| self.generation_here()).map(|value| (value, 0))
    }

    /// What PostgreSQL's constraints do not enforce: the schema version,
    /// the generation row, and each image's own manifest.
    fn problems(&self) -> Result<Vec<String>, StoreError> {
        self.read(schema::problems)
    }

    /// Session advisory locks on a connection of this handle's own.
    fn shared_locks(&self) -> Option<Arc<dyn crate::store::SharedLocks>> {
        Some(self.locks.clone())
    }
}

impl std::fmt::Debug for PostgresMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresMetadata")
            .field("database", &self.name())
            .finish_non_exhaustive()
    }
}
