//! [`Leases`] in the `leases` and `lease_resources` tables. Liveness is
//! the store's to check (see the module doc of `postgres/`).

use shared::digest::Digest;

use super::PostgresMetadata;
use super::columns::format_time;
use super::db::{Db, Params};
use crate::store::StoreError;
use crate::store::metadata::{LeaseRecord, Leases};

/// Each lease with its digests, oldest first.
const LEASE_SELECT: &str = "
SELECT l.id, l.holder, l.pid, l.created, l.expires,
    ARRAY(SELECT digest FROM lease_resources WHERE lease_id = l.id ORDER BY digest)
FROM leases l";

impl Leases for PostgresMetadata {
    fn begin_lease(&self, lease: &LeaseRecord) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "INSERT INTO leases (id, holder, pid, created, expires) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &lease.id,
                    &lease.holder,
                    &i64::from(lease.pid),
                    &format_time(lease.created),
                    &format_time(lease.expires),
                ],
            )?;
            insert_resources(db, &lease.id, &lease.digests)
        })
    }

    fn hold(&self, id: &str, digests: &[Digest]) -> Result<(), StoreError> {
        self.write(|db| insert_resources(db, id, digests))
    }

    fn end_lease(&self, id: &str) -> Result<bool, StoreError> {
        self.write(|db| Ok(db.execute("DELETE FROM leases WHERE id = $1", &[&id])? > 0))
    }

    fn leases(&self) -> Result<Vec<LeaseRecord>, StoreError> {
        self.read(|db| leases_where(db, "", &[]))
    }
}

fn insert_resources(db: &mut Db<'_, '_>, id: &str, digests: &[Digest]) -> Result<(), StoreError> {
    for digest in digests {
        db.execute(
            "INSERT INTO lease_resources (lease_id, digest) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &digest.to_string()],
        )?;
    }
    Ok(())
}

/// The leases matching `filter` (a `WHERE …` on `l`, empty for all), with
/// `params` as its parameters, oldest first.
pub(super) fn leases_where(
    db: &mut Db<'_, '_>,
    filter: &str,
    params: Params<'_>,
) -> Result<Vec<LeaseRecord>, StoreError> {
    db.rows(
        &format!("{LEASE_SELECT} {filter} ORDER BY l.created, l.id"),
        params,
        |c| {
            let pid: i64 = c.get(2)?;
            Ok(LeaseRecord {
                id: c.get(0)?,
                holder: c.get(1)?,
                pid: u32::try_from(pid).map_err(|e| c.corrupt(2, e))?,
                created: c.time(3)?,
                expires: c.time(4)?,
                digests: c.parsed_list(5)?,
            })
        },
    )
}
