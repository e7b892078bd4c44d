//! The suite against [`PostgresMetadata`] on a real PostgreSQL 15
//! (`test_support::postgres`): one server per test process, one database
//! per folder the suite hands out. The database's name follows from the
//! folder, so another handle, or a child process (which finds its
//! parent's server), opens the same one. Plus what only this backend
//! has: its versioned schema, and refusing a newer one.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;

use strata::store::metadata::{ImageRecords, Leases, POSTGRES_SCHEMA_VERSION, PostgresMetadata};
use test_support::postgres::Postgres;

use super::*;

/// The server this test process started.
fn server() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(|| Postgres::start().expect("start PostgreSQL"))
}

/// The server's URL: this process's, or (in a child process) its
/// parent's.
fn server_url() -> String {
    if std::env::var_os(CHILD_ENV).is_some() {
        let parent = std::os::unix::process::parent_id();
        Postgres::started_by(parent).expect("the parent process's PostgreSQL server")
    } else {
        server().url()
    }
}

/// The database of folder `dir`, created by whoever asks first (under an
/// advisory lock, so two processes asking at once create it once).
fn database(dir: &Path) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    dir.hash(&mut hasher);
    let name = format!("conformance_{:016x}", hasher.finish());
    let server = server_url();
    let mut client = ::postgres::Client::connect(&server, ::postgres::NoTls).expect("connect");
    client
        .execute("SELECT pg_advisory_lock(1)", &[])
        .expect("lock");
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("look up")
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create database");
    }
    let base = server.rsplit_once('/').expect("a database in the URL").0;
    format!("{base}/{name}")
}

pub(super) fn open(dir: &Path) -> PostgresMetadata {
    PostgresMetadata::open(&database(dir)).expect("open")
}

conformance!(open, "postgres");

#[test]
fn the_schema_is_versioned_and_a_newer_one_is_refused() {
    let url = server().create_database("newer_schema").expect("database");
    let first = PostgresMetadata::open(&url).expect("open a new database");
    pull(&first, &image("a", &["x"], None), "app", "1");
    drop(first);
    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).expect("connect");
    let versions: Vec<i64> = client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let want: Vec<i64> = (1..=POSTGRES_SCHEMA_VERSION).collect();
    assert_eq!(versions, want, "one row per migration");

    let again = PostgresMetadata::open(&url).expect("reopen: nothing to migrate");
    assert_eq!(again.rows().expect("rows").len(), 1, "the data stays");
    assert!(again.problems().expect("problems").is_empty());
    drop(again);

    let newer = POSTGRES_SCHEMA_VERSION + 1;
    client
        .execute(
            "INSERT INTO schema_version (version, applied) VALUES ($1, 'a newer strata')",
            &[&newer],
        )
        .expect("pretend a newer strata migrated");
    let err = PostgresMetadata::open(&url).expect_err("a newer schema is refused");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "schema version {newer}, newer than this strata understands ({POSTGRES_SCHEMA_VERSION})"
        )) && text.contains("upgrade strata")
            && text.contains("/newer_schema"),
        "{text}"
    );
    let count: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_version", &[])
        .expect("count")
        .get(0);
    assert_eq!(
        count,
        i64::from(u8::try_from(newer).expect("small")),
        "nothing changed"
    );
}

#[test]
fn a_wrong_url_or_a_stopped_server_is_a_clear_error() {
    let cases = [
        ("mysql://x", "not a PostgreSQL URL"),
        (
            "postgres://nobody:secret@127.0.0.1:1/db",
            "cannot connect to postgres://nobody:<redacted>@127.0.0.1:1/db",
        ),
    ];
    for (url, want) in cases {
        let err = PostgresMetadata::open(url).expect_err(url);
        let text = err.to_string();
        assert!(
            text.contains(want) && !text.contains("secret"),
            "{url}: {text}"
        );
    }
}

#[test]
fn a_handle_outlives_its_connections() {
    let url = server().create_database("reconnect").expect("database");
    let m = PostgresMetadata::open(&url).expect("open");
    pull(&m, &image("a", &["x"], None), "app", "1");
    // The server ends every connection to the database (a restart, or an
    // administrator's pg_terminate_backend).
    let mut admin =
        ::postgres::Client::connect(&server().url(), ::postgres::NoTls).expect("connect");
    let ended: i64 = admin
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'reconnect'",
            &[],
        )
        .expect("terminate")
        .get(0);
    assert!(ended >= 1, "the handle kept a connection");
    assert_eq!(m.rows().expect("rows after the connections ended").len(), 1);
    pull(&m, &image("b", &["y"], None), "app", "2");
    assert_eq!(m.rows().expect("rows").len(), 2);
}

#[test]
fn several_processes_starting_at_once_migrate_once() {
    let url = server()
        .create_database("started_at_once")
        .expect("database");
    let start = std::sync::Barrier::new(8);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                start.wait();
                PostgresMetadata::open(&url).expect("open at once")
            });
        }
    });
    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).expect("connect");
    let rows: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_version", &[])
        .expect("count")
        .get(0);
    assert_eq!(rows, POSTGRES_SCHEMA_VERSION, "each migration applied once");
    let m = PostgresMetadata::open(&url).expect("open");
    assert!(m.problems().expect("problems").is_empty());
}

#[test]
fn eight_writers_at_once_all_commit() {
    let url = server().create_database("eight_writers").expect("database");
    let m = PostgresMetadata::open(&url).expect("open");
    let start = std::sync::Barrier::new(8);
    std::thread::scope(|s| {
        for w in 0..8 {
            let (m, start) = (&m, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..25 {
                    let side = format!("w{w}");
                    let record = image(&format!("{side}-{i}"), &["shared", &side], None);
                    let id = format!("{side}-{i}");
                    m.begin_lease(&lease(&id, &[record.id.digest().clone()]))
                        .expect("lease");
                    pull(m, &record, &side, &i.to_string());
                    assert!(m.end_lease(&id).expect("end"));
                }
            });
        }
    });
    assert_eq!(m.rows().expect("rows").len(), 8 * 25);
    assert!(m.leases().expect("leases").is_empty());
    assert!(m.problems().expect("problems").is_empty());
}
