//! The schema, versioned with `PRAGMA user_version`.
//!
//! | table | one row per | key |
//! | --- | --- | --- |
//! | `images` | image (ID = config digest), with its last pull time (version 3) | `id` |
//! | `manifests` | image manifest recorded for an image | `digest` |
//! | `layers` | layer of a manifest, base first | `manifest_digest, position` |
//! | `indexes` | index a manifest was chosen from | `digest, manifest_digest` |
//! | `tags` | `name:tag` → image, and the digest the tag resolved to | `name, tag` |
//! | `repo_digests` | `name@digest` → image | `name, digest` |
//! | `pins` | pin of an image by a named user | `image_id, by` |
//! | `leases` | operation in flight | `id` |
//! | `lease_resources` | digest a lease holds | `lease_id, digest` |
//! | `waiting` | image manifest `/v2` served, waiting for its blobs (version 2) | `name, manifest_digest` |
//! | `referrer_lists` | the referrers list `/v2` last saw for a manifest (version 4) | `name, subject` |
//! | `unpacked_layers` | what a layer blob unpacks to: diff_id and tar size (version 5) | `digest` |
//!
//! Names are canonical repository names (`docker.io/library/redis`).
//! Deleting an image cascades to everything that names it. A blob's
//! reference count is its number of rows in the `blob_refs` view (images'
//! configs, manifests, layers, indexes, and, from version 4, kept
//! referrers lists).

use rusqlite::{Connection, Transaction, TransactionBehavior};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::store::StoreError;

const VERSION: i64 = 5;

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY NOT NULL,
    config_size INTEGER NOT NULL,
    manifest_digest TEXT NOT NULL,
    created TEXT,
    created_ns INTEGER,
    size INTEGER NOT NULL,
    os TEXT NOT NULL,
    architecture TEXT NOT NULL,
    variant TEXT,
    labels TEXT NOT NULL,
    recorded TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS images_created ON images(created_ns);

CREATE TABLE IF NOT EXISTS manifests (
    digest TEXT PRIMARY KEY NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS manifests_image ON manifests(image_id);

CREATE TABLE IF NOT EXISTS layers (
    manifest_digest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    diff_id TEXT,
    PRIMARY KEY (manifest_digest, position)
);
CREATE INDEX IF NOT EXISTS layers_digest ON layers(digest);

CREATE TABLE IF NOT EXISTS indexes (
    digest TEXT NOT NULL,
    manifest_digest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    PRIMARY KEY (digest, manifest_digest)
);
CREATE INDEX IF NOT EXISTS indexes_manifest ON indexes(manifest_digest);

CREATE TABLE IF NOT EXISTS tags (
    name TEXT NOT NULL,
    tag TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (name, tag)
);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);

CREATE TABLE IF NOT EXISTS repo_digests (
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (name, digest)
);
CREATE INDEX IF NOT EXISTS repo_digests_image ON repo_digests(image_id);

CREATE TABLE IF NOT EXISTS pins (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    by TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (image_id, by)
);

CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS lease_resources (
    lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    PRIMARY KEY (lease_id, digest)
);
CREATE INDEX IF NOT EXISTS lease_resources_digest ON lease_resources(digest);

CREATE TABLE IF NOT EXISTS waiting (
    name TEXT NOT NULL,
    manifest_digest TEXT NOT NULL,
    manifest_size INTEGER NOT NULL,
    manifest_media_type TEXT NOT NULL,
    tag TEXT,
    index_digest TEXT,
    index_size INTEGER,
    index_media_type TEXT,
    since TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (name, manifest_digest)
);

CREATE VIEW IF NOT EXISTS blob_refs(digest) AS
    SELECT id FROM images
    UNION ALL SELECT digest FROM manifests
    UNION ALL SELECT digest FROM layers
    UNION ALL SELECT digest FROM indexes;
";

