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
//! - fetched by digest: the repo digest only, no tag, unless a `HEAD` on
//!   a tag of the repository resolved that digest before
//!   ([`super::resolved_tags`], as containerd pulls): then as by that tag;
//! - a platform manifest of an index the tag named: the first platform
//!   recorded gets the tag and `name@<index digest>`; other platforms of
//!   the same index are recorded under `name@<their manifest digest>`, so
//!   the tag does not jump between them.
//!
//! Recording sets the image's last pull time; serving a recorded image
//! again moves it ([`Store::note_pulled`], at most once a minute), which
//! retention (`--retain`) ranks images by.
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
//! They are also kept in the store's metadata
//! ([`crate::store::WaitingImages`]), so a restarted `strata serve` takes
//! them up again ([`CachedImages::restore`]) and records an image whose
//! blobs arrive after the restart.
//! Recording runs on a blocking task, after the response went out.
//!
//! # The lease
//! Until the image is recorded nothing references its blobs, so garbage
//! collection in another process on the same store (`strata gc`) would
//! delete them as they arrive. So each waiting manifest takes a store lease, "a pull through /v2 of
//! `name@<manifest digest>`", lasting at most [`LEASE_TTL`] (as
//! `strata pull`'s), and holds the manifest, the config (the image ID: so
//! `strata rm` refuses that image meanwhile, as during a pull), every
//! layer and the index if any, following the store's protocol for writers
//! ([`crate::store::LeaseGuard`]). The lease ends when the image is
//! recorded, or when its manifest is forgotten (pushed out of the bounded
//! list, or replaced by the same manifest served again), or at the latest
//! when strata exits or the TTL passes.
//!
//! The lease is taken on a blocking task (file locking and database
//! writes) started before the manifest response goes out, and the manifest
//! waits for its blobs only once the lease is in place. Should it fail, a
//! warning is logged and the image is still recorded if its blobs survive;
//! the client's request never fails for it. The windows:
//! - the manifest itself is stored before the lease holds it; once held,
//!   it is written again from the bytes served if a collection took it
//!   meanwhile (closed);
//! - a blob committed before the lease holds it can be collected in
//!   between: one stored earlier as cache, or one a client quick enough
//!   had fetched within the milliseconds the lease takes (one database
//!   write holds them all). A client that asks for it afterwards gets it fetched
//!   again; one that does not (it has the bytes already) leaves the image
//!   unrecorded, its lease held until the manifest is forgotten;
//! - the index of a platform manifest was stored when the index was
//!   served, with no lease; if it is collected before the platform
//!   manifest's lease holds it, recording fails (logged as a warning).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use shared::digest::Digest;
use shared::manifest::{ImageManifest, Manifest};
use shared::reference::{Reference, Tag, TagOrDigest};
use shared::walk::{Fetched, Need, PlatformChoice, Walk};

use super::served_manifest::ManifestBytes;
use crate::serve::AppState;
use crate::store::{
    BlobRef, ImageRecord, LeaseGuard, Provider, RepoName, Store, StoreError, WaitingImage,
};

/// Most image manifests waiting for their blobs, and most indexes
/// remembered for their platform manifests.
pub const PENDING_LIMIT: usize = 64;

/// How long the lease of a manifest waiting for its blobs lasts at most,
/// as a `strata pull`'s does.
pub const LEASE_TTL: Duration = Duration::from_secs(6 * 3600);

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
    /// Holds the image's blobs until it is recorded (`None` if it could
    /// not be taken); ends when the last clone of the entry is dropped.
    lease: Option<Arc<LeaseGuard>>,
}

impl Pending {
    /// What its lease holds: the manifest, the config (the image ID, so
    /// `strata rm` refuses the image meanwhile), every layer and the index.
    fn holds(&self, image: &ImageManifest) -> Vec<Digest> {
        let mut held = vec![self.manifest.digest.clone(), image.config.digest.clone()];
        held.extend(image.layers.iter().map(|l| l.digest.clone()));
        held.extend(self.index.as_ref().map(|i| i.digest.clone()));
        held
    }

    /// How the store keeps it across restarts.
    fn waiting(&self) -> WaitingImage {
        WaitingImage {
            repository: RepoName::of(&self.repository),
            manifest: self.manifest.clone(),
            tag: self.tag.clone(),
            index: self.index.clone(),
            since: time::OffsetDateTime::now_utc(),
        }
    }

    /// A waiting image the store kept, with no lease yet.
    fn from_waiting(waiting: WaitingImage) -> Option<Pending> {
        let repository = waiting.repository.as_str().parse::<Reference>().ok()?;
        Some(Pending {
            repository,
            manifest: waiting.manifest,
            tag: waiting.tag,
            index: waiting.index,
            lease: None,
        })
    }
}

