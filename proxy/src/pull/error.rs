//! Why a pull failed, in words a user can act on.

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
    /// The image's documents do not check out (digest, size, media type,
    /// limits, platform, layers), or no index entry fits the platform.
    #[error("{0}")]
    Walk(#[from] shared::walk::WalkError),
    /// A layer download was slower or longer than its pace allows.
    #[error("{0}")]
    Stalled(#[from] crate::registry::pace::Stalled),
    /// A background task failed unexpectedly.
    #[error("internal error during the pull: {0}")]
    Task(String),
}
