//! Last pull times: `images.last_pulled` (RFC 3339, UTC) and
//! `last_pulled_ns` (Unix nanoseconds, for comparing), as in SQLite
//! (`sqlite/pulls.rs`).

use time::{Duration, OffsetDateTime};

use super::PostgresMetadata;
use super::columns::{format_time, time_nanos};
use super::db::Db;
use crate::store::StoreError;
use crate::store::record::ImageId;

/// Sets image `id`'s last pull time to `at`, unless it is later already.
pub(super) fn set_last_pulled(
    db: &mut Db<'_, '_>,
    id: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE images SET last_pulled = $2, last_pulled_ns = $3
         WHERE id = $1 AND (last_pulled_ns IS NULL OR last_pulled_ns < $3)",
        &[&id, &format_time(at), &time_nanos(at)],
    )?;
    Ok(())
}

/// Whether image `id` needs its last pull time moved to `at`: it is
/// recorded, and its time is unknown or more than `granularity` before
/// `at`.
fn needs_update(
    db: &mut Db<'_, '_>,
    id: &ImageId,
    at: OffsetDateTime,
    granularity: Duration,
) -> Result<bool, StoreError> {
    let last: Option<Option<i64>> = db.row(
        "SELECT last_pulled_ns FROM images WHERE id = $1",
        &[&id.to_string()],
        |c| c.get(0),
    )?;
    Ok(match last {
        None => false,
        Some(None) => true,
        Some(Some(ns)) => ns < time_nanos(at - granularity),
    })
}

/// [`ImageRecords::pulled`](crate::store::metadata::ImageRecords::pulled):
/// a read first, a write transaction only when the time must move.
pub(super) fn pulled(
    m: &PostgresMetadata,
    id: &ImageId,
    at: OffsetDateTime,
    granularity: Duration,
) -> Result<bool, StoreError> {
    if !m.read(|db| needs_update(db, id, at, granularity))? {
        return Ok(false);
    }
    m.write(|db| {
        if !needs_update(db, id, at, granularity)? {
            return Ok(false);
        }
        set_last_pulled(db, &id.to_string(), at)?;
        Ok(true)
    })
}
