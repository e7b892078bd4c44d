//! The records the metadata database keeps about an image, as values.

use std::collections::BTreeMap;
use std::fmt;

use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::image::ImageFacts;
use shared::manifest::ImageManifest;
use shared::media_type::MediaType;
use shared::platform::Platform;
use shared::reference::Reference;
use time::OffsetDateTime;

/// An image ID: the digest of the image's config blob (what `docker
/// images` shows, cut to 12 hex characters).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageId(Digest);

impl ImageId {
    /// The image ID of the image whose config has `config_digest`.
    pub fn new(config_digest: Digest) -> ImageId {
        ImageId(config_digest)
    }

    /// The config digest.
    pub fn digest(&self) -> &Digest {
        &self.0
    }

    /// The first 12 hex characters, as `docker images` prints them.
    pub fn short(&self) -> &str {
        self.0.short()
    }
}

impl fmt::Display for ImageId {
    /// The full form, `sha256:<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImageId({})", self.0)
    }
}

/// A blob an image refers to: its digest, size and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRef {
    /// The blob's digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// What it is.
    pub media_type: MediaType,
}

/// One layer of an image, base first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRecord {
    /// The compressed blob's digest (the manifest's layer descriptor).
    pub digest: Digest,
    /// The compressed size.
    pub size: u64,
    /// The layer's media type (says the compression).
    pub media_type: MediaType,
    /// The config's `rootfs.diff_ids` entry at the same position, if the
    /// config has one.
    pub diff_id: Option<Digest>,
    /// The uncompressed tar's size, once the layer was read
    /// ([`UnpackedLayers`](super::metadata::UnpackedLayers)); `None` in a
    /// record about to be written.
    pub unpacked_size: Option<u64>,
}

/// Everything the store records about one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRecord {
    /// The image ID (config digest).
    pub id: ImageId,
    /// The config blob's size.
    pub config_size: u64,
    /// The image manifest.
    pub manifest: BlobRef,
    /// The index the manifest was chosen from, when the pull went through
    /// one.
    pub index: Option<BlobRef>,
    /// The layers, base first.
    pub layers: Vec<LayerRecord>,
    /// When the image was built, if its config says.
    pub created: Option<OffsetDateTime>,
    /// Compressed layers plus config, in bytes (the blobs' size; Docker's
    /// SIZE is the unpacked size, [`ImageRow::unpacked_size`]).
    pub size: u64,
    /// The config's OS, architecture and variant.
    pub platform: Platform,
    /// The config's labels (for `--filter label=`).
    pub labels: BTreeMap<String, String>,
}

impl ImageRecord {
    /// The record of the image a parsed `manifest` (stored as the blob
    /// `manifest_blob`) and its parsed `config` describe; `index` is the
    /// index it was chosen from, if any.
    pub fn new(
        manifest_blob: BlobRef,
        manifest: &ImageManifest,
        config: &ImageConfig,
        index: Option<BlobRef>,
    ) -> ImageRecord {
        let facts = ImageFacts::new(manifest, config);
        let layers = manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| LayerRecord {
                digest: l.digest.clone(),
                size: l.size,
                media_type: l.media_type.clone(),
                diff_id: config.rootfs.diff_ids.get(i).cloned(),
                unpacked_size: None,
            })
            .collect();
        ImageRecord {
            id: ImageId::new(facts.id),
            config_size: manifest.config.size,
            manifest: manifest_blob,
            index,
            layers,
            created: facts.created,
            size: facts.size,
            platform: facts.platform,
            labels: config
                .config
                .as_ref()
                .map(|c| c.labels.clone())
                .unwrap_or_default(),
        }
    }

    /// Each layer's unpacked size, base first, where known.
    pub fn unpacked_sizes(&self) -> Vec<Option<u64>> {
        self.layers.iter().map(|l| l.unpacked_size).collect()
    }

    /// The layers' unpacked sizes added up (Docker's SIZE), once every
    /// layer's is known.
    pub fn unpacked_size(&self) -> Option<u64> {
        self.layers
            .iter()
            .try_fold(0u64, |sum, l| Some(sum.saturating_add(l.unpacked_size?)))
    }

    /// Every blob the image needs, with what it is to the image: config,
    /// manifest, layers, and the index if any.
    pub fn blobs(&self) -> Vec<(&'static str, &Digest, u64)> {
        let mut out = vec![
            ("config", self.id.digest(), self.config_size),
            ("manifest", &self.manifest.digest, self.manifest.size),
        ];
        out.extend(self.layers.iter().map(|l| ("layer", &l.digest, l.size)));
        if let Some(index) = &self.index {
            out.push(("index", &index.digest, index.size));
        }
        out
    }
}

