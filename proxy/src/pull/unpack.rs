//! The diff_id check at pull: each layer is decompressed on a thread of
//! its own while it downloads, so the pull stays one stream. The download
//! hands the thread each chunk it writes into the store (a bounded queue:
//! a slow decompressor slows the download, never fills memory); at the end
//! the thread says what the layer unpacked to, and the download commits
//! the blob only if that is the diff_id the config names (as `docker pull`
//! checks when it unpacks).

use bytes::Bytes;
use shared::digest::Digest;
use shared::layer::{LayerDecoder, Unpacked};
use shared::media_type::MediaType;
use tokio::sync::mpsc;

use super::PullError;
use crate::store::StoreError;

/// Chunks queued for the decompressor at most (each as the HTTP client
/// read it, usually 8 to 64 KiB): enough to ride out a slow moment, little
/// enough that three downloads stay within the pull's memory goal.
const QUEUE: usize = 4;

/// One layer being decompressed beside its download.
pub struct Unpacking {
    layer: Digest,
    chunks: Option<mpsc::Sender<Bytes>>,
    done: tokio::task::JoinHandle<Result<Unpacked, String>>,
}

impl Unpacking {
    /// Starts decompressing `layer`, of `media_type`.
    pub fn start(layer: &Digest, media_type: &MediaType) -> Unpacking {
        let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE);
        let compression = media_type.compression();
        let done = tokio::task::spawn_blocking(move || {
            let mut decoder = LayerDecoder::new(compression);
            while let Some(chunk) = rx.blocking_recv() {
                decoder.update(&chunk).map_err(|e| e.to_string())?;
            }
            decoder.finish_unpacked().map_err(|e| e.to_string())
        });
        Unpacking {
            layer: layer.clone(),
            chunks: Some(tx),
            done,
        }
    }

    /// Hands on the next chunk (waiting while the queue is full). A
    /// decompressor that stopped on bad input is reported by
    /// [`Unpacking::finish`]; until then the chunks are dropped.
    pub async fn feed(&mut self, chunk: Bytes) {
        if let Some(tx) = &self.chunks
            && tx.send(chunk).await.is_err()
        {
            self.chunks = None;
        }
    }

    /// Ends the stream: what the layer unpacked to, checked against the
    /// config's `diff_id`.
    pub async fn finish(mut self, diff_id: &Digest) -> Result<Unpacked, PullError> {
        self.chunks = None;
        let unpacked = self
            .done
            .await
            .map_err(|e| PullError::Task(e.to_string()))?
            .map_err(|problem| StoreError::Unpack {
                layer: self.layer.clone(),
                problem,
            })?;
        unpacked
            .check(&self.layer, diff_id)
            .map_err(StoreError::from)?;
        Ok(unpacked)
    }
}
