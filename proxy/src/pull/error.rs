//! Why a pull failed, in words a user can act on.

use shared::digest::{Digest, VerifyError};

use crate::registry::RegistryError;
use crate::store::StoreError;

/// A failed pull. Nothing unverified was stored.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The reference does not parse.
    #[error("{0}")]
    InvalidReference(#[from] shared::reference::ReferenceError),
    /// The registry refused, failed or could not be reached.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The local store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The index has no manifest for the wanted platform.
    #[error("{0}")]
    NoPlatform(#[from] shared::platform::NoMatchingPlatform),
    /// A manifest or config did not parse, or does not fit its image.
    #[error("{what} {digest} is not valid: {reason}")]
    Invalid {
        /// `manifest`, `config`, …
        what: &'static str,
        /// The object's digest.
        digest: Digest,
        /// What was wrong.
        reason: String,
    },
    /// Bytes from the registry did not match the digest (or size) that names them.
    #[error(
        "{what} {digest} failed verification: {source}; nothing was stored (the registry or something between may be corrupting data; retry, or report it to the registry's operator)"
    )]
    Verify {
        /// `layer`, `config`, …
        what: &'static str,
        /// The digest the bytes should have had.
        digest: Digest,
        /// Expected vs actual.
        source: VerifyError,
    },
    /// A background task failed unexpectedly.
    #[error("internal error during the pull: {0}")]
    Task(String),
}
