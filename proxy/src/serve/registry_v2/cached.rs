//! Images cached through `/v2` become images of the store, as if pulled.
//!
//! A client pulling through strata (`docker pull`, `podman pull`,
//! `skopeo copy`, `crane pull`) fetches a manifest, then its config and
//! layers. Once strata has served an image manifest of a repository and
//! every blob it names is in the store, strata records the image as
//! `strata pull` would ([`Store::record_image`]):
//!
//! - fetched by tag: the tag (`name:tag`) and the repo digest
//!   (`name@<digest the tag named>`, the index's when the tag names one);
//! - fetched by digest: the repo digest only, no tag;
//! - a platform manifest of an index the tag named: the first platform
//!   recorded gets the tag and `name@<index digest>`; other platforms of
//!   the same index are recorded under `name@<their manifest digest>`, so
//!   the tag does not jump between them.
//!
//! So cached content shows in `strata images`, survives garbage
//! collection like any pulled image (its blobs are referenced), and is
//! evicted with `strata rm`, like Docker's pull-through semantics on a
//! host. A blob fetched alone, with no manifest naming it, is only cache:
//! nothing references it and garbage collection may delete it.
//!
//! A manifest request carrying `X-Strata-No-Record`
//! ([`super::manifests::NO_RECORD`]) is served and cached but never
//! recorded: the dashboard sends it when a person only looks at an image
//! (image page, Verify panel, layer explorer), so looking is not pulling.
//!
//! The manifests waiting for their blobs are held in memory, a bounded
//! number ([`PENDING_LIMIT`]) per process; the oldest are forgotten first.
//! Recording runs on its own task, after the response went out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::reference::{Reference, Tag, TagOrDigest};

use super::context::ManifestBytes;
use crate::serve::AppState;
use crate::store::{BlobRef, ImageRecord, Provider, Store, StoreError};

/// Most image manifests waiting for their blobs, and most indexes
/// remembered for their platform manifests.
pub const PENDING_LIMIT: usize = 64;

/// An index served for a repository, remembered so the platform
/// manifests fetched next can be recorded with its tag.
#[derive(Clone, Debug)]
struct SeenIndex {
    name: String,
    index: BlobRef,
    tag: Option<Tag>,
    children: Vec<Digest>,
}

/// An image manifest served for a repository, waiting for its blobs.
#[derive(Clone, Debug)]
struct Pending {
    repository: Reference,
    manifest: BlobRef,
    tag: Option<Tag>,
    index: Option<BlobRef>,
}

/// The images `/v2` is caching; see the module doc.
#[derive(Debug, Default)]
pub struct CachedImages {
    pending: Arc<Mutex<VecDeque<Pending>>>,
    indexes: Mutex<VecDeque<SeenIndex>>,
}

impl CachedImages {
    /// Notes that `manifest` was served for `repository`, by `tag` or by
    /// digest, and records what is complete.
    pub fn served(
        &self,
        state: &AppState,
        repository: &Reference,
        tag: Option<&Tag>,
        manifest: &ManifestBytes,
    ) {
        let Ok(parsed) = Manifest::from_slice(&manifest.bytes, Some(manifest.media_type.as_str()))
        else {
            return;
        };
        let blob = BlobRef {
            digest: manifest.digest.clone(),
            size: manifest.bytes.len() as u64,
            media_type: manifest.media_type.clone(),
        };
        let name = repository.canonical_name();
        match parsed {
            Manifest::Index(index) => {
                let seen = SeenIndex {
                    name,
                    index: blob,
                    tag: tag.cloned(),
                    children: index.manifests.iter().map(|d| d.digest.clone()).collect(),
                };
                let mut indexes = lock(&self.indexes);
                indexes.retain(|i| !(i.name == seen.name && i.index.digest == seen.index.digest));
                push_bounded(&mut indexes, seen);
            }
            Manifest::Image(image) => {
                if !image.config.media_type.is_config() {
                    return; // an artifact (attestation, signature…), not an image
                }
                let parent = match tag {
                    Some(_) => None,
                    None => lock(&self.indexes)
                        .iter()
                        .rev()
                        .find(|i| i.name == name && i.children.contains(&blob.digest))
                        .cloned(),
                };
                let pending = Pending {
                    repository: repository.name_only(),
                    tag: tag
                        .cloned()
                        .or_else(|| parent.as_ref().and_then(|p| p.tag.clone())),
                    index: parent.map(|p| p.index),
                    manifest: blob,
                };
                let mut waiting = lock(&self.pending);
                waiting.retain(|p| {
                    !(p.repository == pending.repository
                        && p.manifest.digest == pending.manifest.digest)
                });
                push_bounded(&mut waiting, pending);
            }
        }
        self.record_complete(state, repository);
    }

