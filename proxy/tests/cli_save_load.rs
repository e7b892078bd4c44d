//! `strata save` and `strata load` against real peers: podman loads what
//! strata saves and strata loads what podman saves, skopeo copies strata's
//! OCI layout to the real registry, with the same image IDs everywhere.
//! (Hostile archives: `cli_load_hostile.rs`; Docker: `serve_mirror.rs`.)

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use test_support::cli::Cli;
use test_support::podman::Podman;
use test_support::{Auth, Registry, fixtures};

mod save_load_support;

use save_load_support::*;

#[test]
fn save_writes_shared_blobs_once_and_podman_loads_the_same_ids() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let refs = push_and_pull(&registry, &cli, &[V1, V2]);
    let archive = cli.dir.path().join("two.tar");
    let archive_arg = archive.to_str().expect("utf8");
    cli.ok(&registry, &["save", "-o", archive_arg, &refs[0], &refs[1]]);

    let names = members(&archive);
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a member written twice: {names:?}"
    );
    for required in ["manifest.json", "repositories", "index.json", "oci-layout"] {
        assert!(names.iter().any(|n| n == required), "{required}: {names:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&member(&archive, "manifest.json")).expect("json");
    let entries = manifest.as_array().expect("list");
    assert_eq!(entries.len(), 2);
    let layers = |i: usize| -> Vec<String> {
        entries[i]["Layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l.as_str().expect("path").to_owned())
            .collect()
    };
    // base and httpd layers are shared; each blob is in the tar once.
    assert_eq!(layers(0)[..2], layers(1)[..2]);
    let blobs = names
        .iter()
        .filter(|n| n.starts_with("blobs/sha256/"))
        .count();
    // 2 configs + 2 manifests + 4 distinct layers (+ the blobs/ folders).
    let distinct: BTreeSet<String> = layers(0).into_iter().chain(layers(1)).collect();
    assert_eq!(distinct.len(), 4);
    assert_eq!(blobs, 2 + 2 + 4 + 1, "{names:?}");
    for entry in entries {
        let config = entry["Config"].as_str().expect("config");
        assert!(names.iter().any(|n| n == config), "{config}");
    }

    let podman = Podman::new().expect("podman");
    let loaded = podman.run(&["load", "-i", archive_arg]);
    assert!(loaded.contains("webserver:v1"), "{loaded}");
    assert_eq!(
        sorted(&podman.run(&["images", "--format", FORMAT])),
        strata_images(&cli, &registry)
    );

    // And back into a fresh store: the same IDs and names.
    loads_back_the_same(&cli, &registry, archive_arg, &refs);
}

#[test]
fn save_to_a_terminal_is_refused_and_stdout_works() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let refs = push_and_pull(&registry, &cli, &[V1]);
    let output = cli
        .command(&[&registry])
        .args(["save", &refs[0]])
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert!(output.status.success());
    let path = cli.dir.path().join("stdout.tar");
    std::fs::write(&path, &output.stdout).expect("write");
    assert!(members(&path).iter().any(|m| m == "manifest.json"));
    // podman loads a one-image archive too (it reads the OCI layout inside).
    let podman = Podman::new().expect("podman");
    podman.run(&["load", "-i", path.to_str().expect("utf8")]);
    assert_eq!(
        sorted(&podman.run(&["images", "--format", FORMAT])),
        strata_images(&cli, &registry)
    );

    // Saved by ID prefix: no names, loaded by ID.
    let id = cli.ok(&registry, &["images", "-q", "--no-trunc", &refs[0]]);
    let by_id = cli.dir.path().join("by-id.tar");
    let prefix = &id.trim()["sha256:".len()..][..10];
    cli.ok(
        &registry,
        &["save", "-o", by_id.to_str().expect("utf8"), prefix],
    );
    let unnamed = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let out = unnamed.ok(&registry, &["load", "-i", by_id.to_str().expect("utf8")]);
    assert_eq!(out, format!("Loaded image ID: {id}"));

    // A terminal on stdout (through script(1)'s pty) is refused.
    let on_terminal = Command::new("script")
        .arg("-qec")
        .arg(format!("{} save {}", env!("CARGO_BIN_EXE_strata"), refs[0]))
        .arg("/dev/null")
        .env("STRATA_STORE", cli.store())
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(!on_terminal.status.success(), "{shown}");
    assert!(
        shown.contains("refusing to write an image archive to a terminal"),
        "{shown}"
    );
    // Loaded from stdin into another store.
    let fresh = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let loaded = fresh
        .command(&[&registry])
        .arg("load")
        .stdin(std::fs::File::open(&path).expect("open"))
        .output()
        .expect("run");
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&loaded.stdout),
        format!("Loaded image: {}\n", refs[0])
    );
    // Nothing but the loaded image's blobs is left in the store folder.
    let leftovers: Vec<PathBuf> = test_support::cli::files_under(&fresh.store())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("load-"))
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn oci_dir_goes_to_the_registry_with_skopeo_and_back() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let refs = push_and_pull(&registry, &cli, &[V1, "library/redis:latest"]);
    let dir = cli.dir.path().join("layout");
    let dir_arg = dir.to_str().expect("utf8");
    cli.ok(
        &registry,
        &[
            "save", "--format", "oci-dir", "-o", dir_arg, &refs[0], &refs[1],
        ],
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index"))
            .expect("json");
    let names: Vec<&str> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .collect();
    assert_eq!(names, ["v1", "latest"]);

    let copied = format!("{}/copied/webserver:v1", registry.host());
    let output = registry
        .skopeo("copy")
        .arg("--quiet")
        .arg(format!("oci:{dir_arg}:v1"))
        .arg(format!("docker://{copied}"))
        .output()
        .expect("skopeo");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fresh = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    fresh.ok(&registry, &["pull", "-q", &copied]);
    let id = |cli: &Cli, name: &str| cli.ok(&registry, &["images", "-q", "--no-trunc", name]);
    assert_eq!(id(&fresh, &copied), id(&cli, &refs[0]));

    // The folder loads too, with the names it was saved under.
    loads_back_the_same(&cli, &registry, dir_arg, &refs);
}

