//! [`StoreError`]: everything the store can refuse or fail at, in
//! categories a caller can act on, with messages a user can act on.

use std::io;
use std::path::PathBuf;

use shared::digest::Digest;
use shared::reference::ReferenceError;

use super::record::ImageId;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No image has that name, tag, digest or ID.
    #[error("No such image: {reference}")]
    NoSuchImage {
        /// The argument as the user gave it.
        reference: String,
    },
    /// An ID prefix that several images share.
    #[error(
        "ambiguous image ID prefix {prefix:?}: it matches {} (give more characters)",
        short_ids(candidates)
    )]
    AmbiguousId {
        /// The prefix as the user gave it.
        prefix: String,
        /// Some of the images it matches (at most 10).
        candidates: Vec<ImageId>,
    },
    /// A blob that is not in the store.
    #[error("blob {digest} is not in the store")]
    BlobNotFound {
        /// The missing blob.
        digest: Digest,
    },
    /// A stored blob that has no random-access index and cannot get one
    /// (zstd, or not a layer).
    #[error("layer {layer} cannot be indexed: {reason}")]
    NotIndexable {
        /// The blob's digest.
        layer: Digest,
        /// Why, for the user.
        reason: String,
    },
    /// A blob too large to read into memory whole.
    #[error("blob {digest} is {size} bytes, more than the {max} bytes strata reads into memory")]
    BlobTooLarge {
        /// The blob.
        digest: Digest,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// An image record names blobs that were never written.
    #[error(
        "cannot record image {image}: its {role} {digest} is not in the store (write every blob before recording the image)"
    )]
    MissingBlob {
        /// The image being recorded.
        image: ImageId,
        /// What the blob is to the image: `config`, `manifest`, `layer`, `index`.
        role: &'static str,
        /// The missing blob.
        digest: Digest,
    },
    /// `unpin` of a pin that does not exist.
    #[error("image {image} is not pinned{}", by.as_ref().map(|b| format!(" by '{b}'")).unwrap_or_default())]
    NoSuchPin {
        /// The image argument as the user gave it.
        image: String,
        /// The pin name asked for, if any.
        by: Option<String>,
    },
    /// A name that does not parse as an image reference.
    #[error("invalid reference format: {source}")]
    InvalidReference {
        /// The parser's reason.
        #[from]
        source: ReferenceError,
    },
    /// A tag target that carries a digest (`docker tag` refuses these too).
    #[error(
        "refusing to create a tag with a digest reference: {target} (give name[:tag] as the target)"
    )]
    TagWithDigest {
        /// The target as given.
        target: String,
    },
    /// A pin or lease name that is empty, too long or holds control
    /// characters.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        /// `pin name` or `lease holder`.
        what: &'static str,
        /// The rejected value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operation conflicts with a reference, a pin or an operation in
    /// flight; the [`Conflict`] says which and whether `-f` helps.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Content does not hash to the digest that names it; nothing was
    /// stored.
    #[error(
        "digest mismatch: expected {expected}, got {actual}; nothing was stored (the source sent altered or corrupted content)"
    )]
    DigestMismatch {
        /// The digest the content should have.
        expected: Digest,
        /// The digest of the bytes received.
        actual: Digest,
    },
    /// A layer's tar is not the one its image config names
    /// (`rootfs.diff_ids`); the image is not kept.
    #[error("{0}; nothing was kept")]
    DiffId(#[from] shared::layer::DiffIdMismatch),
    /// A layer's bytes match their digest but do not decompress.
    #[error(
        "layer {layer} does not unpack: {problem}; the image is broken at its source, nothing was kept (ask its publisher to push it again)"
    )]
    Unpack {
        /// The layer blob's digest.
        layer: Digest,
        /// What the decompression said.
        problem: String,
    },
    /// Content of another length than its descriptor says; nothing was
    /// stored.
    #[error(
        "size mismatch for {digest}: expected {expected} bytes, got {actual}; nothing was stored"
    )]
    SizeMismatch {
        /// The content's digest.
        digest: Digest,
        /// The size the descriptor declares.
        expected: u64,
        /// The size received (or, for a blob already stored, its size).
        actual: u64,
    },
    /// Writing would leave less free space on the store's filesystem than
    /// the reserve; nothing was stored.
    #[error(
        "the store's filesystem ({path}) has {available} bytes free, and strata keeps {reserve} free: it refuses to write {needed} more bytes. Free space (`strata gc`, `strata rm IMAGE`) or lower the reserve with --min-free-space (STRATA_MIN_FREE_SPACE)",
        path = path.display()
    )]
    LowSpace {
        /// The store folder.
        path: std::path::PathBuf,
        /// Bytes free on its filesystem (for unprivileged users).
        available: u64,
        /// Bytes the write would add (at least).
        needed: u64,
        /// Bytes strata keeps free.
        reserve: u64,
    },
    /// The store holds something it cannot read back.
    #[error("the store is damaged: {path}: {problem} (run `strata fsck`)", path = path.display())]
    Corrupt {
        /// The file or table at fault.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}", path = path.display())]
    Io {
        /// What was being done: `creating`, `writing`, `renaming into place`…
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Another process kept the database locked past the busy timeout.
    #[error(
        "the store database stayed locked for {seconds} s: another strata process is writing to it (try again)"
    )]
    DatabaseBusy {
        /// How long this process waited.
        seconds: u64,
    },
    /// The metadata database was created or upgraded by a newer strata,
    /// whose tables this one would misread; nothing was changed.
    #[error(
        "the metadata database {database} has schema version {found}, newer than this strata understands ({known}): a newer strata created or upgraded it; upgrade strata to use it"
    )]
    NewerSchema {
        /// The database (without its password).
        database: String,
        /// Its schema version.
        found: i64,
        /// The newest version this strata knows.
        known: i64,
    },
    /// Any other failure of the metadata backend.
    #[error("store database error: {source}")]
    Database {
        /// The backend's error (SQLite's or PostgreSQL's).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The object store holding the blobs (`--blob-store s3://…`) refused
    /// or failed a request.
    #[error(
        "blob store: {action} {key}: {source} (check --blob-store, --s3-endpoint and the AWS_* credentials)"
    )]
    BlobStore {
        /// What was being done: `uploading`, `reading`, `copying`…
        action: &'static str,
        /// The object key (`s3://bucket/key`).
        key: String,
        /// The client's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A conflict, in Docker's wording where Docker has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Removing the last reference to a pinned image, without force.
    #[error(
        "conflict: unable to remove repository reference \"{reference}\" (must force) - image {} is pinned by {}",
        image.short(),
        quoted(pins)
    )]
    PinnedReference {
        /// The reference as the user gave it.
        reference: String,
        /// The image.
        image: ImageId,
        /// The pins' names.
        pins: Vec<String>,
    },
    /// Removing a pinned image by ID, without force.
    #[error(
        "conflict: unable to delete {} (must be forced) - image is pinned by {}",
        image.short(),
        quoted(pins)
    )]
    PinnedImage {
        /// The image.
        image: ImageId,
        /// The pins' names.
        pins: Vec<String>,
    },
    /// Removing by ID an image that several repositories reference, without
    /// force.
    #[error(
        "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
        image.short()
    )]
    MultipleRepositories {
        /// The image.
        image: ImageId,
    },
    /// The image is held by an operation in flight; force does not help.
    #[error(
        "conflict: unable to remove \"{reference}\" (cannot be forced) - image {} is in use by {holder} (pid {pid}); wait for it to finish",
        image.short()
    )]
    InUse {
        /// The argument as the user gave it.
        reference: String,
        /// The image.
        image: ImageId,
        /// What holds it, as its lease describes itself.
        holder: String,
        /// The holder's process.
        pid: u32,
    },
}

