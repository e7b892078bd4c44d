//! Layer indexes ([`shared::layer::index::LayerIndex`], encoded) kept
//! beside the layer blobs, named by the layer's digest, in the same
//! backend: `indexes/<algorithm>/<hex>` in the store folder or the
//! bucket. An index is derived data: it is written whole and atomically
//! (a temporary file renamed into place; one `PUT` in a bucket), so a
//! reader sees a complete index or none, and it goes when its blob goes
//! ([`Store::delete_unreferenced`](crate::store::Store)).

use std::fs::{self, File};
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use shared::digest::Digest;

use super::writer::sync_dir;
use super::{BlobReader, Content, LocalContent};
use crate::store::StoreError;
use crate::store::layout::Layout;

impl Content {
    /// The stored index of the layer blob `layer`, streaming; `None` if
    /// none is stored.
    pub fn index(&self, layer: &Digest) -> Result<Option<BlobReader>, StoreError> {
        match self {
            Content::Local(local) => local_index(local, layer),
            Content::S3(s3) => s3.index(layer),
        }
    }

    /// Whether an index of `layer` is stored.
    pub fn has_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        match self {
            Content::Local(local) => {
                let path = Layout::new(local.root()).index_path(layer);
                match fs::metadata(&path) {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(StoreError::io("reading", &path)(e)),
                }
            }
            Content::S3(s3) => s3.has_index(layer),
        }
    }

    /// Stores `bytes` as the index of `layer`, replacing any, atomically.
    pub fn put_index(&self, layer: &Digest, bytes: Vec<u8>) -> Result<(), StoreError> {
        match self {
            Content::Local(local) => put_local_index(local, layer, &bytes),
            Content::S3(s3) => s3.put_index(layer, bytes),
        }
    }

    /// Deletes the index of `layer`; `Ok(false)` if there was none.
    pub fn delete_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        match self {
            Content::Local(local) => {
                let path = Layout::new(local.root()).index_path(layer);
                match fs::remove_file(&path) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(StoreError::io("deleting", &path)(e)),
                }
            }
            Content::S3(s3) => s3.delete_index(layer),
        }
    }
}

fn local_index(local: &LocalContent, layer: &Digest) -> Result<Option<BlobReader>, StoreError> {
    let path = Layout::new(local.root()).index_path(layer);
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

/// Writes `indexes/<algorithm>/<hex>.<pid>-<n>`, syncs it, renames it into
/// place and syncs the folder. A crash leaves at most the temporary file,
/// which no reader opens.
fn put_local_index(local: &LocalContent, layer: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let layout = Layout::new(local.root());
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
            file.write_all(bytes)?;
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
