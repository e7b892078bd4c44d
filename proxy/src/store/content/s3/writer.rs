//! [`S3Writer`]: the S3 store's [`ContentWriter`].
//!
//! Lifecycle (the local folder's, mapped onto object storage):
//! - Bytes go through a [`Verifier`] as they arrive and into one part
//!   buffer of [`PART_SIZE`]. A full buffer is uploaded as the next part
//!   of a multipart upload to a fresh `ingest/<algorithm>-<hex>.<tag>` key
//!   while the next fills; at most [`PARTS_IN_FLIGHT`] parts are on their
//!   way at once, so memory stays at a few parts whatever the size.
//! - [`ContentWriter::commit`] checks the size, then the digest. Only then:
//!   - a blob that never filled a part is put whole under
//!     `blobs/<algorithm>/<hex>` with `If-None-Match: *`;
//!   - a larger one's upload is completed (the ingest object appears),
//!     copied server-side to `blobs/<algorithm>/<hex>` with
//!     `If-None-Match: *`, and the ingest object is deleted;
//!   - a blob declared larger than one `CopyObject` may copy (5 GiB on
//!     AWS, [`super::bucket::COPY_MAX`]) is uploaded to
//!     `blobs/<algorithm>/<hex>` itself instead: a multipart upload is
//!     invisible until completed, and it is completed only now, so no
//!     reader sees unverified bytes there either. Completing has no
//!     `If-None-Match`; a second writer of the same digest rewrites the
//!     same verified bytes. A blob of unknown size larger than that limit
//!     cannot be published on AWS: the copy fails, and the write with it.
//!
//!   Either way a blob that is already there (the conditional request's
//!   `412`, or a size check) is success: commits are idempotent, and a
//!   key under `blobs/` only ever holds verified bytes. A server that
//!   refuses the condition itself gets check-then-write instead
//!   (`S3Writer::settle`).
//! - On a mismatch, a failed write or a drop, the multipart upload is
//!   aborted: nothing appears under `blobs/` or `ingest/`.

use std::fmt;

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{MultipartUpload, ObjectStore, PutMode, PutOptions, PutPayload};
use shared::digest::{Digest, Verifier};

use super::bucket::Bucket;
use crate::store::StoreError;
use crate::store::content::digest_lock::DigestLock;
use crate::store::content::hashing::{Hashing, Refusal};
use crate::store::content::{BlobWriter, ContentWriter};

/// How many parts may be on their way to the server at once, beside the
/// one being filled: the network and the server work while the next part
/// fills, and a writer holds at most this many parts plus one.
pub const PARTS_IN_FLIGHT: usize = 2;

/// The size of one uploaded part, and of the one buffer a writer fills:
/// 8 MiB (S3 wants at least 5 MiB for every part but the last, and at most
/// 10,000 parts: blobs up to 78 GiB).
pub const PART_SIZE: usize = 8 << 20;

/// Writes one blob into an [`S3Content`](super::S3Content) store.
pub struct S3Writer {
    digest: Digest,
    bucket: Bucket,
    /// Hashed here, or by the caller ([`S3Writer::detach_verifier`]).
    hashing: Hashing,
    written: u64,
    part: Vec<u8>,
    /// The multipart upload, from the first full part until completed.
    upload: Option<Box<dyn MultipartUpload>>,
    /// Parts sent and not yet stored, oldest first.
    in_flight: std::collections::VecDeque<tokio::task::JoinHandle<object_store::Result<()>>>,
    /// Where the parts go: an `ingest/` key, or the blob's own key for a
    /// blob too large to copy (`direct`).
    ingest: Key,
    direct: bool,
    parts: usize,
    peak_buffered: usize,
    failed: bool,
    lock: Option<DigestLock>,
}

impl fmt::Debug for S3Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Writer")
            .field("digest", &self.digest)
            .field("ingest", &self.bucket.url(&self.ingest))
            .field("written", &self.written)
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

impl S3Writer {
    pub(crate) fn new(
        bucket: Bucket,
        digest: Digest,
        expected_size: Option<u64>,
        lock: Option<DigestLock>,
    ) -> S3Writer {
        let direct = expected_size.is_some_and(|size| size > bucket.copy_limit);
        S3Writer {
            hashing: Hashing::new(digest.clone(), expected_size),
            ingest: match direct {
                true => bucket.blob_key(&digest),
                false => bucket.ingest_key(&digest),
            },
            direct,
            digest,
            bucket,
            written: 0,
            part: Vec::new(),
            upload: None,
            in_flight: std::collections::VecDeque::new(),
            parts: 0,
            peak_buffered: 0,
            failed: false,
            lock,
        }
    }

    /// Parts uploaded so far.
    pub fn parts_uploaded(&self) -> usize {
        self.parts
    }

