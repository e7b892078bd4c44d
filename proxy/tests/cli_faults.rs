//! A registry that serves wrong bytes, and a pull killed mid-layer: the
//! store never holds unverified data and stays consistent.

use std::time::Duration;

use strata::store::Store;
use test_support::cli::{Cli, files_under};
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::{Auth, Registry, eventually, fixtures};

#[test]
fn wrong_bytes_are_refused_and_nothing_is_stored() {
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    for fault in [
        Fault::CorruptBlob("/blobs/".into()),
        Fault::CorruptManifest("/manifests/sha256:".into()),
    ] {
        let faulty = FaultyRegistry::start(&registry.url(), vec![fault.clone()]).expect("faulty");
        let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
        let by_digest = {
            let raw = registry
                .raw_manifest("library/redis", "latest")
                .expect("manifest");
            format!(
                "{}/library/redis@{}",
                faulty.host(),
                shared::digest::Digest::sha256_of(&raw)
            )
        };
        let output = cli
            .command(&[])
            .env("STRATA_INSECURE_REGISTRIES", faulty.host())
            .args(["pull", &by_digest])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{fault:?} must fail");
        assert!(
            err.contains("expected") && err.contains("sha256:"),
            "{fault:?}: {err}"
        );
        assert!(
            cli.blobs().is_empty(),
            "{fault:?}: nothing stored, found {:?}",
            cli.blobs()
        );
        let leftovers: Vec<_> = files_under(&cli.store().join("ingest"));
        assert!(
            leftovers.is_empty(),
            "{fault:?}: ingest cleaned, found {leftovers:?}"
        );
    }
}

#[test]
fn killed_pull_leaves_a_consistent_store() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::SlowBlob("/blobs/".into(), 4_000)],
    )
    .expect("faulty");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let slow_ref = pushed.reference.replace(&registry.host(), &faulty.host());
    let mut child = cli
        .command(&[])
        .env("STRATA_INSECURE_REGISTRIES", faulty.host())
        .args(["pull", &slow_ref])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until a layer is being written, then kill -9.
    eventually(
        Duration::from_secs(60),
        "the pull never started writing a layer",
        || {
            if !files_under(&cli.store().join("ingest")).is_empty() {
                return true;
            }
            assert!(
                child.try_wait().expect("wait").is_none(),
                "the pull ended before it could be killed"
            );
            false
        },
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    let fsck = cli
        .command(&[&registry])
        .arg("fsck")
        .output()
        .expect("fsck");
    assert!(
        fsck.status.success(),
        "fsck after a crash: {}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    // The killed pull's unfinished write is gone (removed when the store opened).
    let report = String::from_utf8_lossy(&fsck.stdout);
    assert!(
        files_under(&cli.store().join("ingest")).is_empty(),
        "{report}"
    );
    let out = cli.ok(&registry, &["pull", &pushed.reference]);
    assert!(out.contains(&format!("Digest: {}", pushed.digest)), "{out}");
    let fsck = cli
        .command(&[&registry])
        .arg("fsck")
        .output()
        .expect("fsck");
    assert!(fsck.status.success());
}

/// A pull that fails part-way removes what it wrote (manifest, config, the
/// layers that arrived) and nothing else: a blob the store held before
/// stays until `strata gc`, which reports what it deleted.
#[test]
fn a_failed_pull_removes_only_what_it_wrote_and_gc_the_rest() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let manifest: serde_json::Value = serde_json::from_slice(
        &registry
            .raw_manifest("library/redis", "latest")
            .expect("manifest"),
    )
    .expect("json");
    let layers = manifest["layers"].as_array().expect("layers");
    let last = layers.last().expect("a layer")["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    assert!(
        layers.len() >= 2,
        "the fixture has layers that arrive first"
    );
    let faulty = FaultyRegistry::start(&registry.url(), vec![Fault::CorruptBlob(last.clone())])
        .expect("faulty");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);

    // Something the store held before the pull: cache, as /v2 leaves it.
    let loose = b"a blob no image names".to_vec();
    let loose_digest = shared::digest::Digest::sha256_of(&loose);
    Store::open(&cli.store())
        .expect("store")
        .put_small(&loose_digest, &loose)
        .expect("put");

    let output = cli
        .command(&[])
        .env("STRATA_INSECURE_REGISTRIES", faulty.host())
        .args([
            "pull",
            &pushed.reference.replace(&registry.host(), &faulty.host()),
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the corrupt layer must fail the pull"
    );
    assert!(err.contains(&last), "the error names the layer: {err}");
    assert_eq!(
        cli.blobs(),
        [loose_digest.encoded().to_owned()],
        "only the blob from before the pull is left"
    );

    let gc = cli.ok(&registry, &["gc"]);
    assert_eq!(
        gc,
        format!(
            "Deleted: {loose_digest}\nTotal reclaimed space: {}B\n",
            loose.len()
        )
    );
    assert!(cli.blobs().is_empty(), "{:?}", cli.blobs());
    assert_eq!(
        cli.ok(&registry, &["gc"]),
        "Total reclaimed space: 0B\n",
        "nothing left to collect"
    );
}
