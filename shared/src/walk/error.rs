//! Why a walk stopped, naming the document and what to do.

use std::fmt;

use crate::digest::{Digest, VerifyError};
use crate::image::ImageError;
use crate::media_type::MediaType;

use super::platform_choice::NoEntry;

/// Which document of the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The index (or manifest list) the reference names.
    Index,
    /// An image manifest: the reference's own, or the chosen index entry.
    Manifest,
    /// The image config.
    Config,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Index => "index",
            Part::Manifest => "manifest",
            Part::Config => "config",
        })
    }
}

/// A walk that cannot go on. Nothing it was fed after the failing document
/// counts as verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    /// The bytes do not match the digest or size that names them.
    #[error(
        "{part} {digest} failed verification: {source} (the registry, or something between, altered it; retry, or report it to the registry's operator)"
    )]
    Verify {
        /// What was fed.
        part: Part,
        /// The digest the bytes should have had.
        digest: Digest,
        /// Expected against actual.
        source: VerifyError,
    },
    /// A document is over its limit ([`super::MAX_MANIFEST`],
    /// [`super::MAX_CONFIG`]); it is not read.
    #[error(
        "{part} {} is {size} bytes, over the {limit}-byte limit for a {part}; it is not read (no real image has one this large)",
        digest.as_ref().map_or_else(|| "named by the reference".to_owned(), Digest::to_string)
    )]
    TooLarge {
        /// What.
        part: Part,
        /// Its digest, when known.
        digest: Option<Digest>,
        /// The size declared or received.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A descriptor names a media type the walk cannot follow there.
    #[error(
        "{part} {digest} has media type {media_type}, but {expected} was expected there ({hint})"
    )]
    MediaType {
        /// What the descriptor points at.
        part: Part,
        /// Its digest.
        digest: Digest,
        /// The media type found.
        media_type: MediaType,
        /// What was expected.
        expected: &'static str,
        /// What it probably is, and what to do.
        hint: &'static str,
    },
    /// Verified bytes that do not parse as the document they should be.
    #[error("{part} {digest} is not valid: {reason}")]
    Unreadable {
        /// What.
        part: Part,
        /// Its (verified) digest.
        digest: Digest,
        /// The parser's message.
        reason: String,
    },
    /// No index entry can be taken for the platform choice.
    #[error("{0}")]
    NoPlatform(#[from] NoEntry),
    /// The manifest's layers and the config's `rootfs.diff_ids` differ in
    /// number.
    #[error("manifest {digest} is not valid: {source}")]
    Layers {
        /// The manifest's digest.
        digest: Digest,
        /// The counts.
        source: ImageError,
    },
    /// Bytes were fed when the walk needed none (a driver's bug).
    #[error("the image walk was fed a document it did not ask for (it is {state})")]
    NotNeeded {
        /// Where the walk was.
        state: &'static str,
    },
}

impl WalkError {
    /// The document the error is about, when it is about one.
    pub fn part(&self) -> Option<Part> {
        match self {
            WalkError::Verify { part, .. }
            | WalkError::TooLarge { part, .. }
            | WalkError::MediaType { part, .. }
            | WalkError::Unreadable { part, .. } => Some(*part),
            WalkError::NoPlatform(_) => Some(Part::Index),
            WalkError::Layers { .. } => Some(Part::Manifest),
            WalkError::NotNeeded { .. } => None,
        }
    }
}
