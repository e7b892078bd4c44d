//! The metadata: what the store knows about images, behind traits split by
//! role, as [`content`](super::content) splits the blobs.
//!
//! - [`ImageRecords`]: image records, recorded with their tag and repo
//!   digest in one step; read, listed, found by ID prefix; removed as one
//!   read-decide-write step ([`ImageRecords::remove`]); each with its last
//!   pull time ([`ImageRecords::pulled`]).
//! - [`References`]: what a repository's tags and repo digests name.
//! - [`Pins`]: named users of an image.
//! - [`Leases`]: operations in flight and the digests they hold.
//! - [`BlobReferences`]: which blobs the records reference (garbage
//!   collection's marks), and each reference with its size (`fsck`).
//! - [`WaitingImages`]: image manifests `/v2` served that wait for their
//!   blobs before they are recorded.
//! - [`UnpackedLayers`]: what each layer unpacks to (diff_id and tar
//!   size), learned by reading it: the SIZE `images` and `history` show.
//! - [`Metadata`]: all of them, plus a change [`Generation`] and the
//!   backend's own consistency check.
//!
//! Methods speak strata's values ([`ImageRecord`], [`Named`],
//! [`LeaseRecord`], digests, tags), never a query language. Each method is
//! one transaction: it sees one consistent state, and either all of its
//! change is visible to every other handle and process or none of it.
//! Deciding *what* to remove is the store's; [`ImageRecords::remove`]
//! hands the decision a snapshot taken inside the transaction, so no
//! other writer changes the image between the look and the change.
//!
//! Liveness of a lease is not the metadata's business: a lease record
//! names a holder and an expiry, and the [`Store`](super::Store) checks
//! the holder's lock file (local-file coordination; a shared backend
//! would use advisory locks).
//!
//! Two backends implement the traits and pass the same conformance suite
//! (`proxy/tests/metadata_conformance/`): [`SqliteMetadata`] (`sqlite/`,
//! the store folder's `meta.db`, the default) and [`PostgresMetadata`]
//! (`postgres/`, `--database postgres://…`). `times.rs` holds the time
//! columns both write.

mod named;
mod postgres;
mod recording;
mod sqlite;
mod times;
mod values;

use std::collections::HashSet;

use shared::digest::Digest;
use shared::layer::Unpacked;
use shared::reference::{Tag, TagOrDigest};
use time::{Duration, OffsetDateTime};

pub use named::{Named, RepoName};
pub use postgres::{
    DatabaseUrl, PostgresMetadata, ROOT_CERT_ENV as POSTGRES_ROOT_CERT_ENV,
    SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION,
};
pub(crate) use postgres::{DbWorker, connect as connect_postgres};
pub use sqlite::SqliteMetadata;
pub use values::{
    BlobUse, Generation, ImageState, ImageTotals, LeaseRecord, PinRecord, RecordOutcome, Removal,
    WaitingImage,
};

use super::StoreError;
use super::record::{BlobRef, ImageId, ImageRecord, ImageRow, LayerRecord};

/// Image records: recording, reading, listing, removing.
pub trait ImageRecords {
    /// Records `record` (if its ID is new; a known image gains the
    /// manifest and index, if new to it) and, in the same transaction,
    /// points `tag` and `repo_digest` at it.
    ///
    /// A tag that named another image moves: the outcome names that image
    /// and whether it kept any tag. When it kept none, the repo digest of
    /// the tag's repository that the tag pointed at goes too (Docker's
    /// dangling `<none>:<none>`); its other repo digests stay.
    /// [`RecordOutcome::up_to_date`]: the image was known and the tag and
    /// repo digest already named it (the tag with the same target).
    /// Recording is a pull: the image's last pull time becomes `at` (if
    /// later).
    fn record(
        &self,
        record: &ImageRecord,
        tag: Option<(&RepoName, &Tag)>,
        repo_digest: Option<(&RepoName, &Digest)>,
        at: OffsetDateTime,
    ) -> Result<RecordOutcome, StoreError>;

    /// Notes that image `id` was pulled (or served through `/v2`) at
    /// `at`: its [`ImageRow::last_pulled`] becomes `at`, unless it is
    /// already within `granularity` before `at`, or later, or no such
    /// image is recorded. Returns whether it changed; a call that changes
    /// nothing does not write. ([`ImageRecords::record`] sets the time
    /// too.)
    fn pulled(
        &self,
        id: &ImageId,
        at: OffsetDateTime,
        granularity: Duration,
    ) -> Result<bool, StoreError>;

