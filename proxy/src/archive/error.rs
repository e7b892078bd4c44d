//! [`ArchiveError`]: why a save or a load failed, each with what to do.

use std::io;
use std::path::PathBuf;

use shared::archive::{MemberPath, PathError};
use shared::digest::Digest;
use shared::layer::DecodeError;

use crate::store::StoreError;

/// Why `strata save` or `strata load` failed. A load that fails stores
/// nothing: the blobs it wrote are deleted and no image is recorded.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The tar ends in the middle of a member (or is not a tar at all).
    #[error(
        "the archive is truncated or not a tar ({problem}): check that it was copied completely"
    )]
    Truncated {
        /// What the tar reader found.
        problem: String,
    },
    /// A member whose path would land outside the archive.
    #[error(
        "the archive holds the member {member:?}, whose path {problem}: refusing an archive that could write outside itself (was it made by docker, podman or strata save?)"
    )]
    UnsafeMember {
        /// The path as written.
        member: String,
        /// What is wrong with it.
        problem: PathError,
    },
    /// A symlink or hard link pointing outside the archive.
    #[error(
        "the archive's link {member} points at {target:?}, which {problem}: refusing an archive whose links lead outside it"
    )]
    UnsafeLink {
        /// The link's path.
        member: MemberPath,
        /// Where it points.
        target: String,
        /// What is wrong with that.
        problem: PathError,
    },
    /// A member the archive's own index names is not in it.
    #[error(
        "{named_by} names the member {member}, which the archive does not hold: the archive is incomplete (save it again)"
    )]
    MissingMember {
        /// The missing member.
        member: MemberPath,
        /// Which document named it (`manifest.json`, a manifest, …).
        named_by: String,
    },
    /// A JSON member past [`shared::archive::JSON_MAX`].
    #[error(
        "the archive's member {member} is {size} bytes, more than the {max} bytes allowed for a JSON document: this is not an image archive strata loads"
    )]
    TooLarge {
        /// The member.
        member: MemberPath,
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// A JSON member that does not parse as what it should be.
    #[error("the archive's {member} is not valid: {problem}")]
    BadJson {
        /// The member.
        member: MemberPath,
        /// What the parser said.
        problem: String,
    },
    /// Neither `manifest.json` nor an OCI `index.json` is in it.
    #[error(
        "this is not an image archive: it holds neither manifest.json (docker save) nor index.json (an OCI layout)"
    )]
    NotAnArchive,
    /// A blob whose bytes do not hash to the digest that names it.
    #[error(
        "the archive's member {member} should have digest {expected} but has {actual}: the archive is corrupt or was altered; nothing was loaded"
    )]
    DigestMismatch {
        /// The member.
        member: MemberPath,
        /// The digest its descriptor or name gives.
        expected: Digest,
        /// The digest of its bytes.
        actual: Digest,
    },
    /// A blob of another size than its descriptor says.
    #[error(
        "the archive's member {member} is {actual} bytes but its descriptor says {expected}: the archive is corrupt; nothing was loaded"
    )]
    SizeMismatch {
        /// The member.
        member: MemberPath,
        /// The descriptor's size.
        expected: u64,
        /// The member's size.
        actual: u64,
    },
    /// A layer whose uncompressed content is not what the config says.
    #[error(
        "layer {member} does not match the image config: its diff_id should be {diff_id} but the layer's content is {actual}; the archive is corrupt or was altered, nothing was loaded"
    )]
    DiffIdMismatch {
        /// The layer member.
        member: MemberPath,
        /// The config's `rootfs.diff_ids` entry.
        diff_id: Digest,
        /// The digest of the uncompressed layer.
        actual: Digest,
    },
    /// The config lists another number of layers than the manifest.
    #[error(
        "image {config} lists {diff_ids} layers in its config but {layers} in the archive: the archive is corrupt"
    )]
    LayerCount {
        /// The config's digest (the image ID).
        config: Digest,
        /// Layers in `manifest.json` or the manifest.
        layers: usize,
        /// Entries in `rootfs.diff_ids`.
        diff_ids: usize,
    },
    /// A layer that does not decompress.
    #[error("layer {member} does not decompress: {problem}")]
    Decode {
        /// The layer member.
        member: MemberPath,
        /// The decoder's verdict.
        problem: DecodeError,
    },
    /// Something strata does not load (told what and why).
    #[error("cannot load {what}")]
    Unsupported {
        /// What, and what to do instead.
        what: String,
    },
    /// `save` to a terminal.
    #[error(
        "refusing to write an image archive to a terminal: use -o FILE or redirect the output (strata save IMAGE > FILE)"
    )]
    Terminal,
    /// `save --format oci-dir` into a folder that is not empty.
    #[error("{} exists and is not empty: give a new or empty folder", path.display())]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ArchiveError {
    /// A closure for `map_err` on file calls.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> ArchiveError {
        let path = path.into();
        move |source| ArchiveError::Io {
            action,
            path,
            source,
        }
    }
}
