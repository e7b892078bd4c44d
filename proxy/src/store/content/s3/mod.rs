//! [`S3Content`]: blobs in S3-compatible object storage
//! (`--blob-store s3://BUCKET[/PREFIX]`), behind the same traits and with
//! the same semantics as the local folder ([`LocalContent`]).
//!
//! - Layout and key names: `bucket.rs`. Configuration and its defaults
//!   (credentials only from `AWS_*`, never from instance metadata):
//!   `config.rs`.
//! - Writes: `writer.rs`. Multipart to an `ingest/` key while hashing,
//!   one [`PART_SIZE`] buffer at a time; published under `blobs/` only
//!   once size and digest verify, with `If-None-Match: *`, so commits are
//!   idempotent and no reader ever sees unverified bytes.
//! - Reads: [`Provider::info`] is a HEAD; [`Provider::open`] and
//!   [`Provider::open_range`] stream a (range) GET (`reader.rs`).
//! - One writer per digest: the same per-digest lock files as the local
//!   store, in a local folder (`<dir>/locks/`), so threads and processes
//!   on one machine never upload a blob twice. Across machines a second
//!   upload can happen and is harmless (the first verified commit wins);
//!   a shared lock (PostgreSQL, issue #17) would prevent it.
//! - Layer indexes beside the blobs, one `PUT` each: `indexes.rs`.
//! - Presigned GET URLs (`strata serve --redirect-blobs`), pointing at
//!   the configured endpoint only: `presign.rs`.
//! - Sync over async: `bridge.rs` (a private runtime; never call from an
//!   async task's thread).
//!
//! # Why `object_store`
//! Apache Arrow's `object_store` (the `aws` feature) signs SigV4,
//! retries, streams GET bodies, does multipart uploads and conditional
//! requests (`PutMode::Create` is `If-None-Match: *`), and reuses the
//! `reqwest` 0.12 and `rustls` that strata already builds: about 30 small
//! crates more. `aws-sdk-s3` pulls in the whole Smithy runtime (hundreds
//! of crates, minutes of build on a two-core machine) for features strata
//! does not use; `rust-s3` has no conditional writes and its own HTTP
//! stack.
//!
//! # Limits
//! - A server that ignores `If-None-Match` on the publishing copy makes
//!   two concurrent commits of one digest both copy the same verified
//!   bytes: still only verified content under `blobs/`, one object. One
//!   that refuses the header gets check-then-write, with the same outcome.
//!   SeaweedFS 4.48 honours it on PutObject and CopyObject (`412`).
//! - The publishing copy is one `CopyObject`, which AWS limits to 5 GiB:
//!   a blob declared larger is uploaded to its final key instead, and
//!   completed only once verified (`writer.rs`). One whose size nobody
//!   declared and that turns out larger cannot be published on AWS.
//! - An upload abandoned by a killed process stays as an incomplete
//!   multipart upload (invisible, never listed); a bucket lifecycle rule
//!   (`AbortIncompleteMultipartUpload`) removes it. A finished upload
//!   left in `ingest/` by a process killed between complete and copy is
//!   removed by [`S3Content::remove_stale_ingest`].
//!
//! [`LocalContent`]: super::LocalContent

mod bridge;
mod bucket;
mod config;
mod indexes;
mod presign;
mod reader;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::TryStreamExt;
use object_store::{GetOptions, GetRange, GetResult, ObjectStore};
use shared::digest::Digest;

pub use bucket::COPY_MAX;
pub use config::{BlobStoreUrl, InvalidBlobStore, MissingCredential, S3Config};
pub use writer::{PART_SIZE, PARTS_IN_FLIGHT, S3Writer};

use self::bucket::Bucket;
use self::reader::StreamReader;
use super::digest_lock::{shared_progress, under_lock, waited};
use super::{BlobInfo, BlobReader, Ingest, Ingester, Manager, Provider, existing};
use crate::store::layout::{ALGORITHMS, Layout};
use crate::store::lock::Wait;
use crate::store::{SharedLocks, StoreError};

/// A blob's bytes as they arrive from the bucket.
pub type ByteStream = futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

/// How old a finished upload left in `ingest/` must be before
/// [`S3Content::remove_stale_ingest`] removes it: no live writer keeps one
/// longer than its copy takes.
const STALE_INGEST: Duration = Duration::from_secs(3600);