/// The images `/v2` is caching; see the module doc.
#[derive(Debug, Default)]
pub struct CachedImages {
    /// Dropped at shutdown on whichever thread drops the service; the
    /// leases left end there, a database write each, once.
    pending: Arc<Mutex<Waiting>>,
    indexes: Mutex<VecDeque<SeenIndex>>,
}

/// The image manifests waiting for their blobs.
#[derive(Debug, Default)]
struct Waiting {
    entries: VecDeque<Pending>,
    /// Blobs stored so far. A recording attempt that sees it change while
    /// it had a repository's entries out looks again: the attempt started
    /// for that blob found nothing to record meanwhile.
    stored: u64,
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
        let parsed = match Manifest::from_slice(&manifest.bytes, Some(manifest.media_type.as_str()))
        {
            Ok(parsed) => parsed,
            Err(e) => {
                tracing::warn!(repository = %repository, manifest = %manifest.digest, error = %e, "a manifest served through /v2 cannot be read; it is not recorded");
                return;
            }
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
                    lease: None,
                };
                let (store, queue, bytes) = (
                    state.store().clone(),
                    self.pending.clone(),
                    manifest.bytes.clone(),
                );
                // Started before the response goes out, so the lease is in
                // place, as a rule, before the client has a blob of the
                // image fetched (the module doc says what is left open).
                let held = pending.holds(&image);
                tokio::task::spawn_blocking(move || {
                    let mut pending = pending;
                    pending.lease = take_lease(&store, &pending, &held, &bytes);
                    if let Err(e) = store.wait_for_blobs(&pending.waiting(), PENDING_LIMIT) {
                        tracing::warn!(repository = %pending.repository, manifest = %pending.manifest.digest, error = %e, "could not note an image cached through /v2 in the store; it is recorded only if its blobs arrive before strata restarts");
                    }
                    let forgotten = {
                        let mut waiting = lock(&queue);
                        let (same, rest): (VecDeque<Pending>, VecDeque<Pending>) =
                            waiting.entries.drain(..).partition(|p| {
                                p.repository == pending.repository
                                    && p.manifest.digest == pending.manifest.digest
                            });
                        waiting.entries = rest;
                        let mut forgotten = Vec::from(same);
                        forgotten.extend(push_bounded(&mut waiting.entries, pending));
                        forgotten
                    };
                    // Their leases end here, off the async workers and the lock.
                    drop(forgotten);
                    record_waiting(&store, &queue, &name);
                });
                return;
            }
        }
        self.record_complete(state, repository);
    }

    /// Takes up the images an earlier `strata serve` on this store left
    /// waiting for their blobs: each gets its lease again, and what is
    /// complete by now is recorded. Runs on a blocking task; without a
    /// tokio runtime (a test building the router alone), does nothing.
    pub fn restore(&self, store: &Store) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, queue) = (store.clone(), self.pending.clone());
        runtime.spawn_blocking(move || {
            let waiting = match store.waiting_images() {
                Ok(waiting) => waiting,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the images left waiting for their blobs; they are not recorded");
                    return;
                }
            };
            let mut names = Vec::new();
            for waiting in waiting {
                let Some(pending) = Pending::from_waiting(waiting) else {
                    continue;
                };
                let manifest = store.read_small(&pending.manifest.digest).ok().flatten();
                let Some(image) = manifest
                    .as_deref()
                    .and_then(|bytes| Manifest::from_slice(bytes, Some(pending.manifest.media_type.as_str())).ok())
                    .and_then(|m| m.as_image().cloned())
                else {
                    // Its manifest is gone (collected): nothing to record, ever.
                    forget(&store, &pending);
                    continue;
                };
                let mut pending = pending;
                let bytes = manifest.unwrap_or_default();
                pending.lease = take_lease(&store, &pending, &pending.holds(&image), &bytes);
                names.push(pending.repository.canonical_name());
                let forgotten = push_bounded(&mut lock(&queue).entries, pending);
                drop(forgotten);
            }
            names.sort();
            names.dedup();
            for name in names {
                record_waiting(&store, &queue, &name);
            }
        });
    }

    /// Records, on a blocking task, every image of `repository` whose
    /// blobs are all stored now (a blob of it was just stored).
    pub fn record_complete(&self, state: &AppState, repository: &Reference) {
        lock(&self.pending).stored += 1;
        let (store, queue, name) = (
            state.store().clone(),
            self.pending.clone(),
            repository.canonical_name(),
        );
        tokio::task::spawn_blocking(move || record_waiting(&store, &queue, &name));
    }
}

