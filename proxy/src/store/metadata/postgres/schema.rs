//! The schema, versioned in the `schema_version` table (one row per
//! migration applied), upgraded when a process opens the database.
//!
//! The tables are SQLite's (see `sqlite/schema.rs`) at its version 5, with
//! two renames (`pins.pinned_by`, `layers.pos`: `by` and `position` are SQL
//! keywords), plus `generation`, one row that every write transaction
//! bumps. Every text column sorts and compares by bytes (`COLLATE "C"`), as
//! SQLite's do, whatever the database's locale. Sizes and times are
//! `BIGINT` (times also as RFC 3339 text, as SQLite keeps them).
//!
//! Migrations run in one transaction under a transaction-scoped advisory
//! lock, so several processes starting at once apply each one once. A
//! database whose version is newer than [`VERSION`] is refused: it was
//! made by a newer strata, whose tables this one would misread.

use postgres::Client;
use time::OffsetDateTime;

use super::columns::format_time;
use super::db::Db;
use crate::store::StoreError;

/// The schema version this strata writes.
pub const VERSION: i64 = 3;

/// The advisory lock key migrations hold (`strata` in ASCII).
const MIGRATION_LOCK: i64 = 0x7374_7261_7461;

/// The highest version applied (0 for an empty database).
const VERSION_SELECT: &str = "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version";

/// Version 1: everything SQLite's version 5 has.
const SCHEMA_V1: &str = r#"
CREATE TABLE images (
    id TEXT COLLATE "C" PRIMARY KEY,
    config_size BIGINT NOT NULL,
    manifest_digest TEXT COLLATE "C" NOT NULL,
    created TEXT COLLATE "C",
    created_ns BIGINT,
    size BIGINT NOT NULL,
    os TEXT COLLATE "C" NOT NULL,
    architecture TEXT COLLATE "C" NOT NULL,
    variant TEXT COLLATE "C",
    labels TEXT COLLATE "C" NOT NULL,
    recorded TEXT COLLATE "C" NOT NULL,
    last_pulled TEXT COLLATE "C",
    last_pulled_ns BIGINT
);
CREATE INDEX images_created ON images(created_ns);

CREATE TABLE manifests (
    digest TEXT COLLATE "C" PRIMARY KEY,
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    size BIGINT NOT NULL,
    media_type TEXT COLLATE "C" NOT NULL
);
CREATE INDEX manifests_image ON manifests(image_id);

CREATE TABLE layers (
    manifest_digest TEXT COLLATE "C" NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
    pos BIGINT NOT NULL,
    digest TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT COLLATE "C" NOT NULL,
    diff_id TEXT COLLATE "C",
    PRIMARY KEY (manifest_digest, pos)
);
CREATE INDEX layers_digest ON layers(digest);

CREATE TABLE indexes (
    digest TEXT COLLATE "C" NOT NULL,
    manifest_digest TEXT COLLATE "C" NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
    size BIGINT NOT NULL,
    media_type TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (digest, manifest_digest)
);
CREATE INDEX indexes_manifest ON indexes(manifest_digest);

CREATE TABLE tags (
    name TEXT COLLATE "C" NOT NULL,
    tag TEXT COLLATE "C" NOT NULL,
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    digest TEXT COLLATE "C" NOT NULL,
    updated TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (name, tag)
);
CREATE INDEX tags_image ON tags(image_id);

CREATE TABLE repo_digests (
    name TEXT COLLATE "C" NOT NULL,
    digest TEXT COLLATE "C" NOT NULL,
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (name, digest)
);
CREATE INDEX repo_digests_image ON repo_digests(image_id);

CREATE TABLE pins (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    pinned_by TEXT COLLATE "C" NOT NULL,
    created TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (image_id, pinned_by)
);

CREATE TABLE leases (
    id TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    pid BIGINT NOT NULL,
    created TEXT COLLATE "C" NOT NULL,
    expires TEXT COLLATE "C" NOT NULL
);

CREATE TABLE lease_resources (
    lease_id TEXT COLLATE "C" NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
    digest TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (lease_id, digest)
);
CREATE INDEX lease_resources_digest ON lease_resources(digest);

