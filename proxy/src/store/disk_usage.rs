//! The facts `system df`, `images --tree` and a prune's preview read: which
//! stored blobs each image uses, and the size of every stored blob. The
//! arithmetic is `shared::disk_usage`'s.

use std::collections::BTreeMap;

use shared::digest::Digest;
use shared::disk_usage::{DiskUsage, UsageImage, disk_usage};

use super::content::Manager;
use super::record::ImageRow;
use super::{Store, StoreError};

/// What the store holds, read once: every image (as listed, newest first),
/// the blobs each uses, and every stored blob's size.
#[derive(Debug, Clone)]
pub struct UsageFacts {
    /// Every image, newest first.
    pub rows: Vec<ImageRow>,
    /// Per image (same order as `rows`): its ID, pinned or not, its blobs.
    pub images: Vec<UsageImage>,
    /// Every stored blob with its size in bytes.
    pub stored: BTreeMap<Digest, u64>,
    /// Per image ID, the blobs it uses with their roles (`config`,
    /// `manifest`, `layer`, `index`) and recorded sizes.
    pub uses: BTreeMap<Digest, Vec<(String, Digest, u64)>>,
}

impl Store {
    /// Reads the [`UsageFacts`].
    pub fn usage_facts(&self) -> Result<UsageFacts, StoreError> {
        let rows = self.list()?;
        let mut uses: BTreeMap<Digest, Vec<(String, Digest, u64)>> = BTreeMap::new();
        for u in self.metadata().blob_uses()? {
            uses.entry(u.image.digest().clone())
                .or_default()
                .push((u.role, u.digest, u.size));
        }
        let stored = self
            .content()
            .list()?
            .into_iter()
            .map(|b| (b.digest, b.size))
            .collect();
        let images = rows
            .iter()
            .map(|row| UsageImage {
                id: row.id.digest().clone(),
                pinned: !row.pins.is_empty(),
                blobs: uses
                    .get(row.id.digest())
                    .map(|u| u.iter().map(|(_, d, _)| d.clone()).collect())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(UsageFacts {
            rows,
            images,
            stored,
            uses,
        })
    }

    /// `system df`: the store's usage in bytes in the store.
    pub fn disk_usage(&self) -> Result<(UsageFacts, DiskUsage), StoreError> {
        let facts = self.usage_facts()?;
        let usage = disk_usage(&facts.images, &facts.stored);
        Ok((facts, usage))
    }
}
