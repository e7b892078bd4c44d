//! The one writer per digest that both backends keep: a lock file per
//! digest (`locks/<algorithm>-<hex>.lock` in the store folder), taken
//! before the store is asked whether it already holds the blob, so that
//! threads and processes sharing the folder never write one blob twice.

use std::io;
use std::path::Path;

use shared::digest::Digest;

use super::{Ingest, Provider, existing};
use crate::store::StoreError;
use crate::store::lock::{FileLock, Wait};

/// The digest's writer, made by `make` under the digest's lock at
/// `lock_path`; [`Ingest::Exists`] when `store` holds the blob once the
/// lock is ours; `None` when `wait` is [`Wait::NoWait`] and another writer
/// holds the lock.
pub(crate) fn under_lock<P: Provider, W>(
    store: &P,
    lock_path: &Path,
    digest: &Digest,
    expected_size: Option<u64>,
    wait: Wait,
    make: impl FnOnce(FileLock) -> Result<W, StoreError>,
) -> Result<Option<Ingest<W>>, StoreError> {
    let Some(lock) =
        FileLock::acquire(lock_path, wait).map_err(StoreError::io("locking", lock_path))?
    else {
        return Ok(None);
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
