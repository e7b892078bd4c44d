//! [`BlobReferences`] through the `blob_refs` view (images' configs,
//! manifests, layers, indexes, kept referrers lists).

use std::collections::HashSet;

use shared::digest::Digest;

use super::PostgresMetadata;
use super::db::Db;
use crate::store::StoreError;
use crate::store::metadata::{BlobReferences, BlobUse};

impl BlobReferences for PostgresMetadata {
    fn referenced(&self) -> Result<HashSet<Digest>, StoreError> {
        self.read(|db| {
            let digests = db.rows("SELECT DISTINCT digest FROM blob_refs", &[], |c| {
                c.digest(0)
            })?;
            Ok(digests.into_iter().collect())
        })
    }

    fn is_referenced(&self, digest: &Digest) -> Result<bool, StoreError> {
        self.read(|db| is_referenced(db, digest))
    }

    fn blob_uses(&self) -> Result<Vec<BlobUse>, StoreError> {
        self.read(|db| {
            db.rows(
                "SELECT id, 'config', id, config_size FROM images
                 UNION ALL SELECT image_id, 'manifest', digest, size FROM manifests
                 UNION ALL SELECT m.image_id, 'layer', l.digest, l.size
                     FROM layers l JOIN manifests m ON l.manifest_digest = m.digest
                 UNION ALL SELECT m.image_id, 'index', x.digest, x.size
                     FROM indexes x JOIN manifests m ON x.manifest_digest = m.digest",
                &[],
                |c| {
                    Ok(BlobUse {
                        image: c.image_id(0)?,
                        role: c.get(1)?,
                        digest: c.digest(2)?,
                        size: c.size(3)?,
                    })
                },
            )
        })
    }
}

pub(super) fn is_referenced(db: &mut Db<'_, '_>, digest: &Digest) -> Result<bool, StoreError> {
    db.value(
        "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE digest = $1)",
        &[&digest.to_string()],
    )
}
