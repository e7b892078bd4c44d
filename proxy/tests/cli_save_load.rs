//! `strata save` and `strata load` against real peers: podman loads what
//! strata saves and strata loads what podman saves, skopeo copies strata's
//! OCI layout to the real registry, with the same image IDs everywhere;
//! and hostile archives are refused with nothing stored.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use test_support::cli::Cli;
use test_support::podman::Podman;
use test_support::{Auth, Registry, fixtures};

const V1: &str = "lovelearnlinux/webserver:v1";
const V2: &str = "lovelearnlinux/webserver:v2";

/// podman with its own root, runroot and vfs storage.
const FORMAT: &str = "{{.ID}} {{.Repository}}:{{.Tag}}";

fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn strata_images(cli: &Cli, registry: &Registry) -> Vec<String> {
    sorted(&cli.ok(registry, &["images", "--format", FORMAT]))
}

/// Every member path of the tar at `path`, in order.
fn members(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("open");
    let mut archive = tar::Archive::new(file);
    archive
        .entries()
        .expect("entries")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .display()
                .to_string()
        })
        .collect()
}

/// The bytes of one member of the tar at `path`.
fn member(path: &Path, name: &str) -> Vec<u8> {
    let file = std::fs::File::open(path).expect("open");
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        if entry.path().expect("path").to_str() == Some(name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            return bytes;
        }
    }
    panic!("no member {name}");
}

fn push_and_pull(registry: &Registry, cli: &Cli, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let pushed = registry.push_fixture(name).expect("push");
            cli.ok(registry, &["pull", "-q", &pushed.reference]);
            pushed.reference
        })
        .collect()
}

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
    let fresh = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let out = fresh.ok(&registry, &["load", "-i", archive_arg]);
    assert_eq!(
        sorted(&out),
        sorted(&format!(
            "Loaded image: {}\nLoaded image: {}\n",
            refs[0], refs[1]
        ))
    );
    assert_eq!(
        strata_images(&fresh, &registry),
        strata_images(&cli, &registry)
    );
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
    let loaded = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let out = loaded.ok(&registry, &["load", "-i", dir_arg]);
    assert_eq!(
        sorted(&out),
        sorted(&format!(
            "Loaded image: {}\nLoaded image: {}\n",
            refs[0], refs[1]
        ))
    );
    assert_eq!(
        strata_images(&loaded, &registry),
        strata_images(&cli, &registry)
    );
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

// Hostile archives, built here.

/// A plain layer tar holding one file.
fn layer_tar(content: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    builder
        .append_data(&mut header, "hello.txt", content)
        .expect("append");
    builder.into_inner().expect("tar")
}

/// The hex of the SHA-256 of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    let digest = fixtures::layer::sha256(bytes);
    digest.strip_prefix("sha256:").unwrap_or(&digest).to_owned()
}

fn config(diff_ids: &[String]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .expect("json")
}

/// One member of a hostile tar: its raw path and what it is.
enum Entry {
    File(String, Vec<u8>),
    Symlink(&'static str, &'static str),
}

fn file(path: impl Into<String>, bytes: Vec<u8>) -> Entry {
    Entry::File(path.into(), bytes)
}

/// A tar of `entries`, paths written as given (no checks).
fn raw_tar(entries: Vec<Entry>) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        let (path, data, link) = match &entry {
            Entry::File(p, d) => (p.as_str(), d.as_slice(), None),
            Entry::Symlink(p, t) => (*p, &[][..], Some(*t)),
        };
        let name = &mut header.as_old_mut().name;
        name.fill(0);
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        match link {
            Some(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                let link_name = &mut header.as_old_mut().linkname;
                link_name[..target.len()].copy_from_slice(target.as_bytes());
            }
            None => header.set_entry_type(tar::EntryType::Regular),
        }
        header.set_cksum();
        builder.append(&header, data).expect("append");
    }
    builder.into_inner().expect("tar")
}

/// A docker-archive (legacy layout) of one image: config `<hex>.json`,
/// layer `layer/layer.tar`, named `hostile:1`.
fn legacy(layer: &[u8], diff_id: &str, extra: Vec<Entry>) -> Vec<u8> {
    let config = config(&[format!("sha256:{diff_id}")]);
    let config_name = format!("{}.json", sha256(&config));
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["hostile:1"],
        "Layers": ["layer/layer.tar"],
    }]))
    .expect("json");
    let mut entries = vec![
        file(config_name, config),
        file("layer/layer.tar", layer.to_vec()),
    ];
    entries.extend(extra);
    entries.push(file("manifest.json", manifest));
    raw_tar(entries)
}

