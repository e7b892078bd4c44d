//! [`References`] through the `tags` and `repo_digests` tables.

use shared::digest::Digest;
use shared::reference::{Tag, TagOrDigest};

use super::PostgresMetadata;
use crate::store::StoreError;
use crate::store::metadata::{References, RepoName};
use crate::store::record::ImageId;

/// The images a blob (`$2`) is part of.
const HOLDERS: &str = "
    SELECT id AS image_id FROM images WHERE id = $2
    UNION SELECT image_id FROM manifests WHERE digest = $2
    UNION SELECT m.image_id FROM layers l JOIN manifests m ON m.digest = l.manifest_digest
        WHERE l.digest = $2
    UNION SELECT m.image_id FROM indexes x JOIN manifests m ON m.digest = x.manifest_digest
        WHERE x.digest = $2";

/// The images a repository (`$1`) names.
const NAMED: &str = "
    SELECT image_id FROM tags WHERE name = $1
    UNION SELECT image_id FROM repo_digests WHERE name = $1";

impl References for PostgresMetadata {
    fn named(&self, name: &RepoName, key: &TagOrDigest) -> Result<Option<ImageId>, StoreError> {
        let (sql, key) = match key {
            TagOrDigest::Tag(tag) => (
                "SELECT image_id FROM tags WHERE name = $1 AND tag = $2",
                tag.to_string(),
            ),
            TagOrDigest::Digest(digest) => (
                "SELECT image_id FROM repo_digests WHERE name = $1 AND digest = $2",
                digest.to_string(),
            ),
        };
        self.read(|db| db.row(sql, &[&name.as_str(), &key], |c| c.image_id(0)))
    }

    fn tag_target(&self, name: &RepoName, tag: &Tag) -> Result<Option<Digest>, StoreError> {
        self.read(|db| {
            db.row(
                "SELECT digest FROM tags WHERE name = $1 AND tag = $2",
                &[&name.as_str(), &tag.as_str()],
                |c| c.digest(0),
            )
        })
    }

    fn repository_has(&self, name: &RepoName, digest: &Digest) -> Result<bool, StoreError> {
        let sql =
            format!("SELECT EXISTS (SELECT 1 FROM ({HOLDERS}) h WHERE h.image_id IN ({NAMED}))");
        self.read(|db| db.value(&sql, &[&name.as_str(), &digest.to_string()]))
    }
}
