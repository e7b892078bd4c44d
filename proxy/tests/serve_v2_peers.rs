//! skopeo and podman pulling through `strata serve`'s `/v2`, with the same
//! digests as straight from the registry, and a pulled image served by tag
//! with the upstream stopped.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;
use test_support::cli::Cli;
use test_support::fixtures::layer::sha256;
use test_support::{Auth, Registry, fixtures, run};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{get, serve, v2};

fn skopeo_inspect_digest(reference: &str) -> String {
    let out = run(Command::new("skopeo").args([
        "inspect",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]));
    let json: Value = serde_json::from_str(&out).expect("json");
    json["Digest"].as_str().expect("digest").to_owned()
}

/// `skopeo copy` to an OCI layout; returns the digest its index.json names.
fn skopeo_copy_digest(reference: &str, dir: &Path, all: bool) -> String {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet", "--src-tls-verify=false"]);
    if all {
        command.arg("--all");
    }
    run(command
        .arg(format!("docker://{reference}"))
        .arg(format!("oci:{}:copied", dir.display())));
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index.json"))
            .expect("json");
    index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_owned()
}

struct Podman(tempfile::TempDir);

impl Podman {
    fn new() -> Podman {
        Podman(tempfile::tempdir().expect("tmp"))
    }

    fn run(&self, args: &[&str]) -> String {
        run(Command::new("podman")
            .arg(format!("--root={}", self.0.path().join("root").display()))
            .arg(format!("--runroot={}", self.0.path().join("run").display()))
            .args([
                "--storage-driver=vfs",
                "--events-backend=file",
                "--cgroup-manager=cgroupfs",
            ])
            .args(args))
    }

    /// Pulls `reference`; returns the digests podman recorded for it.
    fn pull_digests(&self, reference: &str) -> String {
        self.run(&["pull", "-q", "--tls-verify=false", reference]);
        self.run(&[
            "image",
            "inspect",
            "--format",
            "{{.Digest}} {{range .RepoDigests}}{{.}} {{end}}",
            reference,
        ])
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn skopeo_and_podman_pull_through_strata_with_the_same_digests() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let through = |name: &str| {
        format!(
            "{}/{}/{name}",
            server.host(),
            registry.host().replace(':', "_")
        )
    };
    let tmp = tempfile::tempdir().expect("tmp");

    for (name, all) in [
        ("library/redis:latest", false),
        ("library/multi:latest", true),
        ("test/docker-v2:latest", false),
    ] {
        let pushed = registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
        let direct = skopeo_inspect_digest(&pushed.reference);
        assert_eq!(
            skopeo_inspect_digest(&through(name)),
            direct,
            "skopeo inspect {name}"
        );
        let raw = |reference: &str| {
            run(Command::new("skopeo").args([
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{reference}"),
            ]))
        };
        assert_eq!(
            raw(&through(name)),
            raw(&pushed.reference),
            "skopeo inspect --raw {name}"
        );
        if name != "test/docker-v2:latest" {
            // (skopeo converts Docker manifests to OCI when writing a layout)
            let copied = skopeo_copy_digest(
                &through(name),
                &tmp.path().join(name.replace(['/', ':'], "_")),
                all,
            );
            assert_eq!(copied, pushed.digest, "skopeo copy {name}");
        }
    }
    let podman = Podman::new();
    for name in ["library/redis:latest", "test/docker-v2:latest"] {
        let direct = registry
            .raw_manifest(&name[..name.len() - 7], "latest")
            .map(|raw| sha256(&raw))
            .expect("raw");
        let digests = podman.pull_digests(&through(name));
        assert!(
            digests.contains(&format!("@{direct}")),
            "podman pull {name}: {digests}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pulled_image_is_served_by_tag_with_the_upstream_stopped() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    run(cli
        .command(&[&registry])
        .env("STRATA_STORE", server.store())
        .args(["pull", "-q", &pushed.reference]));
    let through = format!(
        "{}/{}/library/redis:latest",
        server.host(),
        registry.host().replace(':', "_")
    );
    let base = v2(&server, &registry.host(), "library/redis");
    drop(registry);

    let got = get(&format!("{base}/manifests/latest")).await;
    assert_eq!(
        got.status,
        StatusCode::OK,
        "{:?}",
        got.body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    );
    assert_eq!(got.header("docker-content-digest"), pushed.digest);
    assert!(
        got.header("warning").contains("upstream unreachable"),
        "{:?}",
        got.headers
    );
    assert_eq!(skopeo_inspect_digest(&through), pushed.digest);
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(
        skopeo_copy_digest(&through, &tmp.path().join("copy"), false),
        pushed.digest
    );
    let digests = Podman::new().pull_digests(&through);
    assert!(digests.starts_with(&pushed.digest), "{digests}");
}
