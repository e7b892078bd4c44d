//! Image manifests `/v2` served that wait for their blobs
//! ([`WaitingImages`](super::metadata::WaitingImages)): kept in the
//! metadata, so a restarted `strata serve` goes on waiting where the last
//! one stopped.

use shared::digest::Digest;
use shared::reference::Reference;

use super::metadata::{RepoName, WaitingImage};
use super::{Store, StoreError};

impl Store {
    /// Notes that `image` waits for its blobs (replacing the same
    /// repository and manifest); at most `limit` wait, the oldest are
    /// forgotten first.
    pub fn wait_for_blobs(&self, image: &WaitingImage, limit: usize) -> Result<(), StoreError> {
        self.metadata().wait(image, limit)
    }

    /// Every waiting image, oldest first.
    pub fn waiting_images(&self) -> Result<Vec<WaitingImage>, StoreError> {
        self.metadata().waiting()
    }

    /// Forgets the waiting manifest `manifest` of `repository`.
    pub fn done_waiting(
        &self,
        repository: &Reference,
        manifest: &Digest,
    ) -> Result<bool, StoreError> {
        self.metadata()
            .done_waiting(&RepoName::of(repository), manifest)
    }
}
