//! Small whole blobs for the pull engine and the commands: a blob's size,
//! its writer, manifests and configs read and written in one piece, and
//! an image's config and manifest parsed.

use std::io::Read;

use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::manifest::{ImageManifest, Manifest};

use super::content::{ContentWriter, Ingest, Ingester, Provider, StoreWriter};
use super::record::ImageRecord;
use super::{Store, StoreError};

/// The largest blob [`Store::read_small`] reads into memory (manifests
/// and configs: the walk's largest document, [`shared::walk::MAX_CONFIG`]).
pub const SMALL_BLOB_MAX: u64 = shared::walk::MAX_CONFIG;

impl Store {
    /// The blob's size, or `None` if absent.
    pub fn blob_size(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        self.content().info(digest)
    }

    /// The writer for `digest` (see [`Ingester::writer`]; blocking).
    pub fn writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<StoreWriter>, StoreError> {
        self.content().writer(digest, expected_size)
    }

    /// A whole small blob (a manifest, a config), or `None` if absent.
    /// The bytes are the verified ones committed under that digest (`fsck`
    /// re-checks them). [`StoreError::BlobTooLarge`] past
    /// [`SMALL_BLOB_MAX`].
    pub fn read_small(&self, digest: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        let mut blob = match self.content().open(digest) {
            Ok(b) => b,
            Err(StoreError::BlobNotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        if blob.size > SMALL_BLOB_MAX {
            return Err(StoreError::BlobTooLarge {
                digest: digest.clone(),
                size: blob.size,
                max: SMALL_BLOB_MAX,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(blob.size).unwrap_or(0));
        std::io::Read::take(&mut blob.reader, SMALL_BLOB_MAX)
            .read_to_end(&mut bytes)
            .map_err(StoreError::io("reading", self.content().blob_path(digest)))?;
        Ok(Some(bytes))
    }

    /// Stores a small blob held in memory, verifying it against `digest`;
    /// returns whether it was new.
    pub fn put_small(&self, digest: &Digest, bytes: &[u8]) -> Result<bool, StoreError> {
        match self.writer(digest, Some(bytes.len() as u64))? {
            Ingest::Exists(_) => Ok(false),
            Ingest::Writer(mut writer) => {
                writer.write(bytes)?;
                writer.commit()?;
                Ok(true)
            }
        }
    }

    /// The image's config, parsed.
    pub fn image_config(&self, record: &ImageRecord) -> Result<ImageConfig, StoreError> {
        let digest = record.id.digest();
        let bytes = self
            .read_small(digest)?
            .ok_or_else(|| StoreError::BlobNotFound {
                digest: digest.clone(),
            })?;
        ImageConfig::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: self.content().blob_path(digest),
            problem: format!(
                "the config of image {} does not parse: {e}",
                record.id.short()
            ),
        })
    }

    /// The image's manifest, parsed.
    pub fn image_manifest(&self, record: &ImageRecord) -> Result<ImageManifest, StoreError> {
        let digest = &record.manifest.digest;
        let bytes = self
            .read_small(digest)?
            .ok_or_else(|| StoreError::BlobNotFound {
                digest: digest.clone(),
            })?;
        let corrupt = |problem: String| StoreError::Corrupt {
            path: self.content().blob_path(digest),
            problem,
        };
        let manifest = Manifest::from_slice(&bytes, Some(record.manifest.media_type.as_str()))
            .map_err(|e| corrupt(format!("the manifest does not parse: {e}")))?;
        manifest
            .as_image()
            .cloned()
            .ok_or_else(|| corrupt("the manifest is an index, not an image manifest".to_owned()))
    }
}