/// Takes the lease of `p` and holds `digests` (its manifest, config,
/// layers and index), then stores the manifest again from `bytes` should a
/// collection have taken it before it was held. `None`, with a warning,
/// if any of that fails: recording goes on unprotected, as it did before
/// there were leases.
fn take_lease(
    store: &Store,
    p: &Pending,
    digests: &[Digest],
    bytes: &[u8],
) -> Option<Arc<LeaseGuard>> {
    let take = || -> Result<LeaseGuard, StoreError> {
        let lease = store.lease(
            &format!(
                "a pull through /v2 of {}@{}",
                p.repository.familiar_name(),
                p.manifest.digest
            ),
            LEASE_TTL,
        )?;
        lease.hold_all(digests)?;
        store.put_small(&p.manifest.digest, bytes)?;
        Ok(lease)
    };
    match take() {
        Ok(lease) => Some(Arc::new(lease)),
        Err(e) => {
            tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "could not take a lease for an image cached through /v2; garbage collection by another process may delete its blobs before it is recorded");
            None
        }
    }
}

/// Records every waiting image of repository `name` whose blobs are all
/// stored; the others wait on. Blocking: run it on a blocking task, where
/// the leases of the entries it is done with end.
fn record_waiting(store: &Store, queue: &Mutex<Waiting>, name: &str) {
    loop {
        let (mine, stored) = {
            let mut waiting = lock(queue);
            let (mine, rest): (VecDeque<Pending>, VecDeque<Pending>) = waiting
                .entries
                .drain(..)
                .partition(|p| p.repository.canonical_name() == name);
            waiting.entries = rest;
            (mine, waiting.stored)
        };
        if mine.is_empty() {
            return;
        }
        let mut left = Vec::new();
        for p in mine {
            match record(store, &p) {
                Ok(false) => left.push(p),
                // Recorded (or never will be): its lease ends here.
                Ok(true) => forget(store, &p),
                Err(e) => {
                    tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "could not record an image cached through /v2");
                    forget(store, &p);
                }
            }
        }
        let waits = !left.is_empty();
        let (forgotten, look_again): (Vec<Pending>, bool) = {
            let mut waiting = lock(queue);
            let forgotten = left
                .into_iter()
                .flat_map(|p| push_bounded(&mut waiting.entries, p))
                .collect();
            (forgotten, waits && waiting.stored != stored)
        };
        drop(forgotten); // their leases end outside the lock
        if !look_again {
            return;
        }
    }
}

/// Tells the store `p` waits no more.
fn forget(store: &Store, p: &Pending) {
    if let Err(e) = store.done_waiting(&p.repository, &p.manifest.digest) {
        tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "could not forget an image that waited for its blobs; a restart will look at it again");
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Appends `item`, first taking out (and returning) the oldest items
/// beyond [`PENDING_LIMIT`].
fn push_bounded<T>(queue: &mut VecDeque<T>, item: T) -> Vec<T> {
    let mut out = Vec::new();
    while queue.len() >= PENDING_LIMIT {
        out.extend(queue.pop_front());
    }
    queue.push_back(item);
    out
}

/// Records `p` if every blob it needs is stored; `Ok(false)` if some are
/// still missing.
///
/// A driver of [`shared::walk`] over the store: the image recorded is the
/// one the walk verified (digests, limits, media types, layers against
/// `rootfs.diff_ids`), as `strata pull` records it. An image that does not
/// check out is never recorded, and the log says why.
fn record(store: &Store, p: &Pending) -> Result<bool, StoreError> {
    let mut walk = Walk::new(
        TagOrDigest::Digest(p.manifest.digest.clone()),
        PlatformChoice::page(None),
    );
    while let Some(need) = walk.need() {
        let Some(digest) = need.digest() else {
            return Ok(true);
        };
        let Some(bytes) = store.read_small(digest)? else {
            return Ok(false);
        };
        let content_type = matches!(need, Need::Top(_)).then(|| p.manifest.media_type.to_string());
        let fetched = Fetched {
            content_type,
            ..Fetched::new(bytes)
        };
        if let Err(e) = walk.feed(fetched) {
            tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "not recording an image cached through /v2: it does not check out");
            return Ok(true); // nothing to record, ever
        }
    }
    let image = match walk.finish() {
        Ok(image) => image,
        Err(e) => {
            tracing::warn!(repository = %p.repository, manifest = %p.manifest.digest, error = %e, "not recording an image cached through /v2");
            return Ok(true);
        }
    };
    for (layer, _) in image.layers() {
        if store.content().info(&layer.digest)?.is_none() {
            return Ok(false);
        }
    }
    let record = ImageRecord::new(
        p.manifest.clone(),
        &image.manifest,
        &image.config,
        p.index.clone(),
    );
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
        // Pulled again: only its last pull time moves (at most once a minute).
        store.note_pulled(&record.id)?;
        return Ok(true);
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
