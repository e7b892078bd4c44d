//! [`LayerIndexes`]: layer indexes
//! ([`shared::layer::index::LayerIndex`], encoded) kept beside the layer
//! blobs, named by the layer's digest, in the same backend:
//! `indexes/<algorithm>/<hex>` in the store folder ([`LocalContent`],
//! here) or the bucket (`s3/indexes.rs`). An index is derived data: it is
//! written whole and atomically (a temporary file renamed into place; one
//! `PUT` in a bucket), so a reader sees a complete index or none, and it
//! goes when its blob goes
//! ([`Store::gc`](crate::store::Store::gc)).

use std::fs::{self, File};
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use shared::digest::Digest;

use super::writer::sync_dir;
use super::{BlobReader, LocalContent};
use crate::store::StoreError;
use crate::store::layout::Layout;

/// Keeps one index per layer blob.
pub trait LayerIndexes {
    /// The stored index of the layer blob `layer`, streaming; `None` if
    /// none is stored.
    fn index(&self, layer: &Digest) -> Result<Option<BlobReader>, StoreError>;

    /// Whether an index of `layer` is stored.
    fn has_index(&self, layer: &Digest) -> Result<bool, StoreError>;

    /// Stores `bytes` as the index of `layer`, replacing any, atomically.
    fn put_index(&self, layer: &Digest, bytes: Vec<u8>) -> Result<(), StoreError>;

    /// Deletes the index of `layer`; `Ok(false)` if there was none.
    fn delete_index(&self, layer: &Digest) -> Result<bool, StoreError>;
}

impl LayerIndexes for LocalContent {
    fn index(&self, layer: &Digest) -> Result<Option<BlobReader>, StoreError> {
        let path = Layout::new(self.root()).index_path(layer);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io("opening", &path)(e)),
        };
        let size = file
            .metadata()
            .map_err(StoreError::io("reading the size of", &path))?
            .len();
        Ok(Some(BlobReader {
            reader: Box::new(file),
            size,
        }))
    }

    fn has_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        let path = Layout::new(self.root()).index_path(layer);
        match fs::metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("reading", &path)(e)),
        }
    }

    /// Writes `indexes/<algorithm>/<hex>.<pid>-<n>`, syncs it, renames it
    /// into place and syncs the folder. A crash leaves at most the
    /// temporary file, which no reader opens.
    fn put_index(&self, layer: &Digest, bytes: Vec<u8>) -> Result<(), StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let layout = Layout::new(self.root());
        let dir = layout.indexes_dir(layer.algorithm());
        fs::create_dir_all(&dir).map_err(StoreError::io("creating", &dir))?;
        let path = layout.index_path(layer);
        let temporary = dir.join(format!(
            "{}.{}-{}",
            layer.encoded(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = File::create(&temporary)
            .and_then(|mut file| {
                file.write_all(&bytes)?;
                file.sync_all()
            })
            .map_err(StoreError::io("writing", &temporary))
            .and_then(|()| {
                fs::rename(&temporary, &path).map_err(StoreError::io("moving into place", &path))
            });
        if let Err(e) = written {
            // Best effort: the write already failed, and this file is never read.
            let _ = fs::remove_file(&temporary);
            return Err(e);
        }
        sync_dir(&dir)
    }

    fn delete_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        let path = Layout::new(self.root()).index_path(layer);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("deleting", &path)(e)),
        }
    }
}