/// One image as `images` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRow {
    /// The image ID.
    pub id: ImageId,
    /// The manifest the image was recorded with first.
    pub manifest_digest: Digest,
    /// `name:tag` references, sorted (canonical; use
    /// [`Reference::familiar`] to print).
    pub repo_tags: Vec<Reference>,
    /// `name@digest` references, sorted.
    pub repo_digests: Vec<Reference>,
    /// When the image was built.
    pub created: Option<OffsetDateTime>,
    /// Compressed layers plus config, in bytes (the blobs' size).
    pub size: u64,
    /// The layers' unpacked sizes added up (Docker's SIZE), once every
    /// layer's is known.
    pub unpacked_size: Option<u64>,
    /// OS, architecture and variant.
    pub platform: Platform,
    /// The config's labels.
    pub labels: BTreeMap<String, String>,
    /// The names of the pins that hold the image, sorted.
    pub pins: Vec<String>,
    /// No tag names the image (`<none>:<none>` in `images`). It may still
    /// have repo digests, as in Docker after a tag moved.
    pub dangling: bool,
    /// When it was last pulled, by `strata pull`, the API or through `/v2`
    /// (to the minute for repeated pulls); `None` if unknown.
    pub last_pulled: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::manifest::Manifest;

    const MANIFEST: &str = r#"{
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "size": 100},
      "layers": [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
         "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222", "size": 1000},
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
         "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333", "size": 20}
      ]
    }"#;
    const CONFIG: &str = r#"{
      "created": "2024-01-02T03:04:05Z", "architecture": "arm64", "os": "linux", "variant": "v8",
      "config": {"Labels": {"a": "b"}},
      "rootfs": {"type": "layers", "diff_ids": [
        "sha256:4444444444444444444444444444444444444444444444444444444444444444",
        "sha256:5555555555555555555555555555555555555555555555555555555555555555"]}
    }"#;

    #[test]
    fn record_from_manifest_and_config() {
        let parsed = Manifest::from_slice(MANIFEST.as_bytes(), None).expect("manifest");
        let manifest = parsed.as_image().expect("image manifest");
        let config = ImageConfig::from_slice(CONFIG.as_bytes()).expect("config");
        let blob = BlobRef {
            digest: Digest::sha256_of(MANIFEST.as_bytes()),
            size: MANIFEST.len() as u64,
            media_type: MediaType::OciManifest,
        };
        let record = ImageRecord::new(blob.clone(), manifest, &config, None);
        assert_eq!(record.id.digest(), &manifest.config.digest);
        assert_eq!(record.id.short(), "111111111111");
        assert_eq!(record.size, 1120);
        assert_eq!(record.config_size, 100);
        assert_eq!(record.manifest, blob);
        assert_eq!(record.platform.to_string(), "linux/arm64/v8");
        assert_eq!(record.labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(record.layers.len(), 2);
        assert_eq!(
            record.layers[1].diff_id.as_ref().map(|d| &d.encoded()[..4]),
            Some("5555")
        );
        let roles: Vec<&str> = record.blobs().iter().map(|b| b.0).collect();
        assert_eq!(roles, ["config", "manifest", "layer", "layer"]);
    }
}
