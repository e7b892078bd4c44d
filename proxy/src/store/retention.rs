//! Retention: applying a [`RetentionPolicy`] to the store, then
//! collecting garbage.
//!
//! The store gathers each image as a [`Candidate`] (its repositories, its
//! last pull time, its config and layer blobs, and whether it is pinned or
//! held by a live lease) and [`shared::retention::select`] decides; the
//! semantics are documented there. A real run evicts each selected image
//! with [`Store::evict`], which checks pins and leases again inside its
//! transaction: an image pinned, or taken by a pull, since the selection
//! is skipped and reported, never removed. Then
//! [`Store::collect_garbage`] deletes what no image references and no
//! lease holds (the blobs `/v2` cached for nobody, too).
//!
//! A pull in flight is safe throughout: its lease holds its blobs and its
//! image ID, and deletions follow the store's delete-lock protocol
//! ([`super::gc`]).

use std::collections::HashSet;

use shared::digest::Digest;
use shared::retention::{Candidate, Reason, RetentionPolicy, select};
use time::OffsetDateTime;

use super::content::BlobInfo;
use super::record::ImageId;
use super::{ImageRow, Store, StoreError};

/// One image a policy evicts (or, in a dry run, would).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eviction {
    /// The image.
    pub id: ImageId,
    /// Its tags, else its repo digests, familiar (`redis:latest`); empty
    /// when nothing names it.
    pub references: Vec<String>,
    /// Its size (compressed layers plus config).
    pub size: u64,
    /// When it was last pulled, if known.
    pub last_pulled: Option<OffsetDateTime>,
    /// Why it goes.
    pub reason: Reason,
}

/// An image selected but kept: pinned or taken into use after the
/// selection, or gone meanwhile.
#[derive(Debug)]
pub struct Skipped {
    /// The image as selected.
    pub eviction: Eviction,
    /// Why it stayed.
    pub error: StoreError,
}

/// What one retention run did: the hook for logs and metrics.
#[derive(Debug, Default)]
pub struct RetentionReport {
    /// The images evicted (in a dry run: that would be), in order.
    pub evicted: Vec<Eviction>,
    /// The images selected but kept (never in a dry run).
    pub skipped: Vec<Skipped>,
    /// The blobs deleted: the evicted images' own, then garbage
    /// collection's (empty in a dry run).
    pub reclaimed: Vec<BlobInfo>,
    /// `maxStoreBytes` is still exceeded: pinned or in-use images alone
    /// hold more.
    pub over_limit: bool,
}

impl RetentionReport {
    /// Images removed (or, in a dry run, that would be).
    pub fn images_removed(&self) -> usize {
        self.evicted.len()
    }

    /// Bytes deleted from the store.
    pub fn bytes_reclaimed(&self) -> u64 {
        self.reclaimed.iter().map(|b| b.size).sum()
    }
}

impl Store {
    /// The images `policy` evicts now, in order, and whether the cap stays
    /// exceeded; changes nothing.
    fn retention_plan(
        &self,
        policy: &RetentionPolicy,
    ) -> Result<(Vec<Eviction>, bool), StoreError> {
        let rows = self.list()?;
        let held: HashSet<Digest> = self.held_digests()?.into_iter().collect();
        let mut candidates = Vec::with_capacity(rows.len());
        for row in &rows {
            // Removed since it was listed: nothing to decide about.
            let Some(record) = self.metadata().image(&row.id)? else {
                continue;
            };
            let mut blobs = vec![(record.id.digest().clone(), record.config_size)];
            blobs.extend(record.layers.iter().map(|l| (l.digest.clone(), l.size)));
            let in_use = [Some(&record.manifest), record.index.as_ref()]
                .into_iter()
                .flatten()
                .map(|b| &b.digest)
                .chain([record.id.digest()])
                .any(|d| held.contains(d));
            candidates.push(Candidate {
                id: row.id.digest().clone(),
                repositories: repositories(row),
                last_pulled: row.last_pulled,
                blobs,
                protected: in_use || !row.pins.is_empty(),
            });
        }
        let selection = select(policy, &candidates, OffsetDateTime::now_utc());
        let evictions = selection
            .evict
            .into_iter()
            .filter_map(|e| {
                let row = rows.iter().find(|r| r.id.digest() == &e.id)?;
                Some(Eviction {
                    id: row.id.clone(),
                    references: references(row),
                    size: row.size,
                    last_pulled: row.last_pulled,
                    reason: e.reason,
                })
            })
            .collect();
        Ok((evictions, selection.over_limit))
    }

    /// Applies `policy`: evicts what it selects, then collects garbage
    /// (see the module doc). With `dry_run`, only reports what would be
    /// evicted.
    pub fn retain(
        &self,
        policy: &RetentionPolicy,
        dry_run: bool,
    ) -> Result<RetentionReport, StoreError> {
        let (planned, over_limit) = self.retention_plan(policy)?;
        let mut report = RetentionReport {
            over_limit,
            ..RetentionReport::default()
        };
        if dry_run {
            report.evicted = planned;
            return Ok(report);
        }
        for eviction in planned {
            let sizes: Vec<(Digest, u64)> = self
                .get(&eviction.id)
                .map(|r| {
                    r.blobs()
                        .into_iter()
                        .map(|(_, d, size)| (d.clone(), size))
                        .collect()
                })
                .unwrap_or_default();
            match self.evict(&eviction.id) {
                Ok(deleted) => {
                    report
                        .reclaimed
                        .extend(deleted.into_iter().filter_map(|digest| {
                            let size = sizes.iter().find(|(d, _)| *d == digest)?.1;
                            Some(BlobInfo { digest, size })
                        }));
                    report.evicted.push(eviction);
                }
                Err(error) if error.is_not_found() || error.is_conflict() => {
                    report.skipped.push(Skipped { eviction, error });
                }
                Err(error) => return Err(error),
            }
        }
        report.reclaimed.extend(self.collect_garbage()?);
        Ok(report)
    }
}

/// The repositories naming the image, canonical, each once.
fn repositories(row: &ImageRow) -> Vec<String> {
    let mut names: Vec<String> = row
        .repo_tags
        .iter()
        .chain(&row.repo_digests)
        .map(|r| r.canonical_name())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The image's tags, else its repo digests, familiar.
fn references(row: &ImageRow) -> Vec<String> {
    let names = if row.repo_tags.is_empty() {
        &row.repo_digests
    } else {
        &row.repo_tags
    };
    names.iter().map(|r| r.familiar()).collect()
}
