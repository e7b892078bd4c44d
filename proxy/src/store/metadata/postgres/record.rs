//! Recording an image with its tag and repo digest, and tagging one: the
//! writes of [`ImageRecords`](crate::store::metadata::ImageRecords), as
//! [`RecordSteps`] in PostgreSQL (what to change is decided in
//! `metadata/recording.rs`, for every backend).

use shared::digest::Digest;
use shared::reference::Tag;

use super::columns::{format_time, size_column, time_nanos};
use super::db::Db;
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::RepoName;
use crate::store::metadata::recording::RecordSteps;
use crate::store::record::{ImageId, ImageRecord};

impl RecordSteps for Db<'_, '_> {
    fn image_exists(&mut self, id: &ImageId) -> Result<bool, StoreError> {
        image_exists(self, id)
    }

    fn image_manifest(&mut self, id: &ImageId) -> Result<Option<Digest>, StoreError> {
        self.row(
            "SELECT manifest_digest FROM images WHERE id = $1",
            &[&id.to_string()],
            |c| c.digest(0),
        )
    }

    fn insert_image(&mut self, record: &ImageRecord, now: &str) -> Result<(), StoreError> {
        insert_image(self, record, now)
    }

    fn insert_manifest(&mut self, record: &ImageRecord) -> Result<(), StoreError> {
        insert_manifest(self, record)
    }

    fn tag_row(
        &mut self,
        name: &RepoName,
        tag: &Tag,
    ) -> Result<Option<(ImageId, String)>, StoreError> {
        self.row(
            "SELECT image_id, digest FROM tags WHERE name = $1 AND tag = $2",
            &[&name.as_str(), &tag.as_str()],
            |c| Ok((c.image_id(0)?, c.get(1)?)),
        )
    }

    fn set_tag_row(
        &mut self,
        name: &RepoName,
        tag: &Tag,
        id: &ImageId,
        digest: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO tags (name, tag, image_id, digest, updated) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name, tag) DO UPDATE SET
                 image_id = excluded.image_id, digest = excluded.digest, updated = excluded.updated",
            &[&name.as_str(), &tag.as_str(), &id.to_string(), &digest, &now],
        )?;
        Ok(())
    }

    fn repo_digest_owner(
        &mut self,
        name: &RepoName,
        digest: &str,
    ) -> Result<Option<String>, StoreError> {
        self.row(
            "SELECT image_id FROM repo_digests WHERE name = $1 AND digest = $2",
            &[&name.as_str(), &digest],
            |c| c.get(0),
        )
    }

    fn set_repo_digest(
        &mut self,
        name: &RepoName,
        digest: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO repo_digests (name, digest, image_id) VALUES ($1, $2, $3)
             ON CONFLICT (name, digest) DO UPDATE SET image_id = excluded.image_id",
            &[&name.as_str(), &digest, &id],
        )?;
        Ok(())
    }

    fn delete_repo_digest(
        &mut self,
        name: &RepoName,
        id: &ImageId,
        digest: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM repo_digests WHERE name = $1 AND image_id = $2 AND digest = $3",
            &[&name.as_str(), &id.to_string(), &digest],
        )?;
        Ok(())
    }

    fn tag_count(&mut self, id: &ImageId) -> Result<u64, StoreError> {
        let count: i64 = self.value(
            "SELECT COUNT(*) FROM tags WHERE image_id = $1",
            &[&id.to_string()],
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

fn insert_image(db: &mut Db<'_, '_>, record: &ImageRecord, now: &str) -> Result<(), StoreError> {
    let labels = serde_json::to_string(&record.labels).unwrap_or_else(|_| "{}".to_owned());
    db.execute(
        "INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size,
             os, architecture, variant, labels, recorded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &record.id.to_string(),
            &size_column(record.config_size),
            &record.manifest.digest.to_string(),
            &record.created.map(format_time),
            &record.created.map(time_nanos),
            &size_column(record.size),
            &record.platform.os,
            &record.platform.architecture,
            &record.platform.variant,
            &labels,
            &now,
        ],
    )?;
    Ok(())
}

fn insert_manifest(db: &mut Db<'_, '_>, record: &ImageRecord) -> Result<(), StoreError> {
    let manifest = &record.manifest;
    let manifest_digest = manifest.digest.to_string();
    let added = db.execute(
        "INSERT INTO manifests (digest, image_id, size, media_type) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[
            &manifest_digest,
            &record.id.to_string(),
            &size_column(manifest.size),
            &manifest.media_type.as_str(),
        ],
    )?;
    if added == 1 {
        for (position, layer) in record.layers.iter().enumerate() {
            db.execute(
                "INSERT INTO layers (manifest_digest, pos, digest, size, media_type, diff_id)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &manifest_digest,
                    &i64::try_from(position).unwrap_or(i64::MAX),
                    &layer.digest.to_string(),
                    &size_column(layer.size),
                    &layer.media_type.as_str(),
                    &layer.diff_id.as_ref().map(Digest::to_string),
                ],
            )?;
        }
    }
    if let Some(index) = &record.index {
        db.execute(
            "INSERT INTO indexes (digest, manifest_digest, size, media_type) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[
                &index.digest.to_string(),
                &manifest_digest,
                &size_column(index.size),
                &index.media_type.as_str(),
            ],
        )?;
    }
    Ok(())
}
