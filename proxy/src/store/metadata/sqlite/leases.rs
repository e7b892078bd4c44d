//! [`Leases`] in the `leases` and `lease_resources` tables.

use rusqlite::{Connection, params};
use shared::digest::Digest;

use super::SqliteMetadata;
use super::columns::{format_time, time_at};
use crate::store::StoreError;
use crate::store::metadata::{LeaseRecord, Leases};

/// Each lease with its digests as a JSON array, oldest first.
const LEASE_SELECT: &str = "
SELECT l.id, l.holder, l.pid, l.created, l.expires,
    (SELECT json_group_array(digest) FROM
        (SELECT digest FROM lease_resources WHERE lease_id = l.id ORDER BY digest))
FROM leases l";

impl Leases for SqliteMetadata {
    fn begin_lease(&self, lease: &LeaseRecord) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO leases (id, holder, pid, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    lease.id,
                    lease.holder,
                    lease.pid,
                    format_time(lease.created),
                    format_time(lease.expires)
                ],
            )?;
            insert_resources(tx, &lease.id, &lease.digests)
        })
    }

    fn hold(&self, id: &str, digests: &[Digest]) -> Result<(), StoreError> {
        self.write(|tx| insert_resources(tx, id, digests))
    }

    fn end_lease(&self, id: &str) -> Result<bool, StoreError> {
        self.write(|tx| Ok(tx.execute("DELETE FROM leases WHERE id = ?1", [id])? > 0))
    }

    fn leases(&self) -> Result<Vec<LeaseRecord>, StoreError> {
        self.read(|tx| leases_where(tx, "", &[]))
    }
}

fn insert_resources(db: &Connection, id: &str, digests: &[Digest]) -> Result<(), StoreError> {
    let mut insert =
        db.prepare("INSERT OR IGNORE INTO lease_resources (lease_id, digest) VALUES (?1, ?2)")?;
    for digest in digests {
        insert.execute(params![id, digest.to_string()])?;
    }
    Ok(())
}

/// The leases matching `filter` (a `WHERE …` on `l`, empty for all), with
/// `args` as its parameters, oldest first.
pub(super) fn leases_where(
    db: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<LeaseRecord>, StoreError> {
    let mut stmt = db.prepare(&format!("{LEASE_SELECT} {filter} ORDER BY l.created, l.id"))?;
    let leases = stmt
        .query_map(args, |row| {
            Ok(LeaseRecord {
                id: row.get(0)?,
                holder: row.get(1)?,
                pid: row.get(2)?,
                created: time_at(row, 3)?,
                expires: time_at(row, 4)?,
                digests: super::columns::json_at(row, 5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(leases)
}
