//! The pull engine: resolve a reference, choose a platform, and download the
//! manifest, config and layers into the store, verifying every byte as it
//! arrives.
//!
//! Order of work for one reference, as `docker pull`:
//! 1. resolve the tag with a HEAD request when the store already holds what
//!    the tag named (saves Docker Hub rate limit), else GET the manifest;
//! 2. for an index, choose the platform's manifest (default: this host's);
//! 3. fetch the config, then the layers, three at a time; a layer the store
//!    holds is `Already exists`, and two pulls of one layer download it once
//!    (the store lets one writer work on a digest);
//! 4. record the image and its tag, and report `Digest:` and `Status:`.
//!
//! Progress is reported as [`PullEvent`]s, the same type the dashboard's
//! event stream carries.
//!
//! A pull that fails removes the blobs it wrote that nothing else
//! references or holds, and only those: a blob that was in the store before
//! (cache from `/v2`, say) stays.
//!
//! Store calls (file locks, SQLite writes, fsyncs, the clean-up after a
//! failed pull) run on the blocking pool (`on_store`), so a pull in
//! `strata serve` does not hold up the server's other requests.

mod error;
mod layers;
mod undo_log;
mod unpack;

use std::sync::Arc;

use shared::api::PullEvent;
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::platform::Platform;
use shared::reference::Reference;
use shared::walk::{Document, Fetched, Need, PlatformChoice, Walk};

pub use error::PullError;

use crate::registry::RegistryClient;
pub use crate::registry::pace::Pace;
use crate::store::{BlobRef, ImageRecord, LeaseGuard, Store, StoreError};
use undo_log::UndoLog;

/// How long a pull's lease lasts at most, should its process hang.
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Where progress goes. Called from several tasks at once.
pub type Emit = Arc<dyn Fn(PullEvent) + Send + Sync>;

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// The image; a reference without tag or digest means `latest`
    /// (or every tag, with `all_tags`).
    pub reference: Reference,
    /// The platform to choose from an index (default: this host's).
    pub platform: Option<Platform>,
    /// Pull every tag of the repository (`-a`).
    pub all_tags: bool,
}

/// One image a pull stored (or found up to date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The canonical reference pulled, with its tag or digest.
    pub reference: Reference,
    /// The digest the reference resolved to (an index's, for multi-platform images).
    pub digest: Digest,
    /// The image ID (config digest).
    pub image_id: Digest,
    /// Whether the store already had it all.
    pub up_to_date: bool,
}

/// Pulls images from registries into a store.
#[derive(Clone)]
pub struct Puller {
    client: RegistryClient,
    store: Arc<Store>,
    host_platform: Platform,
    pace: Pace,
}

impl std::fmt::Debug for Puller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Puller")
            .field("host_platform", &self.host_platform)
            .finish_non_exhaustive()
    }
}

impl Puller {
    /// A puller for `store` through `client`.
    pub fn new(client: RegistryClient, store: Arc<Store>) -> Self {
        let host_platform = Platform::from_target(std::env::consts::OS, std::env::consts::ARCH);
        Self {
            client,
            store,
            host_platform,
            pace: Pace::default(),
        }
    }

    /// The same puller stopping each layer download that is slower or
    /// longer than `pace` allows (default: [`Pace::default`]).
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Pulls `request`, reporting progress to `emit`.
    pub async fn pull(&self, request: &PullRequest, emit: Emit) -> Result<Vec<Pulled>, PullError> {
        let platform = PlatformChoice::RunsOn {
            platform: request
                .platform
                .clone()
                .unwrap_or_else(|| self.host_platform.clone()),
            named: request.platform.is_some(),
        };
        if !request.all_tags {
            let reference = request.reference.with_default_tag();
            let pulled = self.pull_cleanly(&reference, &platform, &emit).await?;
            emit(PullEvent::Status {
                up_to_date: pulled.up_to_date,
                name: reference.familiar(),
            });
            emit(PullEvent::Done {
                reference: reference.to_string(),
            });
            return Ok(vec![pulled]);
        }
        let tags = self.client.list_tags(&request.reference).await?;
        let mut pulled = Vec::new();
        for tag in tags {
            let reference = request
                .reference
                .with_tag(&tag)
                .map_err(PullError::InvalidReference)?;
            pulled.push(self.pull_cleanly(&reference, &platform, &emit).await?);
        }
        let name = request.reference.canonical_name();
        let familiar_name = request.reference.familiar_name();
        emit(PullEvent::Status {
            up_to_date: pulled.iter().all(|p| p.up_to_date),
            name: familiar_name,
        });
        emit(PullEvent::Done { reference: name });
        Ok(pulled)
    }

