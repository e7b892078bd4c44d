//! The metadata database: opening it, its schema, and the conversions
//! between its columns and strata's types.
//!
//! SQLite in WAL mode: readers never block the writer nor each other, and
//! one writer at a time is serialised across processes by SQLite's own
//! file locks. Every write runs in a `BEGIN IMMEDIATE` transaction, which
//! takes the write lock up front, so two writers queue on the busy timeout
//! instead of failing with "database is locked" when a read transaction
//! would have to be upgraded. `synchronous = FULL`, because the store
//! deletes blob files after a transaction commits: that commit must not be
//! undone by a power cut.

mod columns;
mod schema;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub(crate) use columns::{digest_at, format_time, image_id_at, parse_time, time_nanos};

use super::StoreError;
use super::error::BUSY_TIMEOUT_SECONDS;

/// Opens the database at `path`, creating or upgrading its schema.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECONDS))?;
    set_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    schema::migrate(&mut conn)?;
    Ok(conn)
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
