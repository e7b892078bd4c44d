//! What stored layers unpack to: read from the store when a pull finds a
//! layer it did not download, and by `fsck --repair` and `strata serve`
//! for images recorded before strata kept unpacked sizes, or through `/v2`
//! (which passes bytes on untouched).

use std::io::Read;

use shared::digest::Digest;
use shared::layer::{LayerDecoder, Unpacked};
use shared::media_type::MediaType;

use super::content::Provider;
use super::{ImageRecord, LayerRecord, Store, StoreError};

/// How much of a stored layer is decompressed at a time.
const READ_CHUNK: usize = 1 << 20;

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
        let mut blob = self.content().open(layer)?;
        let mut decoder = LayerDecoder::new(media_type.compression());
        let mut buffer = vec![0u8; READ_CHUNK];
        let unpack_error = |problem: String| StoreError::Unpack {
            layer: layer.clone(),
            problem,
        };
        loop {
            let n = blob
                .reader
                .read(&mut buffer)
                .map_err(StoreError::io("reading", self.content().blob_path(layer)))?;
            if n == 0 {
                break;
            }
            decoder
                .update(&buffer[..n])
                .map_err(|e| unpack_error(e.to_string()))?;
        }
        decoder
            .finish_unpacked()
            .map_err(|e| unpack_error(e.to_string()))
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
    /// it against its config's diff_id, and notes it.
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
            let unpacked = match self.unpack_stored(&digest, &media_type) {
                Ok(unpacked) => unpacked,
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
