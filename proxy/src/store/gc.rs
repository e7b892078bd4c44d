//! Garbage collection: deleting blobs that nothing references and no live
//! lease holds, and their layer indexes with them.
//!
//! The marks are the metadata's ([`BlobReferences`](super::BlobReferences)); the sweep is here.
//! Deleters take `locks/delete.lock` exclusively and re-check each blob in
//! the metadata right before deleting it; [`LeaseGuard::hold`](super::LeaseGuard::hold)
//! takes the same lock shared. So a blob is either deleted before a lease
//! holds it (and the holder sees it missing) or held before the check (and
//! kept). Stale leases (holder dead or expired) are removed first.

use std::collections::HashSet;

use shared::digest::Digest;

use super::content::{BlobInfo, LayerIndexes, Manager};
use super::{Mode, Store, StoreError};

impl Store {
    /// Deletes every blob that no image references and no live lease
    /// holds; returns the blobs deleted, sorted.
    pub fn gc(&self) -> Result<Vec<Digest>, StoreError> {
        Ok(self
            .collect_garbage()?
            .into_iter()
            .map(|b| b.digest)
            .collect())
    }

    /// [`Store::gc`], with the size of each blob deleted (`strata gc`).
    pub fn collect_garbage(&self) -> Result<Vec<BlobInfo>, StoreError> {
        self.remove_stale_leases()?;
        let referenced: HashSet<Digest> = self.metadata().referenced()?;
        let candidates: Vec<BlobInfo> = self
            .content()
            .list()?
            .into_iter()
            .filter(|b| !referenced.contains(&b.digest))
            .collect();
        let digests: Vec<Digest> = candidates.iter().map(|b| b.digest.clone()).collect();
        let deleted: HashSet<Digest> = self.delete_unreferenced(&digests)?.into_iter().collect();
        let mut out: Vec<BlobInfo> = candidates
            .into_iter()
            .filter(|b| deleted.contains(&b.digest))
            .collect();
        out.sort_by(|a, b| a.digest.cmp(&b.digest));
        Ok(out)
    }

    /// Deletes those of `candidates` that are, right now, unreferenced and
    /// not held by a live lease; returns the ones deleted. A blob that
    /// cannot be deleted is logged and left for the next `gc`.
    pub(crate) fn delete_unreferenced(
        &self,
        candidates: &[Digest],
    ) -> Result<Vec<Digest>, StoreError> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let _exclusive = self.deletion_lock(Mode::Exclusive)?;
        let held: HashSet<Digest> = self.held_digests()?.into_iter().collect();
        let mut deleted = Vec::new();
        for digest in candidates {
            if held.contains(digest) || self.metadata().is_referenced(digest)? {
                continue;
            }
            match self.content().delete(digest) {
                Ok(true) => deleted.push(digest.clone()),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(%digest, error = %e, "could not delete an unreferenced blob");
                    continue;
                }
            }
            // Its index goes with it (derived data; none for most blobs).
            if let Err(e) = self.content().delete_index(digest) {
                tracing::warn!(%digest, error = %e, "could not delete a deleted layer's index");
            }
        }
        deleted.sort();
        deleted.dedup();
        Ok(deleted)
    }
}