impl StoreError {
    /// Whether the error means "no such thing" (a 404 over HTTP).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StoreError::NoSuchImage { .. }
                | StoreError::BlobNotFound { .. }
                | StoreError::NotIndexable { .. }
                | StoreError::NoSuchPin { .. }
        )
    }

    /// Whether the error is a conflict (a 409 over HTTP).
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    }
}

fn short_ids(ids: &[ImageId]) -> String {
    ids.iter()
        .map(|id| id.short())
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> ImageId {
        ImageId::new(Digest::sha256_of(&[byte]))
    }

    #[test]
    fn messages() {
        let image = id(1);
        let short = image.short().to_owned();
        let cases: Vec<(StoreError, String)> = vec![
            (
                StoreError::NoSuchImage {
                    reference: "nope".into(),
                },
                "No such image: nope".into(),
            ),
            (
                Conflict::PinnedReference {
                    reference: "deepone:latest".into(),
                    image: image.clone(),
                    pins: vec!["prod".into()],
                }
                .into(),
                format!(
                    "conflict: unable to remove repository reference \"deepone:latest\" (must force) - image {short} is pinned by 'prod'"
                ),
            ),
            (
                Conflict::PinnedImage {
                    image: image.clone(),
                    pins: vec!["a".into(), "b".into()],
                }
                .into(),
                format!(
                    "conflict: unable to delete {short} (must be forced) - image is pinned by 'a', 'b'"
                ),
            ),
            (
                Conflict::MultipleRepositories {
                    image: image.clone(),
                }
                .into(),
                format!(
                    "conflict: unable to delete {short} (must be forced) - image is referenced in multiple repositories"
                ),
            ),
            (
                Conflict::InUse {
                    reference: "redis".into(),
                    image: image.clone(),
                    holder: "a pull of redis:latest".into(),
                    pid: 42,
                }
                .into(),
                format!(
                    "conflict: unable to remove \"redis\" (cannot be forced) - image {short} is in use by a pull of redis:latest (pid 42); wait for it to finish"
                ),
            ),
            (
                StoreError::NoSuchPin {
                    image: "redis".into(),
                    by: Some("prod".into()),
                },
                "image redis is not pinned by 'prod'".into(),
            ),
            (
                StoreError::NoSuchPin {
                    image: "redis".into(),
                    by: None,
                },
                "image redis is not pinned".into(),
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
        let ambiguous = StoreError::AmbiguousId {
            prefix: "a".into(),
            candidates: vec![id(1), id(2)],
        };
        let text = ambiguous.to_string();
        assert!(
            text.contains(id(1).short()) && text.contains(id(2).short()),
            "{text}"
        );
    }
}