CREATE TABLE waiting (
    name TEXT COLLATE "C" NOT NULL,
    manifest_digest TEXT COLLATE "C" NOT NULL,
    manifest_size BIGINT NOT NULL,
    manifest_media_type TEXT COLLATE "C" NOT NULL,
    tag TEXT COLLATE "C",
    index_digest TEXT COLLATE "C",
    index_size BIGINT,
    index_media_type TEXT COLLATE "C",
    since TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (name, manifest_digest)
);

CREATE TABLE referrer_lists (
    name TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    list_digest TEXT COLLATE "C" NOT NULL,
    list_size BIGINT NOT NULL,
    list_media_type TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (name, subject)
);
CREATE INDEX referrer_lists_digest ON referrer_lists(list_digest);

CREATE TABLE unpacked_layers (
    digest TEXT COLLATE "C" PRIMARY KEY,
    diff_id TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL
);

CREATE VIEW blob_refs(digest) AS
    SELECT id FROM images
    UNION ALL SELECT digest FROM manifests
    UNION ALL SELECT digest FROM layers
    UNION ALL SELECT digest FROM indexes
    UNION ALL SELECT list_digest FROM referrer_lists;

CREATE TABLE generation (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    value BIGINT NOT NULL
);
INSERT INTO generation (one, value) VALUES (TRUE, 0);
"#;

/// Version 2: how far each blob's writer got, for replicas waiting for it
/// (see `advisory.rs`). Unlogged: after a server crash it starts empty,
/// which is right, since the writers' locks are gone too.
const SCHEMA_V2: &str = r#"
CREATE UNLOGGED TABLE fetch_progress (
    digest TEXT COLLATE "C" PRIMARY KEY,
    written BIGINT NOT NULL,
    updated TIMESTAMPTZ NOT NULL
);
"#;

/// Version 3: the dashboard's sign-in codes and sessions, so that every
/// `strata serve` replica knows them (`serve/sessions/shared.rs`). Only
/// SHA-256 hashes of codes and session ids are kept; expiries are Unix
/// milliseconds.
const SCHEMA_V3: &str = r#"
CREATE TABLE sign_in_codes (
    key TEXT COLLATE "C" PRIMARY KEY,
    expires_ms BIGINT NOT NULL
);
CREATE TABLE sessions (
    key TEXT COLLATE "C" PRIMARY KEY,
    csrf TEXT COLLATE "C" NOT NULL,
    expires_ms BIGINT NOT NULL
);
"#;

/// Each version's migration, in order: `MIGRATIONS[n]` brings version `n`
/// to `n + 1`.
const MIGRATIONS: [&str; VERSION as usize] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3];

/// Brings the schema to [`VERSION`], or refuses a newer one.
pub(super) fn migrate(client: &mut Client, database: &str) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version BIGINT PRIMARY KEY,
             applied TEXT NOT NULL
         )",
    )?;
    let found: i64 = tx.query_one(VERSION_SELECT, &[])?.get(0);
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            database: database.to_owned(),
            found,
            known: VERSION,
        });
    }
    let applied = format_time(OffsetDateTime::now_utc());
    for (from, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(migration)?;
        let to = i64::try_from(from).unwrap_or(i64::MAX) + 1;
        tx.execute(
            "INSERT INTO schema_version (version, applied) VALUES ($1, $2)",
            &[&to, &applied],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// What the constraints do not enforce: the version, the one generation
/// row, and that every image's manifest row is its own.
pub(super) fn problems(db: &mut Db<'_, '_>) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let found: i64 = db.value(VERSION_SELECT, &[])?;
    if found != VERSION {
        problems.push(format!("schema version {found}, expected {VERSION}"));
    }
    let generations: i64 = db.value("SELECT COUNT(*) FROM generation", &[])?;
    if generations != 1 {
        problems.push(format!(
            "the generation table has {generations} rows, expected 1"
        ));
    }
    let strays = db.rows(
        "SELECT i.id, i.manifest_digest FROM images i WHERE NOT EXISTS
             (SELECT 1 FROM manifests m WHERE m.digest = i.manifest_digest AND m.image_id = i.id)
         ORDER BY i.id",
        &[],
        |c| Ok((c.get::<String>(0)?, c.get::<String>(1)?)),
    )?;
    for (id, manifest) in strays {
        problems.push(format!(
            "image {id}: its manifest {manifest} is not recorded for it"
        ));
    }
    Ok(problems)
}