    /// The largest its part buffer has been (its capacity, not what it
    /// held): never more than [`PART_SIZE`].
    pub fn peak_buffered(&self) -> usize {
        self.peak_buffered
    }

    /// Uploads the buffer as the next part, starting the multipart
    /// upload on the first.
    fn upload_part(&mut self) -> Result<(), StoreError> {
        let bucket = self.bucket.clone();
        let upload = match &mut self.upload {
            Some(upload) => upload,
            None => {
                let started = bucket
                    .bridge
                    .block_on(bucket.client.put_multipart(&self.ingest))
                    .map_err(bucket.error("starting an upload to", &self.ingest))?;
                self.upload.insert(started)
            }
        };
        // The buffer goes with the request, and the next one fills while
        // up to `PARTS_IN_FLIGHT` are on their way; beyond that, this
        // waits for the oldest to be stored.
        let payload = PutPayload::from(Bytes::from(std::mem::take(&mut self.part)));
        let sending = bucket.bridge.start(upload.put_part(payload));
        self.in_flight.push_back(sending);
        self.parts += 1;
        while self.in_flight.len() > PARTS_IN_FLIGHT {
            self.wait_oldest()?;
        }
        Ok(())
    }

    /// Waits until the oldest part in flight is stored.
    fn wait_oldest(&mut self) -> Result<(), StoreError> {
        let Some(sending) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let bucket = &self.bucket;
        match bucket.bridge.block_on(sending) {
            Ok(stored) => stored.map_err(bucket.error("uploading a part to", &self.ingest)),
            Err(e) => Err(StoreError::BlobStore {
                action: "uploading a part to",
                key: bucket.url(&self.ingest),
                source: Box::new(e),
            }),
        }
    }

    /// Discards everything after an error; the writer is spent.
    fn fail(&mut self) {
        self.failed = true;
        self.part = Vec::new();
        self.abort();
    }

    /// Aborts the multipart upload in the background, if one was started.
    fn abort(&mut self) {
        let in_flight = std::mem::take(&mut self.in_flight);
        if let Some(mut upload) = self.upload.take() {
            self.bucket.bridge.spawn(async move {
                // Parts still on their way first: one stored after the
                // abort would linger.
                for sending in in_flight {
                    let _ = sending.await;
                }
                if let Err(e) = upload.abort().await {
                    tracing::warn!(error = %e, "could not abort an unfinished upload");
                }
            });
        }
    }

    /// The error for what [`Hashing`] refused; a size mismatch spends
    /// the writer.
    fn refused(&mut self, refusal: Refusal) -> StoreError {
        if refusal.spends_the_writer() {
            self.fail();
        }
        refusal.error_or(self.spent())
    }

    fn spent(&self) -> StoreError {
        StoreError::BlobStore {
            action: "writing",
            key: self.bucket.url(&self.ingest),
            source: "an earlier write to this blob failed and its content was discarded; start a new writer".into(),
        }
    }

    /// Makes the verified content visible under `blobs/`.
    fn publish(&mut self, size: u64) -> Result<u64, StoreError> {
        if self.upload.is_some() && !self.part.is_empty() {
            self.upload_part()?;
        }
        while !self.in_flight.is_empty() {
            self.wait_oldest()?;
        }
        let bucket = self.bucket.clone();
        let client = &bucket.client;
        let blob = bucket.blob_key(&self.digest);
        let Some(mut upload) = self.upload.take() else {
            // Never filled a part: one conditional put of the verified bytes.
            let payload = PutPayload::from(Bytes::from(std::mem::take(&mut self.part)));
            let create = PutOptions {
                mode: PutMode::Create,
                ..PutOptions::default()
            };
            let put = bucket
                .bridge
                .block_on(client.put_opts(&blob, payload.clone(), create));
            return self.settle(size, put.map(drop), || {
                bucket.bridge.block_on(client.put(&blob, payload)).map(drop)
            });
        };
        if let Err(e) = bucket.bridge.block_on(upload.complete()) {
            self.upload = Some(upload);
            return Err(bucket.error("completing the upload to", &self.ingest)(e));
        }
        if self.direct {
            // Completed under its own key, verified: published.
            return Ok(size);
        }
        let copied = bucket
            .bridge
            .block_on(client.copy_if_not_exists(&self.ingest, &blob));
        let published = self.settle(size, copied, || {
            bucket.bridge.block_on(client.copy(&self.ingest, &blob))
        });
        if let Err(e) = bucket.bridge.block_on(client.delete(&self.ingest)) {
            tracing::warn!(key = %bucket.url(&self.ingest), error = %e, "could not remove a finished upload");
        }
        published
    }

