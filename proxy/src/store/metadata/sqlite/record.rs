//! Recording an image with its tag and repo digest, and tagging one: the
//! writes of [`ImageRecords`](crate::store::metadata::ImageRecords), as
//! [`RecordSteps`] in SQLite (what to change is decided in
//! `metadata/recording.rs`, for every backend).

use rusqlite::{Connection, OptionalExtension, params};
use shared::digest::Digest;
use shared::reference::Tag;

use super::columns::{format_time, image_id_at, time_nanos};
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::RepoName;
use crate::store::metadata::recording::RecordSteps;
use crate::store::record::{ImageId, ImageRecord};

impl RecordSteps for &Connection {
    fn image_exists(&mut self, id: &ImageId) -> Result<bool, StoreError> {
        image_exists(self, id)
    }

    fn image_manifest(&mut self, id: &ImageId) -> Result<Option<Digest>, StoreError> {
        let manifest: Option<String> = self
            .query_row(
                "SELECT manifest_digest FROM images WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        manifest
            .map(|m| {
                m.parse().map_err(|e| StoreError::Corrupt {
                    path: self.path().unwrap_or_default().into(),
                    problem: format!("image {id} has an invalid manifest digest: {e}"),
                })
            })
            .transpose()
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
        Ok(self
            .query_row(
                "SELECT image_id, digest FROM tags WHERE name = ?1 AND tag = ?2",
                params![name.as_str(), tag.as_str()],
                |row| Ok((image_id_at(row, 0)?, row.get(1)?)),
            )
            .optional()?)
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
            "INSERT INTO tags (name, tag, image_id, digest, updated) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name, tag) DO UPDATE SET
                 image_id = excluded.image_id, digest = excluded.digest, updated = excluded.updated",
            params![name.as_str(), tag.as_str(), id.to_string(), digest, now],
        )?;
        Ok(())
    }

    fn repo_digest_owner(
        &mut self,
        name: &RepoName,
        digest: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .query_row(
                "SELECT image_id FROM repo_digests WHERE name = ?1 AND digest = ?2",
                params![name.as_str(), digest],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn set_repo_digest(
        &mut self,
        name: &RepoName,
        digest: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO repo_digests (name, digest, image_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (name, digest) DO UPDATE SET image_id = excluded.image_id",
            params![name.as_str(), digest, id],
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
            "DELETE FROM repo_digests WHERE name = ?1 AND image_id = ?2 AND digest = ?3",
            params![name.as_str(), id.to_string(), digest],
        )?;
        Ok(())
    }

    fn tag_count(&mut self, id: &ImageId) -> Result<u64, StoreError> {
        Ok(self.query_row(
            "SELECT COUNT(*) FROM tags WHERE image_id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )?)
    }
}

fn insert_image(db: &Connection, record: &ImageRecord, now: &str) -> Result<(), StoreError> {
    let labels = serde_json::to_string(&record.labels).unwrap_or_else(|_| "{}".to_owned());
    db.execute(
        "INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size,
             os, architecture, variant, labels, recorded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            record.id.to_string(),
            record.config_size,
            record.manifest.digest.to_string(),
            record.created.map(format_time),
            record.created.map(time_nanos),
            record.size,
            record.platform.os,
            record.platform.architecture,
            record.platform.variant,
            labels,
            now,
        ],
    )?;
    Ok(())
}

fn insert_manifest(db: &Connection, record: &ImageRecord) -> Result<(), StoreError> {
    let manifest = &record.manifest;
    let added = db.execute(
        "INSERT OR IGNORE INTO manifests (digest, image_id, size, media_type) VALUES (?1, ?2, ?3, ?4)",
        params![
            manifest.digest.to_string(),
            record.id.to_string(),
            manifest.size,
            manifest.media_type.as_str()
        ],
    )?;
    if added == 1 {
        let mut stmt = db.prepare(
            "INSERT INTO layers (manifest_digest, position, digest, size, media_type, diff_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (position, layer) in record.layers.iter().enumerate() {
            stmt.execute(params![
                manifest.digest.to_string(),
                position as i64,
                layer.digest.to_string(),
                layer.size,
                layer.media_type.as_str(),
                layer.diff_id.as_ref().map(Digest::to_string),
            ])?;
        }
    }
    if let Some(index) = &record.index {
        db.execute(
            "INSERT OR IGNORE INTO indexes (digest, manifest_digest, size, media_type) VALUES (?1, ?2, ?3, ?4)",
            params![
                index.digest.to_string(),
                manifest.digest.to_string(),
                index.size,
                index.media_type.as_str()
            ],
        )?;
    }
    Ok(())
}
