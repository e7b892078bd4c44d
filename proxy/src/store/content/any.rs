//! [`Content`]: the content backend a [`Store`](crate::store::Store) holds,
//! the local folder or S3-compatible object storage
//! (`--blob-store s3://…`), chosen when the store opens; [`StoreWriter`]
//! is its writer. Both dispatch to the backend, so the rest of strata
//! reads and writes blobs the same way whichever holds them.
//!
//! What only a folder has answers here for both: [`Content::keep_free`]
//! (no reserve to keep in a bucket), [`Content::ingest_size`] (an upload's
//! progress is visible to other processes only as its writer reports it
//! to the shared locks: without them `None`, so a fetch waiting for it
//! writes beside it after its patience), [`Content::blob_path`]
//! (an `s3://` URL, for messages).

use std::path::PathBuf;
use std::sync::Arc;

use shared::digest::{Digest, Verifier};

use super::{
    BlobInfo, BlobReader, BlobWriter, ContentWriter, Ingest, Ingester, LayerIndexes, LocalContent,
    Manager, Provider, S3Content, S3Writer,
};
use crate::store::{SharedLocks, StoreError};

/// The blobs of a store.
#[derive(Clone, Debug)]
pub enum Content {
    /// `blobs/` in the store folder.
    Local(LocalContent),
    /// A bucket (`--blob-store s3://…`).
    S3(S3Content),
}

/// The writer of a [`Content`].
#[derive(Debug)]
pub enum StoreWriter {
    /// Into the folder's `ingest/`.
    Local(BlobWriter),
    /// A multipart upload.
    S3(S3Writer),
}

/// Runs the same expression on whichever backend `$value` holds.
macro_rules! each {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            Content::Local($inner) => $body,
            Content::S3($inner) => $body,
        }
    };
}

/// As [`each!`], for a writer.
macro_rules! each_writer {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            StoreWriter::Local($inner) => $body,
            StoreWriter::S3($inner) => $body,
        }
    };
}

impl Content {
    /// Keeps `bytes` free on the store folder's filesystem (local blobs
    /// only).
    pub fn keep_free(&self, bytes: u64) {
        if let Content::Local(local) = self {
            local.keep_free(bytes);
        }
    }

    /// How far the digest's locked writer got, when another process can
    /// see it (its ingest file, or its reports to the shared locks).
    pub fn ingest_size(&self, digest: &Digest) -> Option<u64> {
        each!(self, content => content.ingest_size(digest))
    }

    /// The same content, its writers also taking their digest's lock in
    /// `shared` (when the metadata is shared between machines).
    pub fn with_shared_locks(self, shared: Option<Arc<dyn SharedLocks>>) -> Content {
        match self {
            Content::Local(local) => Content::Local(local.with_shared_locks(shared)),
            Content::S3(s3) => Content::S3(s3.with_shared_locks(shared)),
        }
    }

    /// Where the blob lives: a file, or `s3://bucket/key`.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        match self {
            Content::Local(local) => local.blob_path(digest),
            Content::S3(s3) => s3.blob_url(digest).into(),
        }
    }

    /// A URL that `GET`s the blob without credentials for `expires`
    /// ([`S3Content::presigned_get`]); `None` for the local folder.
    pub fn presigned_get(
        &self,
        digest: &Digest,
        expires: std::time::Duration,
    ) -> Result<Option<url::Url>, StoreError> {
        match self {
            Content::Local(_) => Ok(None),
            Content::S3(s3) => s3.presigned_get(digest, expires).map(Some),
        }
    }

    /// Removes what writers killed mid-write left behind; returns it.
    pub fn remove_stale_ingest(&self) -> Result<Vec<PathBuf>, StoreError> {
        match self {
            Content::Local(local) => local.remove_stale_ingest(),
            Content::S3(s3) => Ok(s3
                .remove_stale_ingest()?
                .into_iter()
                .map(PathBuf::from)
                .collect()),
        }
    }

    /// Every blob, and every file under `blobs/` not named like one.
    pub(crate) fn scan(&self) -> Result<(Vec<BlobInfo>, Vec<PathBuf>), StoreError> {
        match self {
            Content::Local(local) => local.scan(),
            Content::S3(s3) => Ok((s3.list()?, Vec::new())),
        }
    }
}

