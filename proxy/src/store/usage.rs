//! How much the store holds, and how much sharing layers saves.

use super::content::Manager;
use super::metadata::ImageTotals;
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
        let ImageTotals {
            images,
            total_bytes,
            unique_bytes,
        } = self.metadata().totals()?;
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
