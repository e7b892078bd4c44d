//! What the store knows about one repository's content: whether an image
//! named in the repository holds a blob, and which image a tag or digest
//! of the repository names.
//!
//! A blob belongs to a repository when an image that one of the
//! repository's tags or repo digests names uses it, as config, manifest,
//! layer or index. `strata serve`'s `/v2` serves a stored blob under a
//! repository's name only then (or once the upstream confirmed it), so
//! content is never handed out under a name that does not hold it.

use rusqlite::{OptionalExtension, params};
use shared::digest::Digest;
use shared::reference::{Reference, TagOrDigest};

use super::meta::image_id_at;
use super::record::ImageId;
use super::{Store, StoreError};

/// The images a blob is part of.
const HOLDERS: &str = "
    SELECT id AS image_id FROM images WHERE id = ?2
    UNION SELECT image_id FROM manifests WHERE digest = ?2
    UNION SELECT m.image_id FROM layers l JOIN manifests m ON m.digest = l.manifest_digest
        WHERE l.digest = ?2
    UNION SELECT m.image_id FROM indexes x JOIN manifests m ON m.digest = x.manifest_digest
        WHERE x.digest = ?2";

/// The images a repository names.
const NAMED: &str = "
    SELECT image_id FROM tags WHERE name = ?1
    UNION SELECT image_id FROM repo_digests WHERE name = ?1";

impl Store {
    /// Whether an image named in `repository`'s repository (its tag or
    /// digest is ignored) uses the blob `digest`.
    pub fn repository_has(
        &self,
        repository: &Reference,
        digest: &Digest,
    ) -> Result<bool, StoreError> {
        let sql =
            format!("SELECT EXISTS (SELECT 1 FROM ({HOLDERS}) h WHERE h.image_id IN ({NAMED}))");
        self.read(|tx| {
            Ok(tx.query_row(
                &sql,
                params![repository.canonical_name(), digest.to_string()],
                |row| row.get(0),
            )?)
        })
    }

    /// The image that `repository`'s tag, or its repo digest, names.
    pub fn image_named(
        &self,
        repository: &Reference,
        name: &TagOrDigest,
    ) -> Result<Option<ImageId>, StoreError> {
        let (sql, key) = match name {
            TagOrDigest::Tag(tag) => (
                "SELECT image_id FROM tags WHERE name = ?1 AND tag = ?2",
                tag.to_string(),
            ),
            TagOrDigest::Digest(digest) => (
                "SELECT image_id FROM repo_digests WHERE name = ?1 AND digest = ?2",
                digest.to_string(),
            ),
        };
        self.read(|tx| {
            Ok(tx
                .query_row(sql, params![repository.canonical_name(), key], |row| {
                    image_id_at(row, 0)
                })
                .optional()?)
        })
    }
}
