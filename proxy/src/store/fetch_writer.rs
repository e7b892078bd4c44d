//! [`Store::fetch_writer`]: the writer for a blob fetched from upstream,
//! waited for on the async runtime, never on a blocking thread.
//!
//! The digest's locked writer is tried at once and then at growing
//! intervals, so a fetch of a blob that another fetch (in this process or
//! another) is writing usually finds it stored. After the patience runs
//! out, it takes a writer beside the holder ([`Ingester::writer_beside`])
//! and fetches on its own: a holder that trickles (a hostile or broken
//! upstream) then delays others by the patience, not for as long as it
//! likes. The first verified commit wins.

use std::time::{Duration, Instant};

use shared::digest::Digest;

use super::content::{BlobWriter, Ingest, Ingester};
use super::{Store, StoreError};

/// How long a fetch waits for another writer of the same digest before
/// fetching beside it.
pub const WRITER_PATIENCE: Duration = Duration::from_secs(10);

/// The longest pause between two tries of the digest's lock.
const MAX_PAUSE: Duration = Duration::from_millis(500);

impl Store {
    /// The writer for `digest`, or [`Ingest::Exists`] once it is stored.
    /// Waits up to `patience` for the digest's other writer without
    /// holding a thread, then writes beside it.
    pub async fn fetch_writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
        patience: Duration,
    ) -> Result<Ingest<BlobWriter>, StoreError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            let tried = self
                .on_thread(digest, move |store, digest| {
                    store.content().try_writer(digest, expected_size)
                })
                .await?;
            if let Some(ingest) = tried {
                return Ok(ingest);
            }
            let waited = started.elapsed();
            if waited >= patience {
                tracing::info!(%digest, "another writer has held this blob for {} s: fetching it beside that one", waited.as_secs());
                return self
                    .on_thread(digest, move |store, digest| {
                        store.content().writer_beside(digest, expected_size)
                    })
                    .await;
            }
            tokio::time::sleep(pause.min(patience - waited)).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// Runs a short store call on the blocking pool.
    async fn on_thread<T: Send + 'static>(
        &self,
        digest: &Digest,
        call: impl FnOnce(&Store, &Digest) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (store, digest) = (self.clone(), digest.clone());
        tokio::task::spawn_blocking(move || call(&store, &digest))
            .await
            .map_err(|e| StoreError::Io {
                action: "starting a blob write",
                path: std::path::PathBuf::new(),
                source: std::io::Error::other(e.to_string()),
            })?
    }
}
