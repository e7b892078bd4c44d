//! [`Store`]: one store folder's content and its metadata, shared by every
//! thread of a process (and, through the folder, with other processes).

use std::path::Path;
use std::sync::Arc;

use super::content::{Content, LocalContent};
use super::layout::Layout;
use super::metadata::{Generation, Metadata, SqliteMetadata};
use super::{SharedLocks, StoreError};

/// A store folder, open. Cheap to clone (clones share one metadata
/// handle).
///
/// Every method blocks on the filesystem and the database: from async
/// code, call them inside `tokio::task::spawn_blocking`.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    layout: Layout,
    content: Content,
    metadata: Box<dyn Metadata>,
    /// The metadata's locks across machines, if it is shared.
    shared: Option<Arc<dyn SharedLocks>>,
}

impl Store {
    /// Opens the store in `dir`, creating the folder, its database
    /// (`meta.db`, SQLite) and its schema if needed. Unfinished writes
    /// left by a crashed process are removed; they were never visible.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        // The folder first: the database lives in it.
        let content = LocalContent::open(dir)?;
        let metadata = SqliteMetadata::open(&Layout::new(dir).db_path())?;
        Ok(Store::with(
            dir,
            Content::Local(content),
            Box::new(metadata),
        ))
    }

    /// Opens the store in `dir` (its database, locks and leases) with its
    /// blobs in `content` (an S3 bucket, say) instead of the folder.
    pub fn with_content(dir: &Path, content: Content) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::io("creating", dir))?;
        let metadata = SqliteMetadata::open(&Layout::new(dir).db_path())?;
        Ok(Store::with(dir, content, Box::new(metadata)))
    }

    /// Opens the store in `dir` with its metadata in `metadata` instead of
    /// the folder's database (locks and blobs stay in the folder).
    pub fn with_metadata(dir: &Path, metadata: Box<dyn Metadata>) -> Result<Store, StoreError> {
        let content = LocalContent::open(dir)?;
        Ok(Store::with(dir, Content::Local(content), metadata))
    }

    /// Opens the store in `dir` (its locks and leases) with its blobs in
    /// `content` (the folder's, or an S3 bucket) and its metadata in
    /// `metadata` (`None`: the folder's SQLite database).
    pub fn with_parts(
        dir: &Path,
        content: Option<Content>,
        metadata: Option<Box<dyn Metadata>>,
    ) -> Result<Store, StoreError> {
        let content = match content {
            Some(content) => {
                std::fs::create_dir_all(dir).map_err(StoreError::io("creating", dir))?;
                content
            }
            None => Content::Local(LocalContent::open(dir)?),
        };
        let metadata = match metadata {
            Some(metadata) => metadata,
            None => Box::new(SqliteMetadata::open(&Layout::new(dir).db_path())?),
        };
        Ok(Store::with(dir, content, metadata))
    }

    /// The store; when `metadata` is shared between machines, every
    /// lock is also taken in its shared locks.
    fn with(dir: &Path, content: Content, metadata: Box<dyn Metadata>) -> Store {
        let shared = metadata.shared_locks();
        Store {
            inner: Arc::new(Inner {
                layout: Layout::new(dir),
                content: content.with_shared_locks(shared.clone()),
                metadata,
                shared,
            }),
        }
    }

    /// The store folder.
    pub fn dir(&self) -> &Path {
        self.inner.layout.root()
    }

    /// The blobs: read them ([`Provider`](super::Provider)), write them
    /// ([`Ingester`](super::Ingester)). Write every blob of an image before
    /// [`Store::record_image`], under a [lease](Store::lease) so garbage
    /// collection leaves them alone meanwhile.
    pub fn content(&self) -> &Content {
        &self.inner.content
    }

    /// Where the folder's files and locks are.
    pub(crate) fn layout(&self) -> &Layout {
        &self.inner.layout
    }

    /// The metadata.
    pub(crate) fn metadata(&self) -> &dyn Metadata {
        &*self.inner.metadata
    }

    /// The locks every process sharing the metadata sees, when it is
    /// shared between machines.
    pub(crate) fn shared_locks(&self) -> Option<&Arc<dyn SharedLocks>> {
        self.inner.shared.as_ref()
    }

    /// A value that changes whenever the metadata may have changed: commits
    /// by this handle, and by any other handle or process. Equal
    /// generations mean unchanged metadata, so callers can cache what they
    /// read.
    pub fn generation(&self) -> Result<Generation, StoreError> {
        self.metadata().generation()
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir())
            .finish_non_exhaustive()
    }
}