#[test]
fn hostile_archives_are_refused_and_nothing_is_stored() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let refs = push_and_pull(&registry, &cli, &["library/alpine:latest"]);
    let images_before = strata_images(&cli, &registry);
    let blobs_before = cli.blobs();

    let layer = layer_tar(b"hello\n");
    let diff_id = sha256(&layer);
    let good = legacy(&layer, &diff_id, Vec::new());
    let other = layer_tar(b"other\n");

    // The good archive loads into a fresh store (the cases below differ from it by one fault).
    let fresh = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let good_path = fresh.dir.path().join("good.tar");
    std::fs::write(&good_path, &good).expect("write");
    let out = fresh.ok(
        &registry,
        &["load", "-i", good_path.to_str().expect("utf8")],
    );
    assert_eq!(out, "Loaded image: hostile:1\n");
    let good_config = config(&[format!("sha256:{diff_id}")]);
    assert_eq!(
        fresh.ok(&registry, &["images", "-q", "--no-trunc", "hostile:1"]),
        format!("sha256:{}\n", sha256(&good_config)),
        "the image ID is the config's digest"
    );

    let config_bad_digest = {
        let config = config(&[format!("sha256:{diff_id}")]);
        let wrong = format!("blobs/sha256/{}", sha256(b"not the config"));
        let manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": wrong, "RepoTags": ["hostile:1"], "Layers": ["layer/layer.tar"],
        }]))
        .expect("json");
        raw_tar(vec![
            file("layer/layer.tar", layer.clone()),
            file(wrong, config),
            file("manifest.json", manifest),
        ])
    };
    let missing = {
        let config = config(&[format!("sha256:{diff_id}")]);
        let name = format!("{}.json", sha256(&config));
        let manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": name, "RepoTags": ["hostile:1"], "Layers": ["gone/layer.tar"],
        }]))
        .expect("json");
        raw_tar(vec![file(name, config), file("manifest.json", manifest)])
    };
    let huge_manifest = raw_tar(vec![file("manifest.json", vec![b' '; (4 << 20) + 1])]);
    let wrong_diff_id = other_diff_id(&other, &diff_id);
    let saved = cli.dir.path().join("alpine.tar");
    cli.ok(
        &registry,
        &["save", "-o", saved.to_str().expect("utf8"), &refs[0]],
    );
    let (altered, altered_blob) = altered_layer(&saved);
    let cases: Vec<(&str, Vec<u8>, Vec<String>)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            vec!["truncated".to_owned()],
        ),
        (
            "diff_id mismatch",
            wrong_diff_id,
            vec![
                "does not match the image config".to_owned(),
                format!("sha256:{}", sha256(&other)),
                format!("sha256:{diff_id}"),
            ],
        ),
        (
            "digest mismatch",
            config_bad_digest,
            vec![
                "should have digest".to_owned(),
                format!("sha256:{}", sha256(b"not the config")),
            ],
        ),
        (
            "altered layer",
            altered,
            vec!["should have digest".to_owned(), altered_blob],
        ),
        (
            "parent member",
            legacy(&layer, &diff_id, vec![file("../x", b"x".to_vec())]),
            vec!["\"../x\"".to_owned(), "leaves the archive".to_owned()],
        ),
        (
            "absolute member",
            legacy(&layer, &diff_id, vec![file("/tmp/x", b"x".to_vec())]),
            vec!["absolute".to_owned()],
        ),
        (
            "symlink out",
            legacy(
                &layer,
                &diff_id,
                vec![Entry::Symlink("link", "../../etc/passwd")],
            ),
            vec!["link".to_owned(), "lead outside".to_owned()],
        ),
        (
            "missing member",
            missing,
            vec!["gone/layer.tar".to_owned(), "does not hold".to_owned()],
        ),
        (
            "oversized manifest.json",
            huge_manifest,
            vec!["manifest.json".to_owned(), "4194304".to_owned()],
        ),
        (
            "not an archive",
            raw_tar(vec![file("x", b"x".to_vec())]),
            vec!["not an image archive".to_owned()],
        ),
    ];
    for (what, bytes, wanted) in cases {
        let path = cli.dir.path().join("hostile.tar");
        std::fs::write(&path, &bytes).expect("write");
        let stderr = cli.fails(&registry, &["load", "-i", path.to_str().expect("utf8")]);
        for part in &wanted {
            assert!(
                stderr.contains(part.as_str()),
                "{what}: {part:?} not in {stderr}"
            );
        }
        assert_eq!(strata_images(&cli, &registry), images_before, "{what}");
        assert_eq!(cli.blobs(), blobs_before, "{what}");
    }
}

/// The legacy archive whose layer is `other` while its config names `diff_id`.
fn other_diff_id(other: &[u8], diff_id: &str) -> Vec<u8> {
    legacy(other, diff_id, Vec::new())
}

/// The archive at `path` with one byte of its largest blob (a layer)
/// changed, and that blob's digest.
fn altered_layer(path: &Path) -> (Vec<u8>, String) {
    let mut archive = tar::Archive::new(std::fs::File::open(path).expect("open"));
    let mut entries = Vec::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let name = entry.path().expect("path").display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        entries.push((name, bytes));
    }
    let largest = (0..entries.len())
        .max_by_key(|i| entries[*i].1.len())
        .expect("a blob");
    let (name, bytes) = &mut entries[largest];
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let digest = name.replace("blobs/sha256/", "sha256:");
    let tar = raw_tar(entries.into_iter().map(|(n, b)| file(n, b)).collect());
    (tar, digest)
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
