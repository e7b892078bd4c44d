//! `strata load` of hostile archives, built here: each is refused with
//! what was wrong, and nothing is stored.

use std::io::Read;
use std::path::Path;

use test_support::cli::Cli;
use test_support::{Auth, Registry, fixtures};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod save_load_support;

use save_load_support::*;

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
