//! The content store: immutable blobs named by their digest, behind traits
//! split by role as containerd splits them.
//!
//! - [`Provider`] reads: [`Provider::info`], [`Provider::open`],
//!   [`Provider::open_range`].
//! - [`Ingester`] writes: [`Ingester::writer`] hands out the one
//!   [`ContentWriter`] for a digest. Bytes are hashed as they are written;
//!   [`ContentWriter::commit`] checks the size and the digest and only then
//!   makes the blob visible. A blob already present is success
//!   ([`Ingest::Exists`]). [`Ingester::writer_beside`] writes without the
//!   digest's lock, for a fetch that must not wait behind a stalled
//!   writer: the first verified commit wins.
//! - Every writer keeps the store's free-space reserve
//!   ([`MIN_FREE_SPACE`], `--min-free-space`): [`StoreError::LowSpace`].
//! - [`Manager`] lists and deletes. Deleting does not look at references or
//!   leases: that is the job of the [`Store`](super::Store), which decides
//!   what is garbage.
//! - [`LayerIndexes`] keeps a layer blob's random-access index beside it
//!   (`indexes.rs`): derived data, written atomically; the
//!   [`Store`](super::Store) deletes it with the blob.
//!
//! [`LocalContent`] keeps blobs in a folder. [`S3Content`] (`s3/`) keeps
//! them in S3-compatible object storage (`--blob-store s3://…`) with the
//! same semantics. Both pass the same conformance suite
//! (`proxy/tests/store_conformance.rs`).

mod any;
mod digest_lock;
mod hashing;
mod indexes;
mod local;
pub mod s3;
mod space;
mod writer;

use std::io::Read;

use shared::digest::Digest;

pub use any::{Content, StoreWriter};
pub use indexes::LayerIndexes;
pub use local::LocalContent;
pub use s3::{S3Content, S3Writer};
pub use space::MIN_FREE_SPACE;
pub use writer::BlobWriter;

use super::StoreError;

/// A stored blob: its digest and size.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlobInfo {
    /// The blob's digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
}

/// An open blob (or a range of one) and the number of bytes it will yield.
pub struct BlobReader {
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
    /// How many bytes `reader` yields.
    pub size: u64,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Reads blobs.
pub trait Provider {
    /// The blob's size, or `None` if the store does not hold it.
    fn info(&self, digest: &Digest) -> Result<Option<u64>, StoreError>;

    /// The whole blob. [`StoreError::BlobNotFound`] if absent.
    fn open(&self, digest: &Digest) -> Result<BlobReader, StoreError>;

    /// `len` bytes (or all the rest, for `None`) starting at `offset`, as an
    /// HTTP `Range` request wants them. A range running past the end is cut
    /// at the end; an offset past the end yields nothing.
    fn open_range(
        &self,
        digest: &Digest,
        offset: u64,
        len: Option<u64>,
    ) -> Result<BlobReader, StoreError>;
}

/// The result of asking for a writer.
#[derive(Debug)]
pub enum Ingest<W> {
    /// The blob is already stored (possibly just committed by the writer
    /// this call waited for), with this size. Nothing to write.
    Exists(u64),
    /// The blob is absent and this writer is now its only writer.
    Writer(W),
}

/// Writes blobs.
pub trait Ingester {
    /// The writer this store hands out.
    type Writer: ContentWriter;

    /// The writer for `digest`, whose size is `expected_size` when known
    /// (a descriptor's `size`).
    ///
    /// Blocks while another writer (in any thread or process) holds the
    /// digest, then returns [`Ingest::Exists`] if that writer committed.
    /// Blocking: from async code, call it inside
    /// `tokio::task::spawn_blocking`, or poll [`Ingester::try_writer`].
    /// A stored blob whose size differs from `expected_size` is a
    /// [`StoreError::SizeMismatch`] (the descriptor is wrong).
    fn writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<Self::Writer>, StoreError>;

    /// Like [`Ingester::writer`] but never waits: `Ok(None)` means another
    /// writer holds the digest right now ("busy"; try again later).
    fn try_writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Option<Ingest<Self::Writer>>, StoreError>;

    /// A writer that neither waits for nor excludes the digest's other
    /// writers: it writes into an ingest file of its own, and its commit
    /// succeeds when the blob is already there (the first verified commit
    /// wins; the others are discarded). For a fetch that must not wait
    /// behind a stalled writer of the same digest (another upstream
    /// trickling it). Never blocks on a lock.
    fn writer_beside(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<Self::Writer>, StoreError>;
}

/// The one writer of one digest. Dropping it without
/// [`ContentWriter::commit`] discards what was written.
pub trait ContentWriter: Send + std::fmt::Debug {
    /// The digest being written.
    fn digest(&self) -> &Digest;

    /// Appends `bytes` and hashes them. Fails at once with
    /// [`StoreError::SizeMismatch`] when more bytes than expected arrive,
    /// and with [`StoreError::Io`] when the disk refuses them (disk full);
    /// either way the partial content is discarded and the writer is
    /// spent.
    fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError>;

    /// Bytes written so far.
    fn bytes_written(&self) -> u64;

    /// Checks the size, then the digest; makes the blob durable and
    /// visible; returns its size. On [`StoreError::SizeMismatch`] or
    /// [`StoreError::DigestMismatch`] nothing becomes visible.
    fn commit(self) -> Result<u64, StoreError>;

    /// Writes everything `reader` yields, in bounded chunks, and returns
    /// the number of bytes copied.
    fn copy_from(&mut self, reader: &mut dyn Read) -> Result<u64, StoreError>
    where
        Self: Sized,
    {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(StoreError::Io {
                        action: "reading content for",
                        path: self.digest().to_string().into(),
                        source,
                    });
                }
            };
            self.write(&buf[..n])?;
            total += n as u64;
        }
    }
}

/// Lists and deletes blobs.
pub trait Manager {
    /// Deletes the blob; `Ok(false)` if it was not there. Unconditional:
    /// callers check references and leases first.
    fn delete(&self, digest: &Digest) -> Result<bool, StoreError>;

    /// Every stored blob, sorted by digest.
    fn list(&self) -> Result<Vec<BlobInfo>, StoreError>;
}

/// The size of `digest` when `store` already holds it, checked against
/// `expected_size` (a blob that is there counts as written; one of another
/// size means the descriptor is wrong).
pub(crate) fn existing<P: Provider + ?Sized>(
    store: &P,
    digest: &Digest,
    expected_size: Option<u64>,
) -> Result<Option<u64>, StoreError> {
    match (store.info(digest)?, expected_size) {
        (Some(size), Some(expected)) if expected != size => Err(StoreError::SizeMismatch {
            digest: digest.clone(),
            expected,
            actual: size,
        }),
        (size, _) => Ok(size),
    }
}

/// A complete content store: all four roles.
pub trait ContentStore: Provider + Ingester + Manager + LayerIndexes + Send + Sync {}

impl<T: Provider + Ingester + Manager + LayerIndexes + Send + Sync> ContentStore for T {}
