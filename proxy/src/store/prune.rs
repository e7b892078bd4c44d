//! `image prune`: removing, in one go, the dangling images (or with `all`
//! every image no pin holds) that the filters select, as moby's
//! `ImagesPrune` does.
//!
//! Each image is removed in its own transaction with the rules of
//! [`Store::evict`]: the filters are checked again on the image's state
//! inside it (an image tagged meanwhile is no longer dangling and stays; a
//! pin taken meanwhile keeps it), an image a live lease holds (a pull in
//! flight) is skipped, and its blobs go through the normal deletion path,
//! which keeps every blob another image uses or a lease holds.
//! Reclaimed space is the size of the blobs actually deleted.

use std::collections::{BTreeMap, BTreeSet};

use shared::digest::Digest;
use shared::disk_usage::freed_by;
use shared::filter::{PruneFilters, PruneSubject};
use time::OffsetDateTime;

use super::content::Manager;
use super::error::Conflict;
use super::metadata::{Named, Removal};
use super::record::{ImageId, ImageRow};
use super::remove::check_not_in_use;
use super::{Store, StoreError};

/// One image a prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunedImage {
    /// The image ID.
    pub id: ImageId,
    /// The references removed, familiar form.
    pub untagged: Vec<String>,
    /// The blobs deleted besides the image's config, sorted.
    pub deleted: Vec<Digest>,
}

/// What a prune did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// The images removed, in the order removed.
    pub pruned: Vec<PrunedImage>,
    /// Images selected but kept: the ID and why (in use, pinned meanwhile).
    pub skipped: Vec<(ImageId, String)>,
    /// Bytes of the blobs deleted.
    pub reclaimed: u64,
}

impl PruneReport {
    /// `untagged: NAME` and `deleted: DIGEST` lines, image by image, as
    /// `docker image prune` prints them.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for image in &self.pruned {
            lines.extend(image.untagged.iter().map(|n| format!("untagged: {n}")));
            lines.push(format!("deleted: {}", image.id));
            lines.extend(image.deleted.iter().map(|d| format!("deleted: {d}")));
        }
        lines
    }
}

/// What a prune would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunePreview {
    /// The images it selects, newest first.
    pub images: Vec<ImageRow>,
    /// Bytes of the stored blobs only those images use.
    pub reclaimable: u64,
}

/// Whether a prune with `filters` and `all` selects `row` at `now`.
fn selects(filters: &PruneFilters, all: bool, now: OffsetDateTime, row: &ImageRow) -> bool {
    filters.selects(
        &PruneSubject {
            dangling: row.dangling,
            pinned: !row.pins.is_empty(),
            created: row.created,
            labels: &row.labels,
        },
        all,
        now,
    )
}

impl Store {
    /// The images a prune would remove now, and the bytes it would free.
    pub fn prune_preview(
        &self,
        filters: &PruneFilters,
        all: bool,
    ) -> Result<PrunePreview, StoreError> {
        let now = OffsetDateTime::now_utc();
        let facts = self.usage_facts()?;
        let chosen: BTreeSet<&Digest> = facts
            .rows
            .iter()
            .filter(|row| selects(filters, all, now, row))
            .map(|row| row.id.digest())
            .collect();
        let reclaimable = freed_by(&facts.images, &facts.stored, &chosen);
        let images = facts
            .rows
            .iter()
            .filter(|row| chosen.contains(row.id.digest()))
            .cloned()
            .collect();
        Ok(PrunePreview {
            images,
            reclaimable,
        })
    }

    /// Prunes: see the module docs.
    pub fn prune(&self, filters: &PruneFilters, all: bool) -> Result<PruneReport, StoreError> {
        let now = OffsetDateTime::now_utc();
        let sizes: BTreeMap<Digest, u64> = self
            .content()
            .list()?
            .into_iter()
            .map(|b| (b.digest, b.size))
            .collect();
        let mut report = PruneReport::default();
        for row in self.list()? {
            if !selects(filters, all, now, &row) {
                continue;
            }
            match self.prune_one(&row, filters.dangling_only(all)) {
                Ok(Some(mut pruned)) => {
                    let mut freed = pruned.deleted.clone();
                    freed.push(pruned.id.digest().clone());
                    pruned.deleted.retain(|d| d != pruned.id.digest());
                    report.reclaimed += freed
                        .iter()
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .filter_map(|d| sizes.get(d))
                        .sum::<u64>();
                    report.pruned.push(pruned);
                }
                Ok(None) => {}
                Err(e @ StoreError::Conflict(_)) => report.skipped.push((row.id, e.to_string())),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Removes one selected image, checking the selection again inside the
    /// transaction; `None` when it no longer qualifies or is gone.
    /// (Its labels and created time never change; whether it is tagged or
    /// pinned may have.)
    fn prune_one(
        &self,
        row: &ImageRow,
        dangling_only: bool,
    ) -> Result<Option<PrunedImage>, StoreError> {
        let mut untagged = Vec::new();
        let mut deleting = false;
        let orphans = self.metadata().remove(&row.id, &mut |state| {
            // A backend may ask again (a retried transaction): the last
            // answer counts.
            untagged.clear();
            deleting = false;
            let tagged = state
                .references
                .iter()
                .any(|r| matches!(r, Named::Tag { .. }));
            if dangling_only && tagged {
                return Ok(Removal::default());
            }
            check_not_in_use(self, &row.id.to_string(), state)?;
            if !state.pins.is_empty() {
                return Err(Conflict::PinnedImage {
                    image: row.id.clone(),
                    pins: state.pins.clone(),
                }
                .into());
            }
            let mut refs = state.references.clone();
            refs.sort_by(|a, b| (a.name(), a.is_digest(), a).cmp(&(b.name(), b.is_digest(), b)));
            untagged = refs.iter().map(Named::familiar).collect();
            deleting = true;
            Ok(Removal {
                untag: refs,
                delete_image: true,
            })
        })?;
        // `None`: gone meanwhile; not deleting: tagged meanwhile.
        let Some(orphans) = orphans.filter(|_| deleting) else {
            return Ok(None);
        };
        let deleted = self.delete_unreferenced(&orphans)?;
        Ok(Some(PrunedImage {
            id: row.id.clone(),
            untagged,
            deleted,
        }))
    }
}