    /// Points `name:tag` at image `id`, with the image's first manifest as
    /// the digest the tag resolves to. `None`, changing nothing, when no
    /// such image is recorded.
    fn tag(
        &self,
        id: &ImageId,
        name: &RepoName,
        tag: &Tag,
        at: OffsetDateTime,
    ) -> Result<Option<RecordOutcome>, StoreError>;

    /// The record of image `id` (its first manifest, that manifest's
    /// layers and the first of its indexes by digest), if recorded.
    fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>, StoreError>;

    /// Whether image `id` is recorded.
    fn exists(&self, id: &ImageId) -> Result<bool, StoreError>;

    /// Every image with its tags, repo digests and pins (each sorted),
    /// newest first (by creation time; then by ID).
    fn rows(&self) -> Result<Vec<ImageRow>, StoreError>;

    /// One image as [`ImageRecords::rows`] lists it.
    fn row(&self, id: &ImageId) -> Result<Option<ImageRow>, StoreError>;

    /// The IDs whose full form (`sha256:<hex>`) starts with `prefix`,
    /// sorted, at most `limit` of them.
    fn ids_starting_with(&self, prefix: &str, limit: usize) -> Result<Vec<ImageId>, StoreError>;

    /// How many images, their sizes added up, and the distinct layer and
    /// config blobs of their first manifests, each counted once.
    fn totals(&self) -> Result<ImageTotals, StoreError>;

    /// One transaction: takes image `id`'s [`ImageState`], asks `decide`
    /// what to remove, and removes it. References in [`Removal::untag`]
    /// are removed only if they still name `id`; [`Removal::delete_image`]
    /// deletes the record with every tag, repo digest, pin and manifest of
    /// the image.
    ///
    /// Returns `None`, changing nothing and without calling `decide`, when
    /// no such image is recorded. Otherwise the blobs the deleted image
    /// referenced that no record references any more, without repeats
    /// (empty when the image stays). An error from `decide` changes
    /// nothing and is returned. A backend that retries the transaction
    /// (PostgreSQL, on a serialization failure) calls `decide` again with
    /// the new state: only its last answer counts.
    fn remove(
        &self,
        id: &ImageId,
        decide: &mut (dyn FnMut(&ImageState) -> Result<Removal, StoreError> + Send),
    ) -> Result<Option<Vec<Digest>>, StoreError>;
}

/// What repositories' tags and repo digests name.
pub trait References {
    /// The image `name`'s tag, or its repo digest, names.
    fn named(&self, name: &RepoName, key: &TagOrDigest) -> Result<Option<ImageId>, StoreError>;

    /// The digest `name:tag` resolved to when last recorded or tagged (an
    /// index or a manifest).
    fn tag_target(&self, name: &RepoName, tag: &Tag) -> Result<Option<Digest>, StoreError>;

    /// Whether an image that a tag or repo digest of `name` names uses the
    /// blob `digest` (as config, manifest, layer or index).
    fn repository_has(&self, name: &RepoName, digest: &Digest) -> Result<bool, StoreError>;
}

/// Pins: a named user says an image is in use.
pub trait Pins {
    /// Pins image `id` by `by` (once: pinning again changes nothing).
    /// `false`, changing nothing, when no such image is recorded.
    fn pin(&self, id: &ImageId, by: &str, at: OffsetDateTime) -> Result<bool, StoreError>;

    /// Removes the pin `by`, or every pin when `None`; returns the names
    /// removed, sorted (empty when there was none).
    fn unpin(&self, id: &ImageId, by: Option<&str>) -> Result<Vec<String>, StoreError>;

    /// The names of the pins on image `id`, sorted.
    fn pins(&self, id: &ImageId) -> Result<Vec<String>, StoreError>;

    /// Every pin on every image, oldest first (then by image and name).
    fn all_pins(&self) -> Result<Vec<PinRecord>, StoreError>;
}

/// Leases: records of operations in flight and the digests they hold.
pub trait Leases {
    /// Records a new lease (its [`LeaseRecord::digests`] are held at
    /// once).
    fn begin_lease(&self, lease: &LeaseRecord) -> Result<(), StoreError>;

    /// Adds `digests` to the digests lease `id` holds (a digest held twice
    /// is held once). Digests need not name anything stored.
    fn hold(&self, id: &str, digests: &[Digest]) -> Result<(), StoreError>;

