//! Reading a docker-archive (`docker save`, `podman save`): the images
//! `manifest.json` lists, checked and stored.
//!
//! A docker-archive carries no image manifest: its layers are members
//! (`blobs/sha256/<hex>` since Docker 25, `<hex>.tar` from podman,
//! `<id>/layer.tar` before), usually uncompressed. strata builds the
//! manifest a registry would serve for them: Docker schema2 with
//! `application/vnd.docker.image.rootfs.diff.tar` (or `.tar.gzip`) layers,
//! OCI when a layer is zstd. The config is stored byte for byte, so the
//! image ID is the one docker and podman give the image.
//!
//! A layer's blob digest is the one its path names, else (a plain tar)
//! its diff_id; a compressed layer whose path names no digest is refused.

use std::collections::BTreeMap;
use std::io::Read;

use shared::archive::{ArchiveEntry, ManifestJsonError, MemberPath, layout, parse_manifest_json};
use shared::config::ImageConfig;
use shared::manifest::{Descriptor, ImageManifest};
use shared::media_type::{Compression, MediaType};

use super::ArchiveError;
use super::intake::{Intake, LayerCheck};
use super::load::VerifiedImage;
use super::members::Members;
use crate::store::{BlobRef, ImageRecord};

/// Every image of the docker-archive in `members`, stored and checked.
pub(crate) fn read(
    members: &Members,
    intake: &mut Intake<'_>,
) -> Result<Vec<VerifiedImage>, ArchiveError> {
    let manifest_json = MemberPath::manifest_json();
    let bytes = members.read_json(&manifest_json, "the archive")?;
    let entries = parse_manifest_json(&bytes).map_err(|e| match e {
        ManifestJsonError::Path { member, problem } => {
            ArchiveError::UnsafeMember { member, problem }
        }
        other => ArchiveError::BadJson {
            member: manifest_json.clone(),
            problem: other.to_string(),
        },
    })?;
    entries
        .iter()
        .map(|entry| image(members, intake, entry))
        .collect()
}

fn image(
    members: &Members,
    intake: &mut Intake<'_>,
    entry: &ArchiveEntry,
) -> Result<VerifiedImage, ArchiveError> {
    let named_by = layout::MANIFEST_JSON;
    let config_bytes = members.read_json(&entry.config, named_by)?;
    let named = entry.config.named_digest();
    let config_digest = intake.small(
        &entry.config,
        &config_bytes,
        named.as_ref().map(|d| (d, config_bytes.len() as u64)),
    )?;
    let config = ImageConfig::from_slice(&config_bytes).map_err(|e| ArchiveError::BadJson {
        member: entry.config.clone(),
        problem: e.to_string(),
    })?;
    let diff_ids = &config.rootfs.diff_ids;
    if diff_ids.len() != entry.layers.len() {
        return Err(ArchiveError::LayerCount {
            config: config_digest,
            layers: entry.layers.len(),
            diff_ids: diff_ids.len(),
        });
    }
    let mut layers = Vec::new();
    let mut unpacked = Vec::new();
    for (layer, diff_id) in entry.layers.iter().zip(diff_ids) {
        let compression = sniff(members, layer)?;
        let named = layer.named_digest();
        let blob = match (&named, compression) {
            (Some(d), _) => d.clone(),
            (None, Compression::None) => diff_id.clone(),
            (None, _) => {
                return Err(ArchiveError::Unsupported {
                    what: format!(
                        "the compressed layer {layer}: its path names no digest (strata loads compressed layers named blobs/sha256/<hex>, as docker and strata save write them)"
                    ),
                });
            }
        };
        let check = LayerCheck {
            blob: &blob,
            blob_given: named.is_some(),
            size: None,
            compression,
            diff_id,
        };
        let checked = intake.layer(members, layer, named_by, &check)?;
        layers.push((compression, blob, checked.blob_size));
        unpacked.push(checked.unpacked);
    }
    let oci = layers.iter().any(|(c, _, _)| *c == Compression::Zstd);
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(if oci {
            MediaType::OciManifest
        } else {
            MediaType::DockerManifest
        }),
        artifact_type: None,
        config: Descriptor::new(
            if oci {
                MediaType::OciConfig
            } else {
                MediaType::DockerConfig
            },
            config_digest,
            config_bytes.len() as u64,
        ),
        layers: layers
            .into_iter()
            .map(|(c, digest, size)| Descriptor::new(layer_type(c, oci), digest, size))
            .collect(),
        subject: None,
        annotations: BTreeMap::new(),
        extra: BTreeMap::new(),
    };
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| ArchiveError::BadJson {
        member: entry.config.clone(),
        problem: format!("cannot write its manifest: {e}"),
    })?;
    let manifest_digest = intake.small(&entry.config, &manifest_bytes, None)?;
    let blob = BlobRef {
        digest: manifest_digest,
        size: manifest_bytes.len() as u64,
        media_type: manifest
            .media_type
            .clone()
            .unwrap_or(MediaType::DockerManifest),
    };
    Ok(VerifiedImage {
        record: ImageRecord::new(blob, &manifest, &config, None),
        names: entry.repo_tags.clone(),
        unpacked,
    })
}

/// The media type of a layer compressed with `compression`.
fn layer_type(compression: Compression, oci: bool) -> MediaType {
    match (compression, oci) {
        (Compression::None, false) => MediaType::DockerLayer,
        (Compression::Gzip, false) => MediaType::DockerLayerGzip,
        (Compression::None, true) => MediaType::OciLayer,
        (Compression::Gzip, true) => MediaType::OciLayerGzip,
        (Compression::Zstd, _) => MediaType::OciLayerZstd,
    }
}

/// How a layer member is compressed, from its first bytes.
fn sniff(members: &Members, layer: &MemberPath) -> Result<Compression, ArchiveError> {
    let mut opened = members.open(layer, layout::MANIFEST_JSON)?;
    let mut magic = Vec::with_capacity(4);
    (&mut opened.reader)
        .take(4)
        .read_to_end(&mut magic)
        .map_err(|e| members.read_error(e))?;
    Ok(Compression::sniff(&magic))
}
