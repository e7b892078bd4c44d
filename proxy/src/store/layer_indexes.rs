//! Random-access indexes of stored layers (issue 20): a
//! [`LayerIndex`] per layer blob, kept beside it
//! ([`LayerIndexes`](super::LayerIndexes)), so the explorer
//! can open one file of a huge layer from a short range of the blob.
//!
//! Built while the layer is read anyway: `strata serve`'s background pass
//! ([`Store::learn_unpacked`] feeds each chunk both to the diff_id hash
//! and to an [`IndexBuilder`]), then [`Store::index_layers`] for layers
//! whose unpacked size was already known; or on demand,
//! [`Store::layer_index`]. The blob is read in [`READ_CHUNK`] pieces;
//! the compression is sniffed from its first bytes. zstd layers and blobs
//! that are not tar are [`StoreError::NotIndexable`].

use std::collections::{BTreeSet, HashSet};
use std::io::Read;

use shared::digest::Digest;
use shared::layer::index::{BuildError, IndexBuilder, LayerIndex};
use shared::media_type::Compression;

use super::content::{BlobReader, LayerIndexes, Provider};
use super::{Store, StoreError};

/// How much of a stored layer is read at a time.
pub(crate) const READ_CHUNK: usize = 1 << 20;

/// What [`Store::index_layers`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexReport {
    /// Layers indexed.
    pub built: usize,
    /// Layers that cannot be indexed (zstd, not a tar): not worth reading
    /// again.
    pub unindexable: Vec<Digest>,
}

impl Store {
    /// Reads the stored blob `layer` from the start in pieces of up to
    /// [`READ_CHUNK`] bytes, handing each to `each` (every piece but the
    /// last is full, so the first holds the magic number).
    pub(crate) fn read_stored(
        &self,
        layer: &Digest,
        mut each: impl FnMut(&[u8]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let BlobReader { mut reader, .. } = self.content().open(layer)?;
        let mut buffer = vec![0u8; READ_CHUNK];
        loop {
            let mut filled = 0;
            while filled < buffer.len() {
                match reader.read(&mut buffer[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(StoreError::io("reading", self.content().blob_path(layer))(
                            e,
                        ));
                    }
                }
            }
            if filled == 0 {
                return Ok(());
            }
            each(&buffer[..filled])?;
            if filled < buffer.len() {
                return Ok(());
            }
        }
    }

    /// Builds the index of the stored blob `layer` and stores it.
    /// Blocks while the whole blob is read and decompressed.
    pub fn build_index(&self, layer: &Digest) -> Result<(), StoreError> {
        let refuse = |e: BuildError| not_indexable(layer, &e);
        let mut builder: Option<IndexBuilder> = None;
        self.read_stored(layer, |chunk| {
            let builder = match &mut builder {
                Some(builder) => builder,
                None => builder.insert(
                    IndexBuilder::new(layer.clone(), Compression::sniff(chunk)).map_err(refuse)?,
                ),
            };
            builder.update(chunk).map_err(refuse)
        })?;
        let Some(builder) = builder else {
            return Err(StoreError::NotIndexable {
                layer: layer.clone(),
                reason: "the blob is empty".into(),
            });
        };
        let index = builder.finish().map_err(refuse)?;
        self.keep_index(&index)
    }

    /// Stores `index` beside its blob.
    pub(crate) fn keep_index(&self, index: &LayerIndex) -> Result<(), StoreError> {
        self.content().put_index(&index.digest, index.to_bytes())
    }

    /// The stored index of `layer`, built now if it is stored without one.
    /// [`StoreError::BlobNotFound`] when the blob is not stored;
    /// [`StoreError::NotIndexable`] when it cannot be indexed. Blocks.
    pub fn layer_index(&self, layer: &Digest) -> Result<BlobReader, StoreError> {
        if let Some(index) = self.content().index(layer)? {
            return Ok(index);
        }
        self.build_index(layer)?;
        self.content()
            .index(layer)?
            .ok_or_else(|| StoreError::BlobNotFound {
                digest: layer.clone(),
            })
    }

    /// Indexes every stored layer that recorded images use and that has
    /// no index yet, except those in `skip` (found unindexable before).
    pub fn index_layers(&self, skip: &HashSet<Digest>) -> Result<IndexReport, StoreError> {
        let layers: BTreeSet<Digest> = self
            .metadata()
            .blob_uses()?
            .into_iter()
            .filter(|u| u.role == "layer" && !skip.contains(&u.digest))
            .map(|u| u.digest)
            .collect();
        let mut report = IndexReport::default();
        for layer in layers {
            if self.content().has_index(&layer)? {
                continue;
            }
            match self.build_index(&layer) {
                Ok(()) => report.built += 1,
                // Evicted, or removed meanwhile.
                Err(StoreError::BlobNotFound { .. }) => {}
                Err(StoreError::NotIndexable { .. }) => report.unindexable.push(layer),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }
}

/// Why `layer` has no index, for the user.
pub(crate) fn not_indexable(layer: &Digest, e: &BuildError) -> StoreError {
    let reason = match e {
        BuildError::Unsupported => {
            "it is zstd-compressed, and strata indexes only gzip and plain tar layers so far; its files are read from the whole blob".to_owned()
        }
        other => format!("it is not a readable layer ({other})"),
    };
    StoreError::NotIndexable {
        layer: layer.clone(),
        reason,
    }
}
