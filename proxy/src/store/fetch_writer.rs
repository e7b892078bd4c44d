//! [`Store::fetch_writer`]: the writer for a blob fetched from upstream,
//! waited for on the async runtime, never on a blocking thread.
//!
//! The digest's locked writer is tried at once and then at growing
//! intervals, so a fetch of a blob that another fetch (in this process or
//! another, on this machine or a replica sharing the metadata) is writing
//! usually finds it stored. The patience starts again whenever the
//! holder's progress (its ingest file, or what it reports to the shared
//! locks) has grown by [`MIN_PROGRESS`], so a
//! healthy download is waited for however long it takes. Once the holder
//! has made less progress than that within the patience, the fetch takes a
//! writer beside it ([`Ingester::writer_beside`]) and fetches on its own:
//! a holder that trickles (a hostile or broken upstream) then delays
//! others by the patience, not for as long as it likes. The first
//! verified commit wins.

use std::time::{Duration, Instant};

use shared::digest::Digest;

use super::content::{Ingest, Ingester, StoreWriter};
use super::{Store, StoreError};

/// How long a fetch waits for another writer of the same digest before
/// fetching beside it.
pub const WRITER_PATIENCE: Duration = Duration::from_secs(10);

/// The progress (bytes written) that starts a holder's patience again.
pub const MIN_PROGRESS: u64 = 256 << 10;

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
    ) -> Result<Ingest<StoreWriter>, StoreError> {
        let mut started = Instant::now();
        let mut progress_from = None;
        let mut pause = Duration::from_millis(10);
        loop {
            // The holder's progress is read on the thread too: with shared
            // locks it is a database query.
            let (tried, written) = self
                .on_thread(digest, move |store, digest| {
                    let tried = store.content().try_writer(digest, expected_size)?;
                    let written = match tried {
                        Some(_) => 0,
                        None => store.content().ingest_size(digest).unwrap_or(0),
                    };
                    Ok((tried, written))
                })
                .await?;
            if let Some(ingest) = tried {
                return Ok(ingest);
            }
            let progress_from = progress_from.get_or_insert(written);
            if written < *progress_from || written - *progress_from >= MIN_PROGRESS {
                // Another holder, or this one moving on: wait afresh.
                (started, *progress_from) = (Instant::now(), written);
            }
            let waited = started.elapsed();
            if waited >= patience {
                tracing::info!(%digest, "another writer of this blob made no progress for {} s: fetching it beside that one", waited.as_secs());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ContentWriter as _;

    fn writer(store: &Store, digest: &Digest) -> StoreWriter {
        match store.writer(digest, None).expect("writer") {
            Ingest::Writer(w) => w,
            Ingest::Exists(_) => panic!("not stored yet"),
        }
    }

    /// A holder that keeps writing is waited for until it commits; one
    /// that stalls is passed after the patience.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_moving_holder_is_waited_for_and_a_stalled_one_passed() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("store");
        let bytes = vec![5u8; 8 << 20];
        let digest = Digest::sha256_of(&bytes);
        let patience = Duration::from_millis(300);

        let mut moving = writer(&store, &digest);
        let (to_write, digest_copy) = (bytes.clone(), digest.clone());
        let holder = std::thread::spawn(move || {
            // 8 MiB in 64 chunks, 20 ms apart: about 1.3 s, > the patience.
            // (Chunks larger than the writer's buffer reach the file at once.)
            for chunk in to_write.chunks(128 << 10) {
                moving.write(chunk).expect("write");
                std::thread::sleep(Duration::from_millis(20));
            }
            assert_eq!(moving.digest(), &digest_copy);
            moving.commit().expect("commit")
        });
        let waited = store.fetch_writer(&digest, None, patience).await;
        assert!(
            matches!(waited, Ok(Ingest::Exists(n)) if n == bytes.len() as u64),
            "{waited:?}"
        );
        holder.join().expect("holder");

        let other = Digest::sha256_of(b"stalled");
        let mut stalled = writer(&store, &other);
        stalled.write(b"st").expect("write");
        let started = Instant::now();
        let beside = store.fetch_writer(&other, None, patience).await;
        assert!(matches!(beside, Ok(Ingest::Writer(_))), "{beside:?}");
        assert!(started.elapsed() >= patience);
        drop(stalled);
    }
}
