//! A cluster of `strata serve` replicas for the scale-out tests (#17):
//! each replica has a store folder of its own, all share one PostgreSQL
//! database (`--database`) and one SeaweedFS bucket (`--blob-store
//! s3://…`), and reach the real registry through a [`FaultyRegistry`]
//! that counts what they ask it (and slows blobs when a test says so).
//! "Replica C" is the `strata` CLI on yet another folder with the same
//! database and bucket.
//!
//! Everything runs on 127.0.0.1 and stops when its handle drops: a replica
//! dropped is killed with `SIGKILL`, as `kill -9` would.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use test_support::cli::Cli;
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::Fixture;
use test_support::postgres::Postgres;
use test_support::registry::Pushed;
use test_support::s3::{ACCESS_KEY, REGION, S3, SECRET_KEY};
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer};

use crate::s3_support::{blob_digests, with_keys};
use crate::serve_v2_support::children;

const BIN: &str = env!("CARGO_BIN_EXE_strata");

/// The image most cluster tests pull: three layers of 24 MiB of random
/// bytes, so transfers take long enough to overlap.
pub fn large_image() -> &'static Fixture {
    static IMAGE: OnceLock<Fixture> = OnceLock::new();
    IMAGE.get_or_init(|| test_support::fixtures::random_image(3, 24).expect("the random image"))
}

/// The blobs (config, then layers) the manifest `digest` in the OCI
/// layout of `fixture` names, with sizes: known before anything is
/// pushed, so faults can name them.
pub fn blobs_of(fixture: &Fixture) -> Vec<(String, u64)> {
    let path = fixture
        .layout
        .join("blobs/sha256")
        .join(fixture.layout_digest.trim_start_matches("sha256:"));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the fixture's manifest"))
            .expect("manifest JSON");
    children(&manifest).1
}

/// One PostgreSQL server for the test process; each cluster takes a
/// database of its own.
fn postgres() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(|| Postgres::start().expect("PostgreSQL"))
}

/// The shared database and bucket, the upstream, and replica C.
pub struct Cluster {
    /// `postgres://…` of this cluster's database.
    pub database: String,
    /// `s3://BUCKET/strata`.
    pub blob_store: String,
    endpoint: String,
    bucket: String,
    // The counting proxy before the registry it forwards to.
    faulty: Option<FaultyRegistry>,
    registry: Option<Registry>,
    upstream_host: String,
    replica_c: Cli,
}

impl Cluster {
    /// A database and a bucket named `name` (letters, digits, `-`), a
    /// registry, and the counting proxy in front of it applying `faults`.
    pub fn start(name: &str, faults: Vec<Fault>) -> Cluster {
        let database = postgres()
            .create_database(&name.replace('-', "_"))
            .expect("database");
        let s3 = S3::shared();
        s3.create_bucket(name).expect("bucket");
        let registry = Registry::start(Auth::Open).expect("registry");
        let faulty = FaultyRegistry::start(&registry.url(), faults).expect("counting proxy");
        Cluster {
            database,
            // The prefix `s3_support::with_keys` gives.
            blob_store: format!("s3://{name}/strata"),
            bucket: name.to_owned(),
            endpoint: s3.endpoint(),
            upstream_host: faulty.host(),
            faulty: Some(faulty),
            registry: Some(registry),
            replica_c: Cli::new(BIN, &[]),
        }
    }

    /// Pushes `fixture` into the registry (as built: its digests stay).
    pub fn push(&self, fixture: &Fixture) -> Pushed {
        self.registry
            .as_ref()
            .expect("the upstream runs")
            .push(fixture)
            .expect("push")
    }

    /// The upstream as replicas see it: the proxy's `127.0.0.1:PORT`.
    pub fn upstream_host(&self) -> &str {
        &self.upstream_host
    }

    /// Stops the upstream (the proxy and the registry): from now on only
    /// what the cluster holds can be served.
    pub fn stop_upstream(&mut self) {
        self.faulty = None;
        self.registry = None;
    }