/// Version 3: `images.last_pulled` (RFC 3339) and `last_pulled_ns` (for
/// ordering), when the image was last pulled ([`super::pulls`]). An image
/// recorded before gets the time it was recorded.
fn add_last_pulled(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "ALTER TABLE images ADD COLUMN last_pulled TEXT;
         ALTER TABLE images ADD COLUMN last_pulled_ns INTEGER;",
    )?;
    let recorded: Vec<(String, String)> = tx
        .prepare("SELECT id, recorded FROM images")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, recorded) in recorded {
        // A time this strata did not write stays unknown (least recent).
        let Ok(at) = OffsetDateTime::parse(&recorded, &Rfc3339) else {
            continue;
        };
        super::pulls::set_last_pulled(tx, &id, at)?;
    }
    Ok(())
}

/// Version 4: `referrer_lists` ([`super::referrer_lists`]), which the
/// `blob_refs` view now counts.
const REFERRER_LISTS: &str = "
CREATE TABLE IF NOT EXISTS referrer_lists (
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    list_digest TEXT NOT NULL,
    list_size INTEGER NOT NULL,
    list_media_type TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (name, subject)
);
CREATE INDEX IF NOT EXISTS referrer_lists_digest ON referrer_lists(list_digest);
DROP VIEW IF EXISTS blob_refs;
CREATE VIEW blob_refs(digest) AS
    SELECT id FROM images
    UNION ALL SELECT digest FROM manifests
    UNION ALL SELECT digest FROM layers
    UNION ALL SELECT digest FROM indexes
    UNION ALL SELECT list_digest FROM referrer_lists;
";

/// Version 5: `unpacked_layers` ([`super::unpacked`]). Not a reference:
/// a fact about bytes, forgotten when no layer row names them.
const UNPACKED_LAYERS: &str = "
CREATE TABLE IF NOT EXISTS unpacked_layers (
    digest TEXT PRIMARY KEY NOT NULL,
    diff_id TEXT NOT NULL,
    size INTEGER NOT NULL
);
";

/// Brings the schema to [`VERSION`]; safe when several processes open a
/// new store at once (the check and the change share one write
/// transaction).
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > VERSION {
        return Err(StoreError::Corrupt {
            path: tx.path().unwrap_or_default().into(),
            problem: format!(
                "the database has schema version {version}, newer than this strata understands ({VERSION}); upgrade strata"
            ),
        });
    }
    if version < 2 {
        // Every statement is `IF NOT EXISTS`: a version-1 store gains the
        // `waiting` table, and a new one gets everything.
        tx.execute_batch(SCHEMA_V1)?;
    }
    if version < 3 {
        add_last_pulled(&tx)?;
    }
    if version < 4 {
        tx.execute_batch(REFERRER_LISTS)?;
    }
    if version < 5 {
        tx.execute_batch(UNPACKED_LAYERS)?;
    }
    if version < VERSION {
        tx.pragma_update(None, "user_version", VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_stores_gain_last_pull_times_from_record_times() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut conn = Connection::open(dir.path().join("meta.db")).expect("open");
        conn.execute_batch(SCHEMA_V1).expect("v2 schema");
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
        for (id, recorded) in [
            ("sha256:aa", "2024-04-10T19:52:11.471623187Z"),
            ("sha256:bb", "not a time"),
        ] {
            conn.execute(
                "INSERT INTO images (id, config_size, manifest_digest, size, os, architecture, labels, recorded)
                 VALUES (?1, 1, 'sha256:m', 1, 'linux', 'amd64', '{}', ?2)",
                [id, recorded],
            )
            .expect("insert");
        }
        migrate(&mut conn).expect("migrate");
        migrate(&mut conn).expect("migrate again changes nothing");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version");
        assert_eq!(version, VERSION);
        let rows: Vec<(String, Option<String>, Option<i64>)> = conn
            .prepare("SELECT id, last_pulled, last_pulled_ns FROM images ORDER BY id")
            .expect("prepare")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            [
                (
                    "sha256:aa".to_owned(),
                    Some("2024-04-10T19:52:11.471623187Z".to_owned()),
                    Some(1_712_778_731_471_623_187)
                ),
                ("sha256:bb".to_owned(), None, None),
            ]
        );
    }
}
