//! What stored layers unpack to: read from the store when a pull finds a
//! layer it did not download, and by `fsck --repair` and `strata serve`
//! for images recorded before strata kept unpacked sizes, or through `/v2`
//! (which passes bytes on untouched). That read also builds the layer's
//! random-access index when it has none (`layer_indexes.rs`).

use shared::digest::Digest;
use shared::layer::index::{BuildError, IndexBuilder, LayerIndex};
use shared::layer::{LayerDecoder, Unpacked};
use shared::media_type::MediaType;

use super::content::LayerIndexes;
use super::layer_indexes::not_indexable;
use super::{ImageRecord, LayerRecord, Store, StoreError};

/// What [`Store::learn_unpacked`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnpackedReport {
    /// Layers read and noted.
    pub learned: usize,
    /// Layers the store does not hold (cache evicted), left unknown.
    pub missing: usize,
    /// Layers that do not unpack to their config's diff_id, or at all:
    /// one line each, left unknown (`fsck` reports them).
    pub problems: Vec<String>,
    /// Layers indexed in the same read ([`Store::build_index`]).
    pub indexed: usize,
    /// Layers read that cannot be indexed (zstd, not a tar).
    pub unindexable: Vec<Digest>,
}

impl Store {
    /// What `layer` unpacks to: noted, or else read from the store (and
    /// noted). Blocks; a large layer takes a while.
    pub fn unpacked(&self, layer: &Digest, media_type: &MediaType) -> Result<Unpacked, StoreError> {
        if let Some(known) = self.metadata().unpacked(layer)? {
            return Ok(known);
        }
        let unpacked = self.unpack_stored(layer, media_type)?;
        self.metadata()
            .set_unpacked(&[(layer.clone(), unpacked.clone())])?;
        Ok(unpacked)
    }

    /// Notes what each layer unpacks to (a pull or load that read them).
    pub fn note_unpacked(&self, layers: &[(Digest, Unpacked)]) -> Result<(), StoreError> {
        self.metadata().set_unpacked(layers)
    }

    /// Decompresses the stored `layer`, hashing and counting the tar.
    pub fn unpack_stored(
        &self,
        layer: &Digest,
        media_type: &MediaType,
    ) -> Result<Unpacked, StoreError> {
        self.unpack_and_index(layer, media_type, false)
            .map(|(unpacked, _)| unpacked)
    }

    /// Decompresses the stored `layer` in one read, hashing and counting
    /// the tar and, when `index`, building its [`LayerIndex`] from the same
    /// chunks (a second decoder on the same bytes: one read of the blob,
    /// two decompressions). The index is `Err` when the layer cannot be
    /// indexed; the unpacking does not depend on it.
    fn unpack_and_index(
        &self,
        layer: &Digest,
        media_type: &MediaType,
        index: bool,
    ) -> Result<(Unpacked, Option<Result<LayerIndex, StoreError>>), StoreError> {
        let compression = media_type.compression();
        let mut decoder = LayerDecoder::new(compression);
        let refuse = |e: BuildError| not_indexable(layer, &e);
        let mut builder =
            index.then(|| IndexBuilder::new(layer.clone(), compression).map_err(refuse));
        let unpack_error = |problem: String| StoreError::Unpack {
            layer: layer.clone(),
            problem,
        };
        self.read_stored(layer, |chunk| {
            decoder
                .update(chunk)
                .map_err(|e| unpack_error(e.to_string()))?;
            if let Some(Ok(building)) = &mut builder
                && let Err(e) = building.update(chunk)
            {
                builder = Some(Err(refuse(e)));
            }
            Ok(())
        })?;
        let unpacked = decoder
            .finish_unpacked()
            .map_err(|e| unpack_error(e.to_string()))?;
        let index = builder.map(|built| built.and_then(|b| b.finish().map_err(refuse)));
        Ok((unpacked, index))
    }

    /// `record` with every layer's unpacked size: what the store noted, or
    /// else read now (and noted), as `inspect` and `history` of one image
    /// do. A layer that cannot be read, or does not unpack to its diff_id,
    /// stays unknown (`fsck --repair` says why).
    pub fn with_unpacked(&self, mut record: ImageRecord) -> Result<ImageRecord, StoreError> {
        for layer in &mut record.layers {
            if layer.unpacked_size.is_some() || !layer.media_type.is_layer() {
                continue;
            }
            let unpacked = match self.unpacked(&layer.digest, &layer.media_type) {
                Ok(unpacked) => unpacked,
                Err(StoreError::BlobNotFound { .. } | StoreError::Unpack { .. }) => continue,
                Err(e) => return Err(e),
            };
            if layer
                .diff_id
                .as_ref()
                .is_none_or(|d| *d == unpacked.diff_id)
            {
                layer.unpacked_size = Some(unpacked.size);
            }
        }
        Ok(record)
    }

    /// Reads every recorded layer whose unpacking is not noted yet, checks
    /// it against its config's diff_id, and notes it; in the same read,
    /// indexes it if it has no index yet.
    pub fn learn_unpacked(&self) -> Result<UnpackedReport, StoreError> {
        let mut report = UnpackedReport::default();
        for LayerRecord {
            digest,
            media_type,
            diff_id,
            ..
        } in self.metadata().unknown_unpacked()?
        {
            if !media_type.is_layer() {
                continue;
            }
            let index = !self.content().has_index(&digest)?;
            let (unpacked, index) = match self.unpack_and_index(&digest, &media_type, index) {
                Ok(read) => read,
                Err(StoreError::BlobNotFound { .. }) => {
                    report.missing += 1;
                    continue;
                }
                Err(e @ StoreError::Unpack { .. }) => {
                    report.problems.push(e.to_string());
                    continue;
                }
                Err(e) => return Err(e),
            };
            match index {
                Some(Ok(index)) => {
                    self.keep_index(&index)?;
                    report.indexed += 1;
                }
                Some(Err(_)) => report.unindexable.push(digest.clone()),
                None => {}
            }
            if let Some(expected) = &diff_id
                && let Err(mismatch) = unpacked.check(&digest, expected)
            {
                report.problems.push(mismatch.to_string());
                continue;
            }
            self.metadata().set_unpacked(&[(digest, unpacked)])?;
            report.learned += 1;
        }
        Ok(report)
    }
}