    /// Removes lease `id` and what it holds; `false` if there was none.
    fn end_lease(&self, id: &str) -> Result<bool, StoreError>;

    /// Every lease on record, oldest first, with the digests it holds.
    fn leases(&self) -> Result<Vec<LeaseRecord>, StoreError>;
}

/// Which blobs the records reference: garbage collection's marks and
/// `fsck`'s list.
pub trait BlobReferences {
    /// Every digest an image record references: image IDs (configs),
    /// manifests, layers, indexes.
    fn referenced(&self) -> Result<HashSet<Digest>, StoreError>;

    /// Whether any image record references `digest`, right now (the
    /// check right before a blob is deleted).
    fn is_referenced(&self, digest: &Digest) -> Result<bool, StoreError>;

    /// Every reference from an image to a blob, with the size recorded.
    fn blob_uses(&self) -> Result<Vec<BlobUse>, StoreError>;
}

/// Image manifests served through `/v2` that wait for their blobs, oldest
/// first, bounded.
pub trait WaitingImages {
    /// Notes `image` (replacing the same repository and manifest), then
    /// forgets the oldest beyond `limit`.
    fn wait(&self, image: &WaitingImage, limit: usize) -> Result<(), StoreError>;

    /// Every waiting image, oldest first.
    fn waiting(&self) -> Result<Vec<WaitingImage>, StoreError>;

    /// Forgets the manifest `manifest` of `repository` (recorded, or never
    /// to be); `false` if it was not waiting.
    fn done_waiting(&self, repository: &RepoName, manifest: &Digest) -> Result<bool, StoreError>;
}

/// The latest referrers list `/v2` saw per repository and manifest (the
/// list itself is a small blob in the store), bounded: so a restarted
/// `strata serve` still answers `GET /v2/<name>/referrers/<digest>` while
/// the upstream is down. A kept list counts as referenced, so garbage
/// collection leaves it.
pub trait ReferrerLists {
    /// Keeps `list` as `subject`'s referrers in `repository` (replacing
    /// the one kept before), then forgets the oldest beyond `limit`;
    /// `None` forgets it (nothing refers to `subject`).
    fn keep_referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
        list: Option<&BlobRef>,
        limit: usize,
    ) -> Result<(), StoreError>;

    /// The list kept for `subject` in `repository`.
    fn referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
    ) -> Result<Option<BlobRef>, StoreError>;
}

/// What layers unpack to, learned by reading them (at pull, `load`, or
/// later by `fsck --repair` and `strata serve`): the diff_id, checked
/// against the config, and the tar's size. Keyed by the layer blob's
/// digest, so a fact is true of every image that uses the layer.
pub trait UnpackedLayers {
    /// Notes what each `(layer, unpacked)` unpacks to (replacing what was
    /// noted before; facts about the same bytes never differ).
    fn set_unpacked(&self, layers: &[(Digest, Unpacked)]) -> Result<(), StoreError>;

    /// What `layer` unpacks to, if noted.
    fn unpacked(&self, layer: &Digest) -> Result<Option<Unpacked>, StoreError>;

    /// The layers recorded images use whose unpacking is not noted, each
    /// once, with its media type and the diff_id the first image's config
    /// names for it.
    fn unknown_unpacked(&self) -> Result<Vec<LayerRecord>, StoreError>;
}

/// A complete metadata backend: every role, shareable between threads.
pub trait Metadata:
    ImageRecords
    + References
    + Pins
    + Leases
    + BlobReferences
    + WaitingImages
    + ReferrerLists
    + UnpackedLayers
    + Send
    + Sync
{
    /// A value that changes whenever the metadata may have changed, by
    /// this handle or any other (another process's included). Equal
    /// generations mean nothing changed, so callers can cache what they
    /// read.
    fn generation(&self) -> Result<Generation, StoreError>;

    /// What the backend's own consistency checks report, one line each;
    /// empty when it is sound (`fsck`).
    fn problems(&self) -> Result<Vec<String>, StoreError>;

    /// The locks that every process sharing this metadata sees, on any
    /// machine; `None` when the metadata lives in the store folder, whose
    /// lock files already reach every process that shares it.
    fn shared_locks(&self) -> Option<std::sync::Arc<dyn crate::store::SharedLocks>> {
        None
    }
}
