//! How much the store holds, and how much sharing layers saves.

use super::content::Manager;
use super::{Store, StoreError};

/// Disk usage of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreUsage {
    /// Images recorded.
    pub images: u64,
    /// The images' sizes added up, as if nothing were shared (what the
    /// SIZE column of `images` sums to).
    pub total_bytes: u64,
    /// The distinct layer and config blobs those images use, each counted
    /// once.
    pub unique_bytes: u64,
    /// `total_bytes - unique_bytes`: what sharing layers saves.
    pub bytes_saved_by_sharing: u64,
    /// Every blob file in the store (also manifests, indexes, and blobs
    /// `gc` would delete).
    pub disk_bytes: u64,
}

impl Store {
    /// The store's usage.
    pub fn usage(&self) -> Result<StoreUsage, StoreError> {
        let (images, total_bytes, unique_bytes) = self.read(|tx| {
            Ok(tx.query_row(
                "SELECT (SELECT COUNT(*) FROM images),
                        (SELECT COALESCE(SUM(size), 0) FROM images),
                        (SELECT COALESCE(SUM(size), 0) FROM (
                            SELECT digest, MAX(size) AS size FROM (
                                SELECT l.digest, l.size FROM layers l
                                    JOIN images i ON l.manifest_digest = i.manifest_digest
                                UNION ALL SELECT id, config_size FROM images)
                            GROUP BY digest))",
                [],
                |row| {
                    Ok((
                        row.get::<_, u64>(0)?,
                        row.get::<_, u64>(1)?,
                        row.get::<_, u64>(2)?,
                    ))
                },
            )?)
        })?;
        let disk_bytes = self
            .content()
            .list()?
            .iter()
            .fold(0u64, |sum, b| sum.saturating_add(b.size));
        Ok(StoreUsage {
            images,
            total_bytes,
            unique_bytes,
            bytes_saved_by_sharing: total_bytes.saturating_sub(unique_bytes),
            disk_bytes,
        })
    }
}