/// A content store in an S3-compatible bucket, with its per-digest
/// writer locks in a local folder. Cheap to clone; clones share the
/// client and its runtime.
#[derive(Clone, Debug)]
pub struct S3Content {
    bucket: Bucket,
    /// The local folder holding `locks/`.
    dir: PathBuf,
    /// The writers' locks across machines, when the metadata is shared.
    shared: Option<Arc<dyn SharedLocks>>,
}

impl S3Content {
    /// Connects to the bucket `config` names, keeping writer locks in
    /// `dir/locks/`. Sends no request: a wrong endpoint or credential
    /// shows at the first read or write.
    pub fn open(dir: &Path, config: &S3Config) -> Result<S3Content, StoreError> {
        let locks = Layout::new(dir).locks_dir();
        std::fs::create_dir_all(&locks).map_err(StoreError::io("creating", &locks))?;
        Ok(S3Content {
            bucket: Bucket::connect(config)?,
            dir: dir.to_path_buf(),
            shared: None,
        })
    }

    /// The same store, its writers also taking their digest's lock in
    /// `shared`, and reporting their progress there (replicas with
    /// folders of their own).
    pub fn with_shared_locks(mut self, shared: Option<Arc<dyn SharedLocks>>) -> S3Content {
        self.shared = shared;
        self
    }

    /// How many bytes the digest's writer has uploaded so far, as it
    /// reported to the shared locks; `None` without them (an upload's
    /// progress is not visible in the bucket).
    pub fn ingest_size(&self, digest: &Digest) -> Option<u64> {
        self.shared
            .as_ref()
            .and_then(|shared| shared_progress(shared, digest))
    }

    /// The same store, uploading blobs declared larger than `bytes`
    /// straight to their final key instead of copying them there (default
    /// [`COPY_MAX`], AWS's limit for one copy; smaller in tests).
    pub fn with_copy_limit(mut self, bytes: u64) -> S3Content {
        self.bucket.copy_limit = bytes;
        self
    }

    /// `s3://bucket/key` of the blob (whether or not it is there).
    pub fn blob_url(&self, digest: &Digest) -> String {
        self.bucket.url(&self.bucket.blob_key(digest))
    }

    fn layout(&self) -> Layout {
        Layout::new(&self.dir)
    }

    /// Every object under `ingest/` (uploads completed and not yet
    /// published), with its age.
    pub fn ingest_objects(&self) -> Result<Vec<(String, Duration)>, StoreError> {
        let prefix = self.bucket.ingest_prefix();
        let objects: Vec<object_store::ObjectMeta> = self
            .bucket
            .bridge
            .block_on(self.bucket.client.list(Some(&prefix)).try_collect())
            .map_err(self.bucket.error("listing", &prefix))?;
        let now = SystemTime::now();
        Ok(objects
            .into_iter()
            .map(|meta| {
                let modified = SystemTime::from(meta.last_modified);
                let age = now.duration_since(modified).unwrap_or_default();
                (meta.location.to_string(), age)
            })
            .collect())
    }

    /// Removes finished uploads left in `ingest/` by a process that died
    /// before publishing them (older than an hour); returns their keys.
    pub fn remove_stale_ingest(&self) -> Result<Vec<String>, StoreError> {
        let mut removed = Vec::new();
        for (key, age) in self.ingest_objects()? {
            if age < STALE_INGEST {
                continue;
            }
            let key = object_store::path::Path::from(key);
            match self.bucket.bridge.block_on(self.bucket.client.delete(&key)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                    removed.push(self.bucket.url(&key));
                }
                Err(e) => return Err(self.bucket.error("removing", &key)(e)),
            }
        }
        Ok(removed)
    }

    fn writer_with(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
        wait: Wait,
    ) -> Result<Option<Ingest<S3Writer>>, StoreError> {
        let lock_path = self.layout().digest_lock(digest);
        let locks = (lock_path.as_path(), self.shared.as_ref());
        under_lock(self, locks, digest, expected_size, wait, |lock| {
            Ok(S3Writer::new(
                self.bucket.clone(),
                digest.clone(),
                expected_size,
                Some(lock),
            ))
        })
    }

    /// The whole blob as the GET's byte stream, to poll from any async
    /// runtime (the connection runs on this store's own), and its size;
    /// `None` if the bucket does not hold it. One request, no `HEAD`.
    /// Nothing here checks the bytes: the caller hashes them.
    pub fn stream(&self, digest: &Digest) -> Result<Option<(u64, ByteStream)>, StoreError> {
        Ok(self.get(&self.bucket.blob_key(digest))?.map(|body| {
            let size = body.meta.size;
            let stream = body.into_stream().map_err(std::io::Error::other);
            (size, Box::pin(stream) as ByteStream)
        }))
    }

    /// The object at `key` (one `GET`), or `None` if there is none.
    fn get(&self, key: &object_store::path::Path) -> Result<Option<GetResult>, StoreError> {
        let got = self
            .bucket
            .bridge
            .block_on(self.bucket.client.get_opts(key, GetOptions::default()));
        match got {
            Ok(body) => Ok(Some(body)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.bucket.error("reading", key)(e)),
        }
    }

    fn not_found(&self, digest: &Digest) -> impl FnOnce(object_store::Error) -> StoreError {
        let key = self.bucket.blob_key(digest);
        let error = self.bucket.error("reading", &key);
        let digest = digest.clone();
        move |e| match e {
            object_store::Error::NotFound { .. } => StoreError::BlobNotFound { digest },
            e => error(e),
        }
    }
}

