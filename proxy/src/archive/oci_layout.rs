//! Reading an OCI image layout (a folder, or a tar of one as `podman save
//! --format oci-archive` and `docker save` write): the images `index.json`
//! lists, checked and stored.
//!
//! Each entry's manifest, config and layers are read from
//! `blobs/<alg>/<hex>` and checked against their descriptors; an entry
//! that is itself an index is resolved to the manifest for `platform`
//! (and the index is kept, as a pull keeps it). Attestation entries are
//! skipped. Entries for the same manifest (one per tag, as Docker writes
//! them) load one image with every name. Names come from the entries'
//! annotations ([`shared::archive::layout::entry_name`]).

use shared::archive::{MemberPath, layout};
use shared::config::ImageConfig;
use shared::manifest::{Descriptor, Manifest};
use shared::platform::Platform;

use super::ArchiveError;
use super::intake::{Intake, LayerCheck};
use super::load::VerifiedImage;
use super::members::Members;
use crate::store::{BlobRef, ImageRecord};

/// Every image the layout in `members` lists, stored and checked.
pub(crate) fn read(
    members: &Members,
    intake: &mut Intake<'_>,
    platform: &Platform,
) -> Result<Vec<VerifiedImage>, ArchiveError> {
    let index_json = MemberPath::index_json();
    let bytes = members.read_json(&index_json, "the archive")?;
    let bad = |problem: String| ArchiveError::BadJson {
        member: index_json.clone(),
        problem,
    };
    let index = Manifest::from_slice(&bytes, None)
        .map_err(|e| bad(e.to_string()))?
        .as_index()
        .cloned()
        .ok_or_else(|| bad("it is an image manifest, not an OCI image index".to_owned()))?;
    let mut images: Vec<(Descriptor, VerifiedImage)> = Vec::new();
    for entry in index.manifests.iter().filter(|d| !d.is_attestation()) {
        let name = layout::entry_name(entry);
        if let Some((_, image)) = images.iter_mut().find(|(d, _)| d.digest == entry.digest) {
            image.names.extend(name);
            continue;
        }
        let mut image = image(members, intake, entry, platform)?;
        image.names.extend(name);
        images.push((entry.clone(), image));
    }
    Ok(images.into_iter().map(|(_, image)| image).collect())
}

fn image(
    members: &Members,
    intake: &mut Intake<'_>,
    entry: &Descriptor,
    platform: &Platform,
) -> Result<VerifiedImage, ArchiveError> {
    let (manifest_descriptor, index) = if entry.media_type.is_index() {
        let bytes = blob_json(members, intake, entry, layout::INDEX_JSON)?;
        let nested = parse(&bytes, entry)?;
        let chosen = nested
            .as_index()
            .and_then(|i| i.manifest_for(platform).ok())
            .cloned()
            .ok_or_else(|| ArchiveError::Unsupported {
                what: format!("the index {}: it has no image for {platform}", entry.digest),
            })?;
        (chosen, Some(blob_ref(entry)))
    } else {
        (entry.clone(), None)
    };
    let named_by = format!("manifest {}", manifest_descriptor.digest);
    let bytes = blob_json(members, intake, &manifest_descriptor, layout::INDEX_JSON)?;
    let parsed = parse(&bytes, &manifest_descriptor)?;
    let manifest = parsed.as_image().ok_or_else(|| ArchiveError::Unsupported {
        what: format!(
            "{}: it is not an image manifest",
            manifest_descriptor.digest
        ),
    })?;
    let config_bytes = blob_json(members, intake, &manifest.config, &named_by)?;
    let config = ImageConfig::from_slice(&config_bytes).map_err(|e| ArchiveError::BadJson {
        member: MemberPath::blob(&manifest.config.digest),
        problem: e.to_string(),
    })?;
    let diff_ids = &config.rootfs.diff_ids;
    if diff_ids.len() != manifest.layers.len() {
        return Err(ArchiveError::LayerCount {
            config: manifest.config.digest.clone(),
            layers: manifest.layers.len(),
            diff_ids: diff_ids.len(),
        });
    }
    let mut unpacked = Vec::new();
    for (layer, diff_id) in manifest.layers.iter().zip(diff_ids) {
        let check = LayerCheck {
            blob: &layer.digest,
            blob_given: true,
            size: Some(layer.size),
            compression: layer.media_type.compression(),
            diff_id,
        };
        let member = MemberPath::blob(&layer.digest);
        unpacked.push(intake.layer(members, &member, &named_by, &check)?.unpacked);
    }
    Ok(VerifiedImage {
        record: ImageRecord::new(blob_ref(&manifest_descriptor), manifest, &config, index),
        names: Vec::new(),
        unpacked,
    })
}

/// A manifest or config blob, read whole, checked and stored.
fn blob_json(
    members: &Members,
    intake: &mut Intake<'_>,
    descriptor: &Descriptor,
    named_by: &str,
) -> Result<Vec<u8>, ArchiveError> {
    let member = MemberPath::blob(&descriptor.digest);
    let bytes = members.read_json(&member, named_by)?;
    intake.small(&member, &bytes, Some((&descriptor.digest, descriptor.size)))?;
    Ok(bytes)
}

fn parse(bytes: &[u8], descriptor: &Descriptor) -> Result<Manifest, ArchiveError> {
    Manifest::from_slice(bytes, Some(descriptor.media_type.as_str())).map_err(|e| {
        ArchiveError::BadJson {
            member: MemberPath::blob(&descriptor.digest),
            problem: e.to_string(),
        }
    })
}

fn blob_ref(descriptor: &Descriptor) -> BlobRef {
    BlobRef {
        digest: descriptor.digest.clone(),
        size: descriptor.size,
        media_type: descriptor.media_type.clone(),
    }
}
