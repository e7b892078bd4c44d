//! [`Store`]: one store folder, its content and its metadata database,
//! shared by every thread of a process (and, through the folder, with
//! other processes).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::StoreError;
use super::content::LocalContent;
use super::layout::Layout;
use super::meta;

/// A store folder, open. Cheap to clone (clones share one database
/// connection, used by one thread at a time).
///
/// Every method blocks on the filesystem and the database: from async
/// code, call them inside `tokio::task::spawn_blocking`.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    layout: Layout,
    content: LocalContent,
    db: Mutex<Connection>,
    /// Write transactions this handle committed (see [`Store::generation`]).
    writes: std::sync::atomic::AtomicU64,
}

impl Store {
    /// Opens the store in `dir`, creating the folder, its database and its
    /// schema if needed. Unfinished writes left by a crashed process are
    /// removed; they were never visible.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let content = LocalContent::open(dir)?;
        let layout = Layout::new(dir);
        let db = meta::open(&layout.db_path())?;
        Ok(Store {
            inner: Arc::new(Inner {
                layout,
                content,
                db: Mutex::new(db),
                writes: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// The store folder.
    pub fn dir(&self) -> &Path {
        self.inner.layout.root()
    }

    /// The blobs: read them ([`Provider`](super::Provider)), write them
    /// ([`Ingester`](super::Ingester)). Write every blob of an image before
    /// [`Store::record_image`], under a [lease](Store::lease) so garbage
    /// collection leaves them alone meanwhile.
    pub fn content(&self) -> &LocalContent {
        &self.inner.content
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.inner.layout
    }

    /// The connection. A panic while it was held cannot leave it
    /// inconsistent (an open transaction is rolled back when dropped), so
    /// a poisoned lock is taken over.
    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`), committed when
    /// `f` succeeds and rolled back when it fails.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut db = self.db();
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.inner
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(out)
    }

    /// A value that changes whenever the metadata may have changed: commits
    /// by this handle, and (SQLite's `data_version`) by any other connection
    /// or process. Equal generations mean an unchanged database, so callers
    /// can cache what they read.
    pub fn generation(&self) -> Result<(i64, u64), StoreError> {
        let db = self.db();
        let data_version: i64 = db.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        Ok((
            data_version,
            self.inner.writes.load(std::sync::atomic::Ordering::SeqCst),
        ))
    }

    /// Runs `f` in a read transaction: one consistent snapshot.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut db = self.db();
        let tx = db.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir())
            .finish_non_exhaustive()
    }
}