impl Provider for S3Content {
    fn info(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        let key = self.bucket.blob_key(digest);
        match self.bucket.bridge.block_on(self.bucket.client.head(&key)) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.bucket.error("reading", &key)(e)),
        }
    }

    fn open(&self, digest: &Digest) -> Result<BlobReader, StoreError> {
        self.open_range(digest, 0, None)
    }

    fn open_range(
        &self,
        digest: &Digest,
        offset: u64,
        len: Option<u64>,
    ) -> Result<BlobReader, StoreError> {
        let key = self.bucket.blob_key(digest);
        let client = &self.bucket.client;
        let meta = self
            .bucket
            .bridge
            .block_on(client.head(&key))
            .map_err(self.not_found(digest))?;
        let offset = offset.min(meta.size);
        let len = len.map_or(meta.size - offset, |l| l.min(meta.size - offset));
        if len == 0 {
            return Ok(BlobReader {
                reader: Box::new(std::io::empty()),
                size: 0,
            });
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(offset..offset + len)),
            ..GetOptions::default()
        };
        let body = self
            .bucket
            .bridge
            .block_on(client.get_opts(&key, options))
            .map_err(self.not_found(digest))?;
        Ok(BlobReader {
            reader: Box::new(StreamReader::new(
                self.bucket.bridge.clone(),
                body.into_stream(),
                len,
            )),
            size: len,
        })
    }
}

impl Ingester for S3Content {
    type Writer = S3Writer;

    fn writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<S3Writer>, StoreError> {
        let got = self.writer_with(digest, expected_size, Wait::Block)?;
        waited(got, &self.layout().digest_lock(digest))
    }

    fn try_writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Option<Ingest<S3Writer>>, StoreError> {
        self.writer_with(digest, expected_size, Wait::NoWait)
    }

    fn writer_beside(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<S3Writer>, StoreError> {
        if let Some(size) = existing(self, digest, expected_size)? {
            return Ok(Ingest::Exists(size));
        }
        Ok(Ingest::Writer(S3Writer::new(
            self.bucket.clone(),
            digest.clone(),
            expected_size,
            None,
        )))
    }
}

impl Manager for S3Content {
    fn delete(&self, digest: &Digest) -> Result<bool, StoreError> {
        if self.info(digest)?.is_none() {
            return Ok(false);
        }
        let key = self.bucket.blob_key(digest);
        match self.bucket.bridge.block_on(self.bucket.client.delete(&key)) {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.bucket.error("deleting", &key)(e)),
        }
    }

    fn list(&self) -> Result<Vec<BlobInfo>, StoreError> {
        let mut blobs = Vec::new();
        for algorithm in ALGORITHMS {
            let prefix = self.bucket.blobs_prefix(algorithm);
            let objects: Vec<object_store::ObjectMeta> = self
                .bucket
                .bridge
                .block_on(self.bucket.client.list(Some(&prefix)).try_collect())
                .map_err(self.bucket.error("listing", &prefix))?;
            blobs.extend(objects.into_iter().filter_map(|meta| {
                let digest = Digest::new(algorithm, meta.location.filename()?).ok()?;
                Some(BlobInfo {
                    digest,
                    size: meta.size,
                })
            }));
        }
        blobs.sort();
        Ok(blobs)
    }
}
