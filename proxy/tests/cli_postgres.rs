//! The metadata in PostgreSQL (`--database`, #17), end to end: `strata
//! pull` records an image in a real PostgreSQL 15 while its blobs go to
//! the store folder; another process with another folder lists it; `strata
//! serve` on the same database shows it; `rm` and `fsck` work against it.

use test_support::cli::Cli;
use test_support::postgres::Postgres;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, fixtures};

const BIN: &str = env!("CARGO_BIN_EXE_strata");

/// `GET path` on `server`: the status and the body.
fn get(server: &StrataServer, path: &str) -> (u16, String) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let response = reqwest::get(format!("{}{path}", server.url()))
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    })
}

#[test]
fn cli_and_serve_share_the_metadata_in_postgres() {
    let postgres = Postgres::start().expect("PostgreSQL");
    let url = postgres.create_database("cli").expect("database");
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let db = |args: &[&str]| -> Vec<String> {
        ["--database", url.as_str()]
            .iter()
            .chain(args)
            .map(|a| (*a).to_owned())
            .collect()
    };
    let run = |cli: &Cli, args: &[&str]| {
        let args = db(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.ok(&registry, &args)
    };

    let puller = Cli::new(BIN, &[&registry]);
    run(&puller, &["pull", "-q", &pushed.reference]);
    assert!(!puller.blobs().is_empty(), "the blobs are in the folder");
    assert!(
        !puller.store().join("meta.db").exists(),
        "no SQLite metadata in the folder"
    );

    // Another process, another folder, the same database.
    let other = Cli::new(BIN, &[&registry]);
    let listed = run(
        &other,
        &["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
    );
    let (name, id) = listed
        .trim()
        .split_once(' ')
        .unwrap_or_else(|| panic!("one image listed: {listed:?}"));
    assert_eq!(name, pushed.reference);
    let without = other.ok(&registry, &["images", "-q"]);
    assert_eq!(
        without, "",
        "the folder's own SQLite metadata knows nothing"
    );

    // `strata serve` on the database (and a folder of its own) lists it.
    let server = StrataOptions::new(BIN)
        .env("STRATA_DATABASE_URL", url.clone())
        .start()
        .expect("strata serve");
    let (status, images) = get(&server, "/api/v1/images");
    assert_eq!(status, 200, "{images}");
    assert!(
        images.contains(id) && images.contains("/library/redis"),
        "{images}"
    );

    let fsck = run(&puller, &["fsck"]);
    assert!(fsck.trim_end().ends_with(" 0 problems"), "{fsck}");

    let removed = run(&puller, &["rm", &pushed.reference]);
    assert!(removed.contains("Deleted: sha256:"), "{removed}");
    assert_eq!(run(&other, &["images", "-q"]), "");
    let (_, images) = get(&server, "/api/v1/images");
    assert!(!images.contains(id), "{images}");
    run(&puller, &["gc"]);
    let fsck = run(&puller, &["fsck"]);
    assert!(fsck.trim_end().ends_with(" 0 problems"), "{fsck}");
    assert!(
        puller.blobs().is_empty(),
        "gc deleted the blobs: {:?}",
        puller.blobs()
    );
}

#[test]
fn a_database_that_does_not_answer_is_a_clear_error() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(BIN, &[&registry]);
    let err = cli.fails(
        &registry,
        &[
            "--database",
            "postgres://u:hunter2@127.0.0.1:1/strata",
            "images",
        ],
    );
    assert!(
        err.contains("cannot open the metadata database")
            && err.contains("cannot connect to postgres://u:<redacted>@127.0.0.1:1/strata")
            && !err.contains("hunter2"),
        "{err}"
    );
}

/// `sslmode=require`: TLS, and the server's certificate must verify
/// against the public roots or `PGSSLROOTCERT`; the server here takes TLS
/// only, with a certificate from a CA of the test's own.
#[test]
fn sslmode_require_talks_tls_and_verifies_the_server() {
    let postgres = Postgres::start_tls().expect("PostgreSQL with TLS");
    let url = postgres.create_database("tls").expect("database");
    let ca = postgres.ca_file().expect("the test CA");
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(BIN, &[&registry]);
    let images = |url: &str, root: Option<&std::path::Path>| {
        let mut command = cli.command(&[]);
        command.env_remove("PGSSLROOTCERT");
        if let Some(root) = root {
            command.env("PGSSLROOTCERT", root);
        }
        let output = command
            .args(["--database", url, "images", "-q"])
            .output()
            .expect("strata images");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let require = format!("{url}?sslmode=require");

    let (ok, stderr) = images(&require, Some(ca));
    assert!(ok, "TLS with the CA trusted: {stderr}");
    let tables = postgres
        .psql("tls", "SELECT count(*) FROM schema_version")
        .expect("psql");
    assert_eq!(tables, "3", "strata migrated the database over TLS");

    let (ok, stderr) = images(&require, None);
    assert!(!ok, "an unknown CA is refused");
    assert!(stderr.contains("PGSSLROOTCERT"), "{stderr}");

    let (ok, stderr) = images(&format!("{url}?sslmode=disable"), Some(ca));
    assert!(!ok, "the server takes TLS only");
    assert!(stderr.contains("pg_hba.conf"), "{stderr}");

    let missing = postgres.dir().join("no-such-ca.pem");
    let (ok, stderr) = images(&require, Some(&missing));
    assert!(!ok);
    assert!(
        stderr.contains("PGSSLROOTCERT") && stderr.contains("no-such-ca.pem"),
        "{stderr}"
    );
}
