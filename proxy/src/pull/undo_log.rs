//! The undo log of one pull: the blobs it wrote into the store, so that a pull that fails
//! removes exactly those (the ones nothing else references or holds), and
//! nothing that was in the store before it.
//!
//! A layer's commit runs on the blocking pool and finishes even when the
//! pull's task is aborted (another layer failed). So each commit holds a
//! read guard of [`UndoLog`]'s lock until it is done, and the clean-up
//! first takes the write lock: it runs only after every commit landed.

use std::sync::{Arc, Mutex, PoisonError};

use shared::digest::Digest;
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

/// Blobs a pull committed (or is committing). Cloned into each layer's
/// download task.
#[derive(Clone, Debug, Default)]
pub(super) struct UndoLog {
    digests: Arc<Mutex<Vec<Digest>>>,
    commits: Arc<RwLock<()>>,
}

impl UndoLog {
    /// Notes that the pull writes `digest` (it was not in the store).
    pub(super) fn add(&self, digest: Digest) {
        self.digests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(digest);
    }

    /// A guard to hold until a commit is done (moved into its blocking task).
    pub(super) async fn committing(&self) -> OwnedRwLockReadGuard<()> {
        self.commits.clone().read_owned().await
    }

    /// Waits until no commit is running, then takes everything noted.
    pub(super) async fn settle(&self) -> Vec<Digest> {
        let _no_commits = self.commits.write().await;
        std::mem::take(&mut *self.digests.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