    /// [`Puller::pull_one`], and on failure deletes the blobs it wrote that
    /// no image references and no other operation holds, so a failed pull
    /// leaves the store as it was.
    async fn pull_cleanly(
        &self,
        reference: &Reference,
        platform: &PlatformChoice,
        emit: &Emit,
    ) -> Result<Pulled, PullError> {
        let undo = UndoLog::default();
        let result = self.pull_one(reference, platform, emit, &undo).await;
        if result.is_err() {
            // The pull's lease is released by now; blobs other operations hold stay.
            let (store, digests) = (self.store.clone(), undo.settle().await);
            if let Err(e) = on_store(move || store.delete_unreferenced(&digests)).await {
                tracing::warn!("cleaning up after a failed pull: {e}");
            }
        }
        result
    }

    async fn pull_one(
        &self,
        reference: &Reference,
        platform: &PlatformChoice,
        emit: &Emit,
        undo: &UndoLog,
    ) -> Result<Pulled, PullError> {
        let tag_or_digest = match (reference.digest(), reference.tag()) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => "latest".to_owned(),
        };
        emit(PullEvent::PullingFrom {
            tag_or_digest,
            repository: reference.path().to_owned(),
        });

        // Everything this pull touches is held, so rm and gc leave it alone.
        let lease = {
            let (store, holder) = (
                self.store.clone(),
                format!("a pull of {}", reference.familiar()),
            );
            Arc::new(on_store(move || store.lease(&holder, LEASE_TTL)).await?)
        };
        let result = self
            .pull_held(reference, platform, emit, &lease, undo)
            .await;
        // The lease's record is deleted off the async workers too.
        on_store(move || {
            drop(lease);
            Ok(())
        })
        .await?;
        result
    }

    /// [`Puller::pull_one`] under `lease`; notes in `undo` what it stores.
    ///
    /// A driver of [`shared::walk`]: the walk says which document comes
    /// next and checks it; this fetches it (from the store when it is
    /// there), holds it under the lease and stores it once verified.
    async fn pull_held(
        &self,
        reference: &Reference,
        choice: &PlatformChoice,
        emit: &Emit,
        lease: &Arc<LeaseGuard>,
        undo: &UndoLog,
    ) -> Result<Pulled, PullError> {
        let mut walk = Walk::new(reference.manifest_reference(), choice.clone());
        let mut new_content = false;
        while let Some(need) = walk.need() {
            if let Some(digest) = need.digest() {
                hold(lease, vec![digest.clone()]).await?;
            }
            let fetched = match &need {
                Need::Top(_) => self.top(reference).await?,
                Need::Manifest(d) => Fetched::new(self.manifest_bytes(reference, &d.digest).await?),
                Need::Config(d) => {
                    Fetched::new(self.config_bytes(reference, d, need.limit()).await?)
                }
            };
            walk.feed(fetched)?;
            let Some(doc) = walk.document(&need) else {
                continue;
            };
            if need.digest().is_none() {
                hold(lease, vec![doc.digest.clone()]).await?;
            }
            new_content |= self.store_small(&doc.digest, &doc.bytes, undo).await?;
        }
        let image = walk.finish()?;
        if let Some(warning) = &image.platform_warning {
            // As Docker (since 20.10): a warning, and the image is pulled.
            emit(PullEvent::Warning {
                message: format!(
                    "image with reference {} was found but does not match the specified platform: wanted {}, actual: {} (it is not a multi-platform image)",
                    reference.familiar(),
                    warning.wanted,
                    warning.actual
                ),
            });
        }

        let layers: Vec<(Descriptor, Digest)> = image
            .layers()
            .map(|(d, diff_id)| (d.clone(), diff_id.clone()))
            .collect();
        let fetched = layers::fetch_all(
            &self.client,
            &self.store,
            reference,
            &layers,
            lease,
            emit,
            undo,
            !new_content,
            self.pace,
        )
        .await?;
        new_content |= fetched.downloaded;

        let blob_ref = |doc: &Document| BlobRef {
            digest: doc.digest.clone(),
            size: doc.bytes.len() as u64,
            media_type: doc.media_type.clone(),
        };
        let record = ImageRecord::new(
            blob_ref(&image.manifest_doc),
            &image.manifest,
            &image.config,
            image.index.as_ref().map(|(doc, _)| blob_ref(doc)),
        );
        let top_digest = image.digest().clone();
        let outcome = {
            let (store, reference, top) =
                (self.store.clone(), reference.clone(), top_digest.clone());
            let unpacked = fetched.unpacked;
            on_store(move || {
                store.note_unpacked(&unpacked)?;
                store.record_pull(&record, &reference, &top)
            })
            .await?
        };
        emit(PullEvent::Digest {
            digest: top_digest.clone(),
        });
        Ok(Pulled {
            reference: reference.clone(),
            digest: top_digest,
            image_id: image.id().clone(),
            up_to_date: !new_content && outcome.up_to_date,
        })
    }

    /// The manifest or index `reference` names, from the store when the
    /// tag still points where it did (the walk checks the bytes against
    /// the digest given with them).
    async fn top(&self, reference: &Reference) -> Result<Fetched, PullError> {
        if let Some(digest) = reference.digest() {
            return Ok(Fetched::new(self.manifest_bytes(reference, digest).await?));
        }
        // A HEAD request does not count against Docker Hub's pull limit.
        let known = {
            let (store, reference) = (self.store.clone(), reference.clone());
            on_store(move || {
                let Some(known) = store.tag_target(&reference)? else {
                    return Ok(None);
                };
                Ok(store.read_small(&known)?.map(|bytes| (known, bytes)))
            })
            .await?
        };
        if let Some((known, bytes)) = known
            && let Some(head) = self.client.head_manifest(reference).await?
            && head.digest == known
        {
            return Ok(Fetched {
                digest: Some(known),
                ..Fetched::new(bytes)
            });
        }
        Ok(self.client.get_manifest(reference).await?.into())
    }

    /// A manifest by digest: from the store if there, else fetched.
    async fn manifest_bytes(
        &self,
        reference: &Reference,
        digest: &Digest,
    ) -> Result<Vec<u8>, PullError> {
        if let Some(bytes) = self.read_small(digest).await? {
            return Ok(bytes);
        }
        let by_digest = reference.with_digest(digest.clone());
        let fetched = self.client.get_manifest(&by_digest).await?;
        Ok(fetched.bytes.to_vec())
    }

    /// The config blob: from the store if there, else fetched, reading no
    /// more than the walk's `limit` (its declared size) plus one byte (the
    /// walk's check then names the size mismatch).
    async fn config_bytes(
        &self,
        reference: &Reference,
        descriptor: &Descriptor,
        limit: u64,
    ) -> Result<Vec<u8>, PullError> {
        if let Some(bytes) = self.read_small(&descriptor.digest).await? {
            return Ok(bytes);
        }
        Ok(self
            .client
            .get_blob_capped(reference, &descriptor.digest, limit)
            .await?)
    }

    /// Stores a small verified document; returns whether it was new (and
    /// then notes it in `undo`).
    ///
    /// Only called with bytes already checked against `digest` (the store
    /// checks again on commit).
    async fn store_small(
        &self,
        digest: &Digest,
        bytes: &[u8],
        undo: &UndoLog,
    ) -> Result<bool, PullError> {
        let (store, key, bytes) = (self.store.clone(), digest.clone(), bytes.to_vec());
        let new = on_store(move || store.put_small(&key, &bytes)).await?;
        if new {
            undo.add(digest.clone());
        }
        Ok(new)
    }

    /// A small document from the store, if there.
    async fn read_small(&self, digest: &Digest) -> Result<Option<Vec<u8>>, PullError> {
        let (store, digest) = (self.store.clone(), digest.clone());
        on_store(move || store.read_small(&digest)).await
    }
}

/// Runs a store call on the blocking pool (see the module doc).
async fn on_store<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PullError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| PullError::Task(e.to_string()))?
        .map_err(PullError::from)
}

/// Holds `digests` under the pull's lease, in one write.
async fn hold(lease: &Arc<LeaseGuard>, digests: Vec<Digest>) -> Result<(), PullError> {
    let lease = lease.clone();
    on_store(move || lease.hold_all(&digests)).await
}
