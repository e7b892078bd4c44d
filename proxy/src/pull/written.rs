//! The blobs one pull wrote into the store, so that a pull that fails
//! removes exactly those (the ones nothing else references or holds), and
//! nothing that was in the store before it.

use std::sync::{Arc, Mutex, PoisonError};

use shared::digest::Digest;

/// Blobs a pull committed, in the order it committed them. Cloned into
/// each layer's download task.
#[derive(Clone, Debug, Default)]
pub(super) struct Written(Arc<Mutex<Vec<Digest>>>);

impl Written {
    /// Notes that the pull committed `digest` (it was not in the store).
    pub(super) fn add(&self, digest: Digest) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(digest);
    }

    /// Everything noted so far.
    pub(super) fn take(&self) -> Vec<Digest> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