    /// How many `GET`s of the blob `digest` reached the upstream.
    pub fn upstream_blob_gets(&self, digest: &str) -> usize {
        let blob = format!("/blobs/{digest}");
        self.upstream_requests()
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains(&blob))
            .count()
    }

    /// Every request the upstream received, as `METHOD path?query`.
    pub fn upstream_requests(&self) -> Vec<String> {
        self.faulty.as_ref().expect("the upstream runs").requests()
    }

    /// The global flags every replica and every CLI run gets.
    fn shared_flags(&self) -> [String; 6] {
        [
            "--database".to_owned(),
            self.database.clone(),
            "--blob-store".to_owned(),
            self.blob_store.clone(),
            "--s3-endpoint".to_owned(),
            self.endpoint.clone(),
        ]
    }

    /// A new `strata serve` replica: a store folder of its own, the
    /// shared database and bucket.
    pub fn replica(&self) -> StrataServer {
        let mut options = StrataOptions::new(BIN)
            .env("STRATA_INSECURE_REGISTRIES", self.upstream_host.clone())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", REGION);
        for flag in self.shared_flags() {
            options = options.arg(flag);
        }
        options.start().expect("strata serve replica")
    }

    /// `strata ARGS` as replica C (a folder of its own, the shared
    /// database and bucket); (success, stdout, stderr).
    pub fn strata(&self, args: &[&str]) -> (bool, String, String) {
        let output = self.command().args(args).output().expect("run strata");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `strata ARGS` as replica C, asserted to succeed; its stdout.
    pub fn strata_ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.strata(args);
        assert!(ok, "strata {args:?} failed:\nstdout: {out}\nstderr: {err}");
        out
    }

    /// Asserts that `strata fsck` finds nothing wrong.
    pub fn assert_fsck_passes(&self) {
        let fsck = self.strata_ok(&["fsck"]);
        assert!(fsck.contains(" 0 problems"), "{fsck}");
    }

    fn command(&self) -> Command {
        let mut command = self.replica_c.command(&[]);
        command
            .env("STRATA_INSECURE_REGISTRIES", self.upstream_host.clone())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", REGION)
            .args(self.shared_flags());
        command
    }

    /// The verified blobs in the bucket, as a handle of the test's own
    /// (on a folder of its own) lists them.
    pub fn bucket_blobs(&self) -> Vec<String> {
        blob_digests(&with_keys(
            &self.endpoint,
            &self.bucket,
            ACCESS_KEY,
            SECRET_KEY,
        ))
    }
}

/// The connections to `server` whose request it has read (established,
/// bytes received, none left in its receive queue), as `ss` sees them: a
/// client counted here has asked, whatever the server does next.
pub fn requests_read_by(server: &StrataServer) -> usize {
    let output = Command::new("ss")
        .args(["-Htni", "state", "established"])
        .arg(format!("( sport = :{} )", server.addr().port()))
        .output()
        .expect("run ss (iproute2; scripts/setup.sh installs it)");
    // Each socket is a line (`Recv-Q Send-Q local peer`), then an
    // indented line of TCP details.
    let text = String::from_utf8_lossy(&output.stdout);
    let mut read = 0;
    let mut queue_empty = false;
    for line in text.lines() {
        if !line.starts_with(char::is_whitespace) {
            queue_empty = line.split_whitespace().next() == Some("0");
        } else if queue_empty
            && line
                .split_whitespace()
                .filter_map(|field| field.strip_prefix("bytes_received:"))
                .any(|n| n != "0")
        {
            read += 1;
        }
    }
    read
}

/// Every file of the `dir:` layout `dir` that skopeo wrote for `digest`
/// hashes to it.
pub fn dir_layout_verifies(dir: &Path, blobs: &[(String, u64)]) -> Result<(), String> {
    for (digest, _) in blobs {
        let path = dir.join(digest.trim_start_matches("sha256:"));
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let got = test_support::fixtures::layer::sha256(&bytes);
        if &got != digest {
            return Err(format!("{}: sha256 {got}, not {digest}", path.display()));
        }
    }
    Ok(())
}