impl Provider for Content {
    fn info(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        each!(self, c => c.info(digest))
    }

    fn open(&self, digest: &Digest) -> Result<BlobReader, StoreError> {
        each!(self, c => c.open(digest))
    }

    fn open_range(
        &self,
        digest: &Digest,
        offset: u64,
        len: Option<u64>,
    ) -> Result<BlobReader, StoreError> {
        each!(self, c => c.open_range(digest, offset, len))
    }
}

/// A backend's answer with its writer wrapped.
fn wrap<W>(ingest: Ingest<W>, into: impl FnOnce(W) -> StoreWriter) -> Ingest<StoreWriter> {
    match ingest {
        Ingest::Exists(size) => Ingest::Exists(size),
        Ingest::Writer(w) => Ingest::Writer(into(w)),
    }
}

impl Ingester for Content {
    type Writer = StoreWriter;

    fn writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<StoreWriter>, StoreError> {
        Ok(match self {
            Content::Local(c) => wrap(c.writer(digest, expected_size)?, StoreWriter::Local),
            Content::S3(c) => wrap(c.writer(digest, expected_size)?, StoreWriter::S3),
        })
    }

    fn try_writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Option<Ingest<StoreWriter>>, StoreError> {
        Ok(match self {
            Content::Local(c) => c
                .try_writer(digest, expected_size)?
                .map(|i| wrap(i, StoreWriter::Local)),
            Content::S3(c) => c
                .try_writer(digest, expected_size)?
                .map(|i| wrap(i, StoreWriter::S3)),
        })
    }

    fn writer_beside(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<StoreWriter>, StoreError> {
        Ok(match self {
            Content::Local(c) => wrap(c.writer_beside(digest, expected_size)?, StoreWriter::Local),
            Content::S3(c) => wrap(c.writer_beside(digest, expected_size)?, StoreWriter::S3),
        })
    }
}

impl Manager for Content {
    fn delete(&self, digest: &Digest) -> Result<bool, StoreError> {
        each!(self, c => c.delete(digest))
    }

    fn list(&self) -> Result<Vec<BlobInfo>, StoreError> {
        each!(self, c => c.list())
    }
}

impl LayerIndexes for Content {
    fn index(&self, layer: &Digest) -> Result<Option<BlobReader>, StoreError> {
        each!(self, c => c.index(layer))
    }

    fn has_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        each!(self, c => c.has_index(layer))
    }

    fn put_index(&self, layer: &Digest, bytes: Vec<u8>) -> Result<(), StoreError> {
        each!(self, c => c.put_index(layer, bytes))
    }

    fn delete_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        each!(self, c => c.delete_index(layer))
    }
}

impl ContentWriter for StoreWriter {
    fn digest(&self) -> &Digest {
        each_writer!(self, w => w.digest())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        each_writer!(self, w => w.write(bytes))
    }

    fn bytes_written(&self) -> u64 {
        each_writer!(self, w => w.bytes_written())
    }

    fn commit(self) -> Result<u64, StoreError> {
        each_writer!(self, w => w.commit())
    }
}

impl StoreWriter {
    /// [`BlobWriter::detach_verifier`] of either backend.
    pub fn detach_verifier(&mut self) -> Option<Verifier> {
        each_writer!(self, w => w.detach_verifier())
    }

    /// [`BlobWriter::commit_detached`] of either backend.
    pub fn commit_detached(self, verifier: Verifier) -> Result<u64, StoreError> {
        each_writer!(self, w => w.commit_detached(verifier))
    }

    /// [`BlobWriter::check`] of either backend.
    pub fn check(&self) -> Result<u64, StoreError> {
        each_writer!(self, w => w.check())
    }
}
