//! [`load`]: every image of an archive into the store, all or nothing.
//!
//! Under one lease, each image's config, manifest and layers are streamed
//! into the store and checked (digests, sizes, diff_ids; see
//! `intake.rs`). Only once every image passed are they recorded, with
//! their names. A load that fails deletes the blobs it wrote that nothing
//! else references or holds, and records nothing.
//!
//! The format is told by the members: `manifest.json` is a docker-archive
//! (read even when an OCI layout is inside too, as Docker 25+ writes
//! both), else `index.json` is an OCI layout.

use shared::archive::MemberPath;
use shared::platform::Platform;
use shared::reference::{Reference, Tag};

use super::intake::{Intake, UnpackedLayer};
use super::members::Members;
use super::{ArchiveError, docker_archive, oci_layout};
use crate::store::{ImageId, ImageRecord, Store};

/// How long a load's lease lasts at most, should its process hang.
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// An image read from an archive whose blobs are stored and checked, not
/// yet recorded.
#[derive(Debug)]
pub(crate) struct VerifiedImage {
    /// What the store records.
    pub(crate) record: ImageRecord,
    /// The names to give it (none: loaded by ID).
    pub(crate) names: Vec<Reference>,
    /// Each layer's blob, diff_id and uncompressed size, checked.
    pub(crate) unpacked: Vec<UnpackedLayer>,
}

/// One image a load recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The image ID.
    pub id: ImageId,
    /// The names it was given (canonical), in archive order.
    pub names: Vec<Reference>,
    /// Each layer's blob, diff_id and uncompressed size.
    pub unpacked: Vec<UnpackedLayer>,
}

/// Loads every image of the archive in `members` into `store`; an index
/// entry is resolved to `platform`'s image.
pub fn load(
    store: &Store,
    members: &Members,
    platform: &Platform,
) -> Result<Vec<Loaded>, ArchiveError> {
    let lease = store.lease("a load of an image archive", LEASE_TTL)?;
    let mut intake = Intake::new(store, &lease);
    let result = read(members, &mut intake, platform).and_then(|images| record(store, images));
    let written = intake.into_written();
    drop(lease);
    if result.is_err()
        && let Err(e) = store.delete_unreferenced(&written)
    {
        tracing::warn!("cleaning up after a failed load: {e}");
    }
    result
}

fn read(
    members: &Members,
    intake: &mut Intake<'_>,
    platform: &Platform,
) -> Result<Vec<VerifiedImage>, ArchiveError> {
    if members.contains(&MemberPath::manifest_json())? {
        docker_archive::read(members, intake)
    } else if members.contains(&MemberPath::index_json())? {
        oci_layout::read(members, intake, platform)
    } else {
        Err(ArchiveError::NotAnArchive)
    }
}

/// Records every checked image with its names.
fn record(store: &Store, images: Vec<VerifiedImage>) -> Result<Vec<Loaded>, ArchiveError> {
    let mut loaded = Vec::new();
    for image in images {
        if image.names.is_empty() {
            store.record_image(&image.record, None, None)?;
        }
        for name in &image.names {
            let tag = name.tag().cloned().unwrap_or_else(Tag::latest);
            store.record_image(&image.record, Some((name, &tag)), None)?;
        }
        // What the layers unpack to, checked on the way in: `images` and
        // `history` show these sizes.
        store.note_unpacked(&image.unpacked)?;
        let unpacked = image.unpacked;
        loaded.push(Loaded {
            id: image.record.id.clone(),
            names: image.names,
            unpacked,
        });
    }
    Ok(loaded)
}
