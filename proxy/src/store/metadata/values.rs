//! The values the [`Metadata`](super::Metadata) traits take and return,
//! besides the image records themselves.

use shared::digest::Digest;
use time::OffsetDateTime;

use shared::reference::Tag;

use super::{Named, RepoName};
use crate::store::record::{BlobRef, ImageId, ImageRecord};

/// What [`Store::record_image`](crate::store::Store::record_image) or
/// [`Store::tag`](crate::store::Store::tag) changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordOutcome {
    /// Nothing changed: the image was known and the tag and repo digest
    /// already named it (`Status: Image is up to date for …`).
    pub up_to_date: bool,
    /// The image the tag named before, when the tag moved to another
    /// image.
    pub previous: Option<ImageId>,
    /// `previous` has no tag left: it is now dangling (`<none>:<none>`).
    /// It is not deleted.
    pub previous_dangling: bool,
}

/// A value that changes whenever the metadata may have changed; compare
/// two for equality, nothing more.
pub type Generation = (i64, u64);

/// A lease as the metadata records it. Whether it is live (its holder
/// still runs) is the store's to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseRecord {
    /// The lease's ID, unique across processes.
    pub id: String,
    /// What holds it, as it described itself (`a pull of redis:latest`).
    pub holder: String,
    /// The holder's process ID.
    pub pid: u32,
    /// When it was taken.
    pub created: OffsetDateTime,
    /// When it ends even if the holder still runs.
    pub expires: OffsetDateTime,
    /// The digests it holds (blobs, image IDs), sorted.
    pub digests: Vec<Digest>,
}

/// Image `record`'s state, as [`ImageRecords::remove`](super::ImageRecords::remove)
/// shows it to the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageState {
    /// The image.
    pub record: ImageRecord,
    /// Every tag and repo digest naming it, in no particular order.
    pub references: Vec<Named>,
    /// The names of its pins, sorted.
    pub pins: Vec<String>,
    /// The leases holding its ID, or a manifest or index of it, live or
    /// not, oldest first.
    pub leases: Vec<LeaseRecord>,
}

/// What to remove of an image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    /// References to remove (those that still name the image).
    pub untag: Vec<Named>,
    /// Delete the image record, and every reference and pin it still has.
    pub delete_image: bool,
}

/// One reference from an image record to a blob.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlobUse {
    /// The image.
    pub image: ImageId,
    /// What the blob is to it: `config`, `manifest`, `layer` or `index`.
    pub role: String,
    /// The blob.
    pub digest: Digest,
    /// The size the record gives it.
    pub size: u64,
}

/// Image counts and sizes, for the store's usage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageTotals {
    /// Images recorded.
    pub images: u64,
    /// Their sizes added up, as if nothing were shared.
    pub total_bytes: u64,
    /// The distinct layer and config blobs of their first manifests, each
    /// counted once.
    pub unique_bytes: u64,
}

/// An image manifest `/v2` served, waiting for its blobs before it is
/// recorded as an image (see `serve/registry_v2/cached.rs`). Kept in the
/// metadata so that a restart, or another replica, goes on waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingImage {
    /// The repository it was served for.
    pub repository: RepoName,
    /// The image manifest.
    pub manifest: BlobRef,
    /// The tag it was served by (or its index was), if any.
    pub tag: Option<Tag>,
    /// The index it was chosen from, if any.
    pub index: Option<BlobRef>,
    /// When it was (last) served.
    pub since: OffsetDateTime,
}

/// One pin on an image: who said it is in use, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRecord {
    /// The pinned image.
    pub image: ImageId,
    /// The pin's name (`--by`).
    pub by: String,
    /// When it was pinned.
    pub since: OffsetDateTime,
}
