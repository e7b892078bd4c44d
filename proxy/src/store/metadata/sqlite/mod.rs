//! [`SqliteMetadata`]: the metadata in an SQLite database in the store
//! folder (`meta.db`), shared by every process that opens the folder.
//!
//! SQLite in WAL mode: readers never block the writer nor each other, and
//! one writer at a time is serialised across processes by SQLite's own
//! file locks. Every write runs in a `BEGIN IMMEDIATE` transaction, which
//! takes the write lock up front, so two writers queue on the busy timeout
//! instead of failing with "database is locked" when a read transaction
//! would have to be upgraded. `synchronous = FULL`, because the store
//! deletes blob files after a transaction commits: that commit must not be
//! undone by a power cut.
//!
//! | file | what |
//! | --- | --- |
//! | `schema.rs` | the tables, and upgrading them |
//! | `columns.rs` | column text ↔ digests, times, platforms, names |
//! | `error.rs` | SQLite's errors as [`StoreError`]s |
//! | `images.rs` | [`ImageRecords`](super::ImageRecords) |
//! | `record.rs`, `load.rs`, `removal.rs` | its writes, reads and removal |
//! | `pulls.rs` | images' last pull times |
//! | `waiting.rs`, `referrer_lists.rs` | what `/v2` keeps across restarts |
//! | `unpacked.rs` | [`UnpackedLayers`](super::UnpackedLayers) |
//! | `references.rs`, `pins.rs`, `leases.rs`, `blob_refs.rs` | the other roles |

mod blob_refs;
mod columns;
mod error;
mod images;
mod leases;
mod load;
mod pins;
mod pulls;
mod record;
mod references;
mod referrer_lists;
mod removal;
mod schema;
mod unpacked;
mod waiting;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::{Generation, Metadata};
use crate::store::StoreError;

/// The metadata in one SQLite database file. One connection, used by one
/// thread at a time; every method blocks.
pub struct SqliteMetadata {
    path: PathBuf,
    db: Mutex<Connection>,
    /// Write transactions this handle committed (see
    /// [`Metadata::generation`]).
    writes: AtomicU64,
}

impl SqliteMetadata {
    /// Opens the database at `path`, creating it or upgrading its schema
    /// as needed (safe when several processes open a new store at once).
    pub fn open(path: &Path) -> Result<SqliteMetadata, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(error::BUSY_TIMEOUT_SECONDS))?;
        set_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(SqliteMetadata {
            path: path.to_path_buf(),
            db: Mutex::new(conn),
            writes: AtomicU64::new(0),
        })
    }

    /// The connection. A panic while it was held cannot leave it
    /// inconsistent (an open transaction is rolled back when dropped), so
    /// a poisoned lock is taken over.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`), committed when
    /// `f` succeeds and rolled back when it fails.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut db = self.conn();
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(out)
    }

    /// Runs `f` in a read transaction: one consistent snapshot.
    fn read<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut db = self.conn();
        let tx = db.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }
}

impl Metadata for SqliteMetadata {
    /// Commits by this handle, and (SQLite's `data_version`) by any other
    /// connection or process.
    fn generation(&self) -> Result<Generation, StoreError> {
        let db = self.conn();
        let data_version: i64 = db.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        Ok((data_version, self.writes.load(Ordering::SeqCst)))
    }

    /// SQLite's `integrity_check` and `foreign_key_check`.
    fn problems(&self) -> Result<Vec<String>, StoreError> {
        self.read(|tx| {
            let mut problems = Vec::new();
            for pragma in ["integrity_check", "foreign_key_check"] {
                let mut stmt = tx.prepare(&format!("PRAGMA {pragma}"))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let first: rusqlite::types::Value = row.get(0)?;
                    match first {
                        rusqlite::types::Value::Text(t) if t == "ok" => {}
                        other => problems.push(format!("{pragma}: {other:?}")),
                    }
                }
            }
            Ok(problems)
        })
    }
}

impl std::fmt::Debug for SqliteMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteMetadata")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Switches to WAL mode. The switch needs a moment alone with a new
/// database; when several processes open a new store at once, the losers
/// retry (the mode is persistent, so this only happens once per store).
fn set_wal(conn: &Connection) -> Result<(), StoreError> {
    let mut attempts = 0;
    loop {
        let result: rusqlite::Result<String> =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0));
        match result {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(StoreError::Corrupt {
                    path: conn.path().unwrap_or_default().into(),
                    problem: format!("the database refuses WAL mode (it stays in {mode:?} mode)"),
                });
            }
            Err(e)
                if attempts < 200
                    && matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) =>
            {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}