    /// The outcome of the conditional request that publishes a verified
    /// blob. `412` (another writer committed first) is success. Any other
    /// failure, such as a server that refuses `If-None-Match` itself, gets
    /// check-then-write: success if the blob is there by now, else one
    /// `unconditional` try (which, at worst, rewrites the same verified
    /// bytes).
    fn settle(
        &self,
        size: u64,
        conditional: object_store::Result<()>,
        unconditional: impl FnOnce() -> object_store::Result<()>,
    ) -> Result<u64, StoreError> {
        let blob = self.bucket.blob_key(&self.digest);
        match conditional {
            Ok(()) => return Ok(size),
            Err(object_store::Error::AlreadyExists { .. }) => return self.already_there(size),
            Err(e) => {
                tracing::debug!(key = %self.bucket.url(&blob), error = %e, "a conditional publish failed: checking, then writing without the condition");
            }
        }
        match self.bucket.bridge.block_on(self.bucket.client.head(&blob)) {
            Ok(_) => self.already_there(size),
            Err(_) => unconditional()
                .map(|()| size)
                .map_err(self.bucket.error("publishing", &blob)),
        }
    }

    /// Another writer committed the same digest first: success when the
    /// stored blob has the size just verified.
    fn already_there(&self, size: u64) -> Result<u64, StoreError> {
        let blob = self.bucket.blob_key(&self.digest);
        let meta = self
            .bucket
            .bridge
            .block_on(self.bucket.client.head(&blob))
            .map_err(self.bucket.error("reading", &blob))?;
        if meta.size != size {
            return Err(StoreError::Corrupt {
                path: self.bucket.url(&blob).into(),
                problem: format!("holds {} bytes where {size} verified", meta.size),
            });
        }
        Ok(size)
    }
}

impl ContentWriter for S3Writer {
    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn write(&mut self, mut bytes: &[u8]) -> Result<(), StoreError> {
        if self.failed {
            return Err(self.spent());
        }
        if let Err(refusal) = self.hashing.update(&self.digest, bytes) {
            return Err(self.refused(refusal));
        }
        self.written += bytes.len() as u64;
        while !bytes.is_empty() {
            let take = bytes.len().min(PART_SIZE - self.part.len());
            let needed = self.part.len() + take;
            if needed > self.part.capacity() {
                // Grows by doubling, never past one part: a small blob
                // costs its own size, a large one one part.
                let target = (self.part.capacity() * 2).clamp(needed, PART_SIZE);
                self.part.reserve_exact(target - self.part.len());
            }
            self.part.extend_from_slice(&bytes[..take]);
            self.peak_buffered = self.peak_buffered.max(self.part.capacity());
            bytes = &bytes[take..];
            if self.part.len() == PART_SIZE
                && let Err(e) = self.upload_part()
            {
                self.fail();
                return Err(e);
            }
        }
        if let Some(lock) = &mut self.lock {
            lock.report(self.written);
        }
        Ok(())
    }

    fn bytes_written(&self) -> u64 {
        self.written
    }

    fn commit(mut self) -> Result<u64, StoreError> {
        match self.hashing.take().filter(|_| !self.failed) {
            Some(verifier) => self.finish(&verifier),
            None => Err(self.spent()),
        }
    }
}

impl S3Writer {
    /// As [`BlobWriter::detach_verifier`]: the caller hashes the bytes
    /// (on another thread) and hands the verifier back to
    /// [`S3Writer::commit_detached`]. `None` once anything was written.
    pub fn detach_verifier(&mut self) -> Option<Verifier> {
        self.hashing.detach(self.written == 0 && !self.failed)
    }

    /// As [`BlobWriter::commit_detached`]: `verifier` must have seen
    /// exactly the bytes written (size, then digest) before anything is
    /// published.
    pub fn commit_detached(mut self, verifier: Verifier) -> Result<u64, StoreError> {
        if self.failed {
            return Err(self.spent());
        }
        match self.hashing.returned(&self.digest, self.written, &verifier) {
            Ok(()) => self.finish(&verifier),
            Err(refusal) => Err(self.refused(refusal)),
        }
    }

    /// As [`BlobWriter::check`]: the verdict on what was written so far,
    /// without committing.
    pub fn check(&self) -> Result<u64, StoreError> {
        match (self.hashing.current(), self.failed) {
            (Some(verifier), false) => BlobWriter::verdict_of(verifier),
            _ => Err(self.spent()),
        }
    }

    /// Publishes the content once `verifier`'s verdict is good; discards
    /// it otherwise.
    fn finish(&mut self, verifier: &Verifier) -> Result<u64, StoreError> {
        let result = BlobWriter::verdict_of(verifier).and_then(|size| self.publish(size));
        if result.is_err() {
            self.fail();
        }
        result
    }
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        self.abort();
    }
}
