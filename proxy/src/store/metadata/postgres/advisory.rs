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
//! process still runs, the locks it held are gone: that is logged
//! (`worker.rs`), and a new connection takes its place for what comes
//! next.

use postgres::Config;
use shared::digest::Digest;

use super::worker::DbWorker;
use crate::store::{LockKey, Mode, SharedLocks, StoreError};

/// The advisory locks of one process on one database, on a connection of
/// their own ([`DbWorker`]: a lock is often released on an async
/// runtime's thread, by a writer a failing task dropped).
#[derive(Debug)]
pub(super) struct AdvisoryLocks {
    worker: DbWorker,
}

impl AdvisoryLocks {
    /// Locks on the database `config` connects to (named `name` in
    /// messages). Connects at first use.
    pub(super) fn new(config: &Config, name: &str) -> AdvisoryLocks {
        AdvisoryLocks {
            worker: DbWorker::new(config, name, "strata locks"),
        }
    }

    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.worker.run(f)
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
        self.worker
            .queue("report a blob write's progress", move |c| {
                c.execute(
                    "INSERT INTO fetch_progress (digest, written, updated) VALUES ($1, $2, now())
                     ON CONFLICT (digest) DO UPDATE SET written = EXCLUDED.written, updated = now()",
                    &[&digest, &written],
                )
                .map(drop)
            })
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