#[test]
fn podman_save_loads_into_strata_with_podmans_ids_and_tags() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let podman = Podman::new().expect("podman");
    let pushed = registry.push_fixture(V1).expect("push");
    podman.run(&["pull", "-q", "--tls-verify=false", &pushed.reference]);
    let theirs = sorted(&podman.run(&["images", "--format", FORMAT]));
    let dir = test_support::scratch::dir("podman-save").expect("tmp");
    for format in ["docker-archive", "oci-archive"] {
        let file = dir.path().join(format!("{format}.tar"));
        let file_arg = file.to_str().expect("utf8");
        podman.run(&[
            "save",
            "--format",
            format,
            "-o",
            file_arg,
            &pushed.reference,
        ]);
        let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
        let out = cli.ok(&registry, &["load", "-i", file_arg]);
        assert_eq!(
            out,
            format!("Loaded image: {}\n", pushed.reference),
            "{format}"
        );
        assert_eq!(strata_images(&cli, &registry), theirs, "{format}");
        // The load noted what each layer unpacks to: SIZE as podman's history.
        let unpacked: u64 = podman
            .history_sizes(&pushed.reference)
            .expect("podman history")
            .iter()
            .sum();
        assert_eq!(
            cli.ok(&registry, &["images", "--format", "{{.Size}}"])
                .trim(),
            shared::display::human_size(unpacked),
            "{format}"
        );
        // strata's own record is complete: fsck finds nothing wrong.
        cli.ok(&registry, &["fsck"]);
    }
}

#[test]
fn an_oci_layout_with_an_index_loads_the_platforms_image() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("library/multi:latest").expect("fixture");
    let pushed = registry.push(fixture).expect("push");
    let platform = "linux/arm64/v8";
    let pulled = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    pulled.ok(
        &registry,
        &["pull", "-q", "--platform", platform, &pushed.reference],
    );
    let id = pulled.ok(
        &registry,
        &["images", "-q", "--no-trunc", &pushed.reference],
    );

    // The fixture's own layout folder: index.json → the index (ref.name
    // `latest`, a bare tag: no name) → the arm64 manifest.
    let loaded = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let layout = fixture.layout.to_str().expect("utf8");
    let out = loaded.ok(&registry, &["load", "--platform", platform, "-i", layout]);
    assert_eq!(out, format!("Loaded image ID: {id}"));
    assert_eq!(
        loaded.ok(&registry, &["images", "-q", "--no-trunc"]),
        id,
        "one image, the platform's"
    );
    loaded.ok(&registry, &["fsck"]);
}
