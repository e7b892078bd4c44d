//! Last pull times: `images.last_pulled` (RFC 3339, UTC) and
//! `last_pulled_ns` (Unix nanoseconds, for comparing), which retention
//! ranks images by. Recording an image sets them
//! ([`ImageRecords::record`](crate::store::metadata::ImageRecords::record));
//! [`ImageRecords::pulled`](crate::store::metadata::ImageRecords::pulled) moves them on
//! when a recorded image is served or pulled again.

use rusqlite::{Connection, OptionalExtension, params};
use time::{Duration, OffsetDateTime};

use super::columns::{format_time, time_nanos};
use crate::store::StoreError;
use crate::store::record::ImageId;

/// Sets image `id`'s last pull time to `at`, unless it is later already
/// (inside the write transaction `db`).
pub(super) fn set_last_pulled(
    db: &Connection,
    id: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE images SET last_pulled = ?2, last_pulled_ns = ?3
         WHERE id = ?1 AND (last_pulled_ns IS NULL OR last_pulled_ns < ?3)",
        params![id, format_time(at), time_nanos(at)],
    )?;
    Ok(())
}

/// Whether image `id` needs its last pull time moved to `at`: it is
/// recorded, and its time is unknown or more than `granularity` before
/// `at` (a read; no write lock).
pub(super) fn needs_update(
    db: &Connection,
    id: &ImageId,
    at: OffsetDateTime,
    granularity: Duration,
) -> Result<bool, StoreError> {
    let last: Option<Option<i64>> = db
        .query_row(
            "SELECT last_pulled_ns FROM images WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(match last {
        None => false,
        Some(None) => true,
        Some(Some(ns)) => ns < time_nanos(at - granularity),
    })
}

/// [`ImageRecords::pulled`](crate::store::metadata::ImageRecords::pulled):
/// a read first, a write transaction only when the time must move.
pub(super) fn pulled(
    m: &super::SqliteMetadata,
    id: &ImageId,
    at: OffsetDateTime,
    granularity: Duration,
) -> Result<bool, StoreError> {
    if !m.read(|tx| needs_update(tx, id, at, granularity))? {
        return Ok(false);
    }
    m.write(|tx| {
        if !needs_update(tx, id, at, granularity)? {
            return Ok(false);
        }
        set_last_pulled(tx, &id.to_string(), at)?;
        Ok(true)
    })
}
