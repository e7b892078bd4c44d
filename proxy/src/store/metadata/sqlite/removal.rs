//! [`ImageRecords::remove`](crate::store::metadata::ImageRecords::remove):
//! the image's state, the store's decision, and the change, in one write
//! transaction.

use rusqlite::{Connection, params};
use shared::digest::Digest;

use super::blob_refs::is_referenced;
use super::columns::{digest_at, repo_digest_at, tag_at};
use super::leases::leases_where;
use super::load::load_record;
use super::pins::pin_names;
use crate::store::StoreError;
use crate::store::metadata::{ImageState, Named, Removal};
use crate::store::record::ImageId;

/// See [`ImageRecords::remove`](crate::store::metadata::ImageRecords::remove);
/// `db` is in a write transaction.
pub(super) fn remove(
    db: &Connection,
    id: &ImageId,
    decide: &mut (dyn FnMut(&ImageState) -> Result<Removal, StoreError> + Send),
) -> Result<Option<Vec<Digest>>, StoreError> {
    let Some(record) = load_record(db, id)? else {
        return Ok(None);
    };
    let state = ImageState {
        record,
        references: references(db, id)?,
        pins: pin_names(db, id)?,
        leases: leases_where(
            db,
            "WHERE l.id IN (SELECT r.lease_id FROM lease_resources r WHERE r.digest = ?1
                OR r.digest IN (SELECT digest FROM manifests WHERE image_id = ?1)
                OR r.digest IN (SELECT x.digest FROM indexes x
                    JOIN manifests m ON x.manifest_digest = m.digest WHERE m.image_id = ?1))",
            &[&id.to_string()],
        )?,
    };
    let removal = decide(&state)?;
    for named in &removal.untag {
        remove_reference(db, id, named)?;
    }
    if !removal.delete_image {
        return Ok(Some(Vec::new()));
    }
    let blobs = image_blobs(db, id)?;
    // Everything naming the image goes with it (foreign keys cascade).
    db.execute("DELETE FROM images WHERE id = ?1", [id.to_string()])?;
    let mut orphans = Vec::new();
    for digest in blobs {
        if !orphans.contains(&digest) && !is_referenced(db, &digest)? {
            orphans.push(digest);
        }
    }
    // What a layer unpacks to is kept while some image uses the layer.
    for digest in &orphans {
        db.execute(
            "DELETE FROM unpacked_layers WHERE digest = ?1",
            [digest.to_string()],
        )?;
    }
    Ok(Some(orphans))
}

/// The image's tags and repo digests.
fn references(db: &Connection, id: &ImageId) -> Result<Vec<Named>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = db.prepare("SELECT name, tag FROM tags WHERE image_id = ?1")?;
    for r in stmt.query_map([id.to_string()], |row| tag_at(row, 0))? {
        out.push(r?);
    }
    let mut stmt = db.prepare("SELECT name, digest FROM repo_digests WHERE image_id = ?1")?;
    for r in stmt.query_map([id.to_string()], |row| repo_digest_at(row, 0))? {
        out.push(r?);
    }
    Ok(out)
}

/// Removes `named` if it names image `id`.
fn remove_reference(db: &Connection, id: &ImageId, named: &Named) -> Result<(), StoreError> {
    match named {
        Named::Tag { name, tag } => db.execute(
            "DELETE FROM tags WHERE name = ?1 AND tag = ?2 AND image_id = ?3",
            params![name.as_str(), tag.as_str(), id.to_string()],
        )?,
        Named::Digest { name, digest } => db.execute(
            "DELETE FROM repo_digests WHERE name = ?1 AND digest = ?2 AND image_id = ?3",
            params![name.as_str(), digest.to_string(), id.to_string()],
        )?,
    };
    Ok(())
}

/// Every blob the image's rows reference (config, manifests, layers,
/// indexes).
fn image_blobs(db: &Connection, id: &ImageId) -> Result<Vec<Digest>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT id FROM images WHERE id = ?1
         UNION SELECT digest FROM manifests WHERE image_id = ?1
         UNION SELECT l.digest FROM layers l JOIN manifests m ON l.manifest_digest = m.digest
               WHERE m.image_id = ?1
         UNION SELECT x.digest FROM indexes x JOIN manifests m ON x.manifest_digest = m.digest
               WHERE m.image_id = ?1",
    )?;
    let blobs = stmt
        .query_map([id.to_string()], |row| digest_at(row, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(blobs)
}
