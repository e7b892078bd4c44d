//! The one writer per digest that both backends keep: a lock file per
//! digest (`locks/<algorithm>-<hex>.lock` in the store folder), taken
//! before the store is asked whether it already holds the blob, so that
//! threads and processes sharing the folder never write one blob twice;
//! then, when the metadata is shared between machines, the digest's
//! shared lock ([`crate::store::SharedLocks`]), so that replicas with
//! folders of their own do not either.

use std::io;
use std::path::Path;
use std::sync::Arc;

use shared::digest::Digest;

use super::{Ingest, Provider, existing};
use crate::store::SharedLocks;
use crate::store::StoreError;
use crate::store::lock::{FileLock, Wait};
use crate::store::shared_locks::SharedHeld;

/// A writer's hold on its digest: the file lock, and the shared lock when
/// there is one. Released when dropped.
#[derive(Debug)]
pub(crate) struct DigestLock {
    // First: the shared lock goes before the file lock.
    shared: Option<SharedHeld>,
    _file: FileLock,
}

impl DigestLock {
    /// A hold by a file lock alone.
    pub(crate) fn file_only(file: FileLock) -> DigestLock {
        DigestLock {
            shared: None,
            _file: file,
        }
    }

    /// Tells other replicas waiting for this writer that it has written
    /// `written` bytes (now and then, not at every call).
    pub(crate) fn report(&mut self, written: u64) {
        if let Some(shared) = &mut self.shared {
            shared.report(written);
        }
    }
}

/// How far the writer of `digest` got, by its report to `shared`; `None`
/// when it did not say (or it could not be read).
pub(crate) fn shared_progress(shared: &Arc<dyn SharedLocks>, digest: &Digest) -> Option<u64> {
    shared.progress(digest).unwrap_or_else(|e| {
        tracing::warn!(%digest, error = %e, "could not read a blob write's progress");
        None
    })
}

/// The digest's writer, made by `make` under the digest's lock at
/// `lock_path` (and its lock in `shared`, when given); [`Ingest::Exists`]
/// when `store` holds the blob once the lock is ours; `None` when `wait`
/// is [`Wait::NoWait`] and another writer holds a lock.
pub(crate) fn under_lock<P: Provider, W>(
    store: &P,
    (lock_path, shared): (&Path, Option<&Arc<dyn SharedLocks>>),
    digest: &Digest,
    expected_size: Option<u64>,
    wait: Wait,
    make: impl FnOnce(DigestLock) -> Result<W, StoreError>,
) -> Result<Option<Ingest<W>>, StoreError> {
    let Some(file) =
        FileLock::acquire(lock_path, wait).map_err(StoreError::io("locking", lock_path))?
    else {
        return Ok(None);
    };
    let shared = match shared {
        Some(locks) => match SharedHeld::writer(locks, digest, wait)? {
            Some(held) => Some(held),
            None => return Ok(None),
        },
        None => None,
    };
    let lock = DigestLock {
        shared,
        _file: file,
    };
    if let Some(size) = existing(store, digest, expected_size)? {
        return Ok(Some(Ingest::Exists(size)));
    }
    make(lock).map(|writer| Some(Ingest::Writer(writer)))
}

/// What a blocking [`under_lock`] returned: never `None`.
pub(crate) fn waited<W>(got: Option<Ingest<W>>, lock_path: &Path) -> Result<Ingest<W>, StoreError> {
    got.ok_or_else(|| StoreError::Io {
        action: "locking",
        path: lock_path.to_path_buf(),
        source: io::Error::other("a blocking lock returned without the lock"),
    })
}
