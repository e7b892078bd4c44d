//! What a walk gives back: each document as the exact bytes received, and
//! the verified image they make.

use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageIndex, ImageManifest};
use crate::media_type::MediaType;
use crate::platform::Platform;

/// A document exactly as received, and its verified digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Its digest (checked against the bytes).
    pub digest: Digest,
    /// Its media type: the document's own for manifests, the descriptor's
    /// for the config.
    pub media_type: MediaType,
    /// The bytes (digests are always taken over these, never over a
    /// re-serialisation).
    pub bytes: Vec<u8>,
}

impl Document {
    /// A descriptor that points at this document.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(
            self.media_type.clone(),
            self.digest.clone(),
            self.bytes.len() as u64,
        )
    }
}

/// An image whose every document was checked: the index if the reference
/// named one, the chosen (or only) manifest, and its config, with one
/// layer per `rootfs.diff_ids` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedImage {
    /// The index, when the reference named one.
    pub index: Option<(Document, ImageIndex)>,
    /// The image manifest.
    pub manifest_doc: Document,
    /// The manifest, parsed.
    pub manifest: ImageManifest,
    /// The config blob.
    pub config_doc: Document,
    /// The config, parsed.
    pub config: ImageConfig,
    /// Set when the user named a platform the single-platform image does
    /// not run on (Docker warns and pulls).
    pub platform_warning: Option<PlatformWarning>,
}

impl VerifiedImage {
    /// The document the reference named: the index, or the manifest.
    pub fn top(&self) -> &Document {
        self.index
            .as_ref()
            .map_or(&self.manifest_doc, |(doc, _)| doc)
    }

    /// The digest the reference resolved to (the index's, for a
    /// multi-platform image): the repo digest Docker records.
    pub fn digest(&self) -> &Digest {
        &self.top().digest
    }

    /// The image ID: the config's digest.
    pub fn id(&self) -> &Digest {
        &self.config_doc.digest
    }

    /// Each layer's descriptor with its uncompressed digest
    /// (`rootfs.diff_ids[i]`), bottom first.
    pub fn layers(&self) -> impl Iterator<Item = (&Descriptor, &Digest)> {
        self.manifest
            .layers
            .iter()
            .zip(self.config.rootfs.diff_ids.iter())
    }
}

/// A named platform that a single-platform image does not run on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformWarning {
    /// The platform the user named.
    pub wanted: Platform,
    /// The image's own (from its config).
    pub actual: Platform,
}
