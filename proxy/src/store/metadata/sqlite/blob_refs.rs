//! [`BlobReferences`] through the `blob_refs` view (images' configs,
//! manifests, layers, indexes).

use std::collections::HashSet;

use rusqlite::Connection;
use shared::digest::Digest;

use super::SqliteMetadata;
use super::columns::{digest_at, image_id_at};
use crate::store::StoreError;
use crate::store::metadata::{BlobReferences, BlobUse};

impl BlobReferences for SqliteMetadata {
    fn referenced(&self) -> Result<HashSet<Digest>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT DISTINCT digest FROM blob_refs")?;
            let digests = stmt
                .query_map([], |row| digest_at(row, 0))?
                .collect::<Result<HashSet<_>, _>>()?;
            Ok(digests)
        })
    }

    fn is_referenced(&self, digest: &Digest) -> Result<bool, StoreError> {
        is_referenced(&self.conn(), digest)
    }

    fn blob_uses(&self) -> Result<Vec<BlobUse>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT id, 'config', id, config_size FROM images
                 UNION ALL SELECT image_id, 'manifest', digest, size FROM manifests
                 UNION ALL SELECT m.image_id, 'layer', l.digest, l.size
                     FROM layers l JOIN manifests m ON l.manifest_digest = m.digest
                 UNION ALL SELECT m.image_id, 'index', x.digest, x.size
                     FROM indexes x JOIN manifests m ON x.manifest_digest = m.digest",
            )?;
            let uses = stmt
                .query_map([], |row| {
                    Ok(BlobUse {
                        image: image_id_at(row, 0)?,
                        role: row.get(1)?,
                        digest: digest_at(row, 2)?,
                        size: row.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(uses)
        })
    }
}

pub(super) fn is_referenced(db: &Connection, digest: &Digest) -> Result<bool, StoreError> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?1)",
        [digest.to_string()],
        |row| row.get(0),
    )?)
}