    /// Records, on a task, every image of `repository` whose blobs are
    /// all stored now (a blob of it was just stored).
    pub fn record_complete(&self, state: &AppState, repository: &Reference) {
        let name = repository.canonical_name();
        let mine: Vec<Pending> = {
            let mut waiting = lock(&self.pending);
            let (mine, rest): (VecDeque<Pending>, VecDeque<Pending>) = waiting
                .drain(..)
                .partition(|p| p.repository.canonical_name() == name);
            *waiting = rest;
            Vec::from(mine)
        };
        if mine.is_empty() {
            return;
        }
        let store = state.store().clone();
        let task = tokio::task::spawn_blocking(move || {
            mine.into_iter()
                .filter(|p| match record(&store, p) {
                    Ok(done) => !done,
                    Err(e) => {
                        tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "could not record an image cached through /v2");
                        false
                    }
                })
                .collect::<Vec<_>>()
        });
        let pending = self.pending.clone();
        tokio::spawn(async move {
            if let Ok(left) = task.await {
                let mut waiting = lock(&pending);
                for p in left {
                    push_bounded(&mut waiting, p);
                }
            }
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn push_bounded<T>(queue: &mut VecDeque<T>, item: T) {
    while queue.len() >= PENDING_LIMIT {
        queue.pop_front();
    }
    queue.push_back(item);
}

/// Records `p` if every blob it needs is stored; `Ok(false)` if some are
/// still missing.
fn record(store: &Store, p: &Pending) -> Result<bool, StoreError> {
    let Some(bytes) = store.read_small(&p.manifest.digest)? else {
        return Ok(false);
    };
    let Some(manifest) = Manifest::from_slice(&bytes, Some(p.manifest.media_type.as_str()))
        .ok()
        .and_then(|m| m.as_image().cloned())
    else {
        return Ok(true); // nothing to record, ever
    };
    for layer in &manifest.layers {
        if store.content().info(&layer.digest)?.is_none() {
            return Ok(false);
        }
    }
    let Some(config) = store.read_small(&manifest.config.digest)? else {
        return Ok(false);
    };
    let Ok(config) = ImageConfig::from_slice(&config) else {
        return Ok(true);
    };
    let record = ImageRecord::new(p.manifest.clone(), &manifest, &config, p.index.clone());
    let top = p.index.as_ref().unwrap_or(&p.manifest).digest.clone();
    let other = |named: Option<crate::store::ImageId>| named.is_some_and(|id| id != record.id);
    // Another platform of the same index already holds its tag or digest.
    let sibling = match (&p.index, &p.tag) {
        (Some(index), Some(tag)) => {
            let name = TagOrDigest::Tag(tag.clone());
            store.tag_target(&p.repository.with_tag_or_digest(name.clone()))?
                == Some(index.digest.clone())
                && other(store.image_named(&p.repository, &name)?)
        }
        (Some(index), None) => {
            other(store.image_named(&p.repository, &TagOrDigest::Digest(index.digest.clone()))?)
        }
        (None, _) => false,
    };
    let (tag, repo_digest) = match sibling {
        true => (None, &p.manifest.digest),
        false => (p.tag.as_ref(), &top),
    };
    if up_to_date(store, p, &record, tag, repo_digest)? {
        return Ok(true); // pulled again: no write
    }
    let repository = &p.repository;
    let outcome = store.record_image(
        &record,
        tag.map(|t| (repository, t)),
        Some((repository, repo_digest)),
    )?;
    if !outcome.up_to_date {
        tracing::info!(repository = %p.repository, digest = %top, image = %record.id.short(), "recorded an image cached through /v2");
    }
    Ok(true)
}

/// Whether the store already names `record` by `tag` (pointing at the
/// same digest) and by `repo_digest` in the repository.
fn up_to_date(
    store: &Store,
    p: &Pending,
    record: &ImageRecord,
    tag: Option<&Tag>,
    repo_digest: &Digest,
) -> Result<bool, StoreError> {
    let names = |name: TagOrDigest| -> Result<bool, StoreError> {
        Ok(store.image_named(&p.repository, &name)?.as_ref() == Some(&record.id))
    };
    if !names(TagOrDigest::Digest(repo_digest.clone()))? {
        return Ok(false);
    }
    match tag {
        None => Ok(true),
        Some(tag) => {
            let name = TagOrDigest::Tag(tag.clone());
            Ok(names(name.clone())?
                && store
                    .tag_target(&p.repository.with_tag_or_digest(name))?
                    .as_ref()
                    == Some(repo_digest))
        }
    }
}
