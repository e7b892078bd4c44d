//! Cross-checks with real peers: skopeo and podman see the same images as
//! strata, with the same digests, layers and IDs.

use std::process::Command;

use test_support::cli::Cli;
use test_support::{Auth, Registry, fixtures};

#[test]
fn skopeo_agrees_on_manifest_digest_and_layers() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    for name in [
        "library/redis:latest",
        "test/docker-v2:latest",
        "test/zstd:latest",
    ] {
        let pushed = registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
        cli.ok(&registry, &["pull", "-q", &pushed.reference]);
        let output = registry
            .skopeo("inspect")
            .arg(format!("docker://{}", pushed.reference))
            .output()
            .expect("skopeo");
        let skopeo: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        let ours: serde_json::Value =
            serde_json::from_str(&cli.ok(&registry, &["inspect", &pushed.reference]))
                .expect("json");
        let ours = &ours[0];
        assert!(
            ours["RepoDigests"]
                .as_array()
                .expect("digests")
                .iter()
                .any(|d| d
                    .as_str()
                    .is_some_and(|d| d.ends_with(skopeo["Digest"].as_str().unwrap_or("?")))),
            "{name}: {} vs {}",
            ours["RepoDigests"],
            skopeo["Digest"]
        );
        let history = cli.ok(
            &registry,
            &[
                "history",
                "--no-trunc",
                "--format",
                "{{.Size}}",
                &pushed.reference,
            ],
        );
        assert!(!history.is_empty());
        let layers = skopeo["Layers"].as_array().expect("layers").len();
        assert_eq!(
            ours["RootFS"]["Layers"].as_array().expect("diff ids").len(),
            layers,
            "{name}"
        );
    }
}

#[test]
fn podman_agrees_on_ids_and_tags() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let podman_dir = tempfile::tempdir().expect("tmp");
    let podman = |args: &[&str]| {
        let output = Command::new("podman")
            .arg(format!(
                "--root={}",
                podman_dir.path().join("root").display()
            ))
            .arg(format!(
                "--runroot={}",
                podman_dir.path().join("run").display()
            ))
            .args([
                "--storage-driver=vfs",
                "--events-backend=file",
                "--cgroup-manager=cgroupfs",
            ])
            .args(args)
            .output()
            .expect("podman");
        assert!(
            output.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    for name in [
        "lovelearnlinux/webserver:v1",
        "lovelearnlinux/webserver:v2",
        "library/redis:latest",
    ] {
        let pushed = registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
        cli.ok(&registry, &["pull", "-q", &pushed.reference]);
        podman(&["pull", "-q", "--tls-verify=false", &pushed.reference]);
    }
    let format = "{{.ID}} {{.Repository}}:{{.Tag}}";
    let mut theirs: Vec<String> = podman(&["images", "--format", format])
        .lines()
        .map(str::to_owned)
        .collect();
    let mut ours: Vec<String> = cli
        .ok(&registry, &["images", "--format", format])
        .lines()
        .map(str::to_owned)
        .collect();
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs);
}
