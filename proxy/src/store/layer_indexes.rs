//! Random-access indexes of stored layers (issue 20): a
//! [`LayerIndex`] per layer blob, kept beside it
//! ([`LayerIndexes`](super::LayerIndexes)), so the explorer
//! can open one file of a huge layer from a short range of the blob.
//!
//! Built while the layer is read anyway: `strata serve`'s background pass
//! ([`Store::learn_unpacked`]: one decompression, by strata's
//! checkpointing inflater, whose output is both hashed for the diff_id
//! and parsed for the entries), then [`Store::index_layers`] for layers
//! whose unpacked size was already known (the same pass, its hash
//! unused); or on demand, [`Store::layer_index`]. The blob is read in
//! [`READ_CHUNK`] pieces; the compression is sniffed from its first
//! bytes. zstd layers and blobs that are not tar are
//! [`StoreError::NotIndexable`].

use std::collections::{BTreeSet, HashSet};
use std::io::{Read, Write};

use shared::digest::{Digest, Hasher};
use shared::layer::index::{LayerIndex, MAX_INDEX_BYTES, SPAN, entry_weight};
use shared::layer::inflate::WINDOW;
use shared::layer::{DecodeError, LayerDecoder, SINK_ERROR, Unpacked};
use shared::media_type::Compression;
use shared::merged::{LayerEntry, TarParser};

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
        let index = match self.index_pass(layer, None) {
            Ok(passed) => passed.index?,
            Err(StoreError::Unpack { problem, .. }) => {
                return Err(not_indexable(
                    layer,
                    format!("it is not a readable layer ({problem})"),
                ));
            }
            Err(e) => return Err(e),
        };
        self.keep_index(&index)
    }

    /// Reads the stored `layer` once and decompresses it, as `compression`
    /// or else as its first bytes say, with strata's checkpointing
    /// inflater into an [`IndexSink`]: the tar's diff_id and size, and its
    /// index. [`StoreError::Unpack`] when it does not decompress;
    /// [`StoreError::NotIndexable`] at once for zstd, and as soon as the
    /// index would pass [`MAX_INDEX_BYTES`] (the pass stops there).
    pub(crate) fn index_pass(
        &self,
        layer: &Digest,
        compression: Option<Compression>,
    ) -> Result<Passed, StoreError> {
        let unpack_error = |e: DecodeError| StoreError::Unpack {
            layer: layer.clone(),
            problem: e.to_string(),
        };
        let start = |compression: Compression| -> Result<_, StoreError> {
            if compression == Compression::Zstd {
                return Err(not_indexable(layer, ZSTD.into()));
            }
            let sink = IndexSink::new();
            Ok((
                compression,
                LayerDecoder::checkpointed(compression, sink, SPAN),
            ))
        };
        let mut started = None;
        let mut compressed = 0u64;
        self.read_stored(layer, |chunk| {
            let (_, decoder) = match &mut started {
                Some(started) => started,
                None => started.insert(start(
                    compression.unwrap_or_else(|| Compression::sniff(chunk)),
                )?),
            };
            compressed += chunk.len() as u64;
            match decoder.update(chunk) {
                Err(DecodeError::Sink) => Err(not_indexable(layer, too_large())),
                other => other.map_err(unpack_error),
            }
        })?;
        let (compression, decoder) = match started {
            Some(started) => started,
            None => start(compression.unwrap_or(Compression::None))?,
        };
        let (mut sink, checkpoints) = match decoder.finish_with_checkpoints() {
            Err(DecodeError::Sink) => return Err(not_indexable(layer, too_large())),
            other => other.map_err(unpack_error)?,
        };
        let unpacked = Unpacked {
            size: sink.hasher.bytes_seen(),
            diff_id: sink.hasher.finish(),
        };
        let failure = match sink.failure {
            Some(reason) => Some(reason),
            None => sink
                .parser
                .finish()
                .err()
                .map(|e| format!("it is not a readable layer ({e})")),
        };
        let index = match failure {
            Some(reason) => Err(not_indexable(layer, reason)),
            None => Ok(LayerIndex::assemble(
                layer.clone(),
                compression,
                (compressed, unpacked.size),
                checkpoints,
                std::mem::take(&mut sink.entries),
            )),
        };
        Ok(Passed { unpacked, index })
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
        // One listing, not a look per layer (a request each in a bucket).
        let indexed: HashSet<Digest> = self.content().indexed()?.into_iter().collect();
        let mut report = IndexReport::default();
        for layer in layers.into_iter().filter(|l| !indexed.contains(l)) {
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

/// Why a zstd layer has no index.
pub(crate) const ZSTD: &str = "it is zstd-compressed, and strata indexes only gzip and plain tar layers so far; its files are read from the whole blob";

/// `layer` has no index, because of `reason` (for the user).
pub(crate) fn not_indexable(layer: &Digest, reason: String) -> StoreError {
    StoreError::NotIndexable {
        layer: layer.clone(),
        reason,
    }
}

/// What one [`Store::index_pass`] made.
pub(crate) struct Passed {
    /// What the layer unpacks to.
    pub(crate) unpacked: Unpacked,
    /// Its index, or why it has none.
    pub(crate) index: Result<LayerIndex, StoreError>,
}

/// Why a layer whose index would pass [`MAX_INDEX_BYTES`] has none.
fn too_large() -> String {
    format!(
        "its index would take more than {} MiB (too many entries, or too large a tar)",
        MAX_INDEX_BYTES >> 20
    )
}

/// The sink of the one decompression that indexes a layer: it hashes
/// every byte of the tar and lists its entries. A tar that does not parse
/// still hashes (and gets no index). Once the index would pass
/// [`MAX_INDEX_BYTES`] (its entries, and a checkpoint window per
/// [`SPAN`] of tar) it refuses the bytes, stopping the pass: a hostile
/// layer of millions of entries, or a gzip bomb, costs no more memory
/// than that.
struct IndexSink {
    hasher: Hasher,
    parser: TarParser,
    entries: Vec<LayerEntry>,
    /// About what the entries take in the index.
    weight: u64,
    failure: Option<String>,
}

impl IndexSink {
    fn new() -> IndexSink {
        IndexSink {
            hasher: Hasher::sha256(),
            parser: TarParser::new(),
            entries: Vec::new(),
            weight: 0,
            failure: None,
        }
    }
}

impl Write for IndexSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        let windows = self.hasher.bytes_seen() / SPAN * WINDOW as u64;
        if windows + self.weight > MAX_INDEX_BYTES {
            return Err(std::io::Error::other(SINK_ERROR));
        }
        if self.failure.is_some() || self.parser.is_done() {
            return Ok(buf.len());
        }
        let before = self.entries.len();
        if let Err(e) = self.parser.push(buf, &mut self.entries) {
            // No index without the whole tar: the entries so far go.
            self.entries = Vec::new();
            self.failure = Some(format!("it is not a readable layer ({e})"));
            return Ok(buf.len());
        }
        let added = &self.entries[before..];
        self.weight += added.iter().map(entry_weight).sum::<u64>();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
