//! Helpers shared by the store's integration tests: image fixtures
//! written into a real store, and the child-process protocol the
//! cross-process tests use (the test binary re-run with
//! `STRATA_STORE_TEST_CHILD` set; lines `CHILD <word>` on stdout, `go` on
//! stdin).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::media_type::MediaType;
use shared::reference::Reference;
use strata::store::{BlobRef, ImageId, ImageRecord, RecordOutcome, Store, StoreError};

pub const CHILD_ENV: &str = "STRATA_STORE_TEST_CHILD";
pub const DIR_ENV: &str = "STRATA_STORE_TEST_DIR";
pub const ARG_ENV: &str = "STRATA_STORE_TEST_ARG";

// ---- fixtures ----

pub fn layer(seed: &str, len: usize) -> Vec<u8> {
    seed.bytes().cycle().take(len).collect()
}

/// Writes an image's blobs (config, layers, manifest) and returns its
/// record. `label` makes the config, hence the ID, unique.
pub fn image(store: &Store, label: &str, layers: &[&[u8]], created: &str) -> ImageRecord {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| Digest::sha256_of(&[*l, b"-uncompressed"].concat()).to_string())
        .collect();
    let config = serde_json::to_vec(&json!({
        "created": created,
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"fixture": label}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .expect("config json");
    let config_digest = Digest::sha256_of(&config);
    store
        .put_small(&config_digest, &config)
        .expect("config blob");
    let mut descriptors = Vec::new();
    for l in layers {
        let digest = Digest::sha256_of(l);
        store.put_small(&digest, l).expect("layer blob");
        descriptors.push(json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": digest, "size": l.len(),
        }));
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config.len()},
        "layers": descriptors,
    }))
    .expect("manifest json");
    let manifest_digest = Digest::sha256_of(&manifest);
    store
        .put_small(&manifest_digest, &manifest)
        .expect("manifest blob");
    let parsed = Manifest::from_slice(&manifest, None).expect("manifest");
    let parsed_config = ImageConfig::from_slice(&config).expect("config");
    ImageRecord::new(
        BlobRef {
            digest: manifest_digest,
            size: manifest.len() as u64,
            media_type: MediaType::OciManifest,
        },
        parsed.as_image().expect("image manifest"),
        &parsed_config,
        None,
    )
}

pub fn reference(s: &str) -> Reference {
    s.parse().expect("reference")
}

/// Records `record` as `docker pull NAME` would.
pub fn pull(store: &Store, record: &ImageRecord, name: &str) -> RecordOutcome {
    store
        .record_pull(record, &reference(name), &record.manifest.digest)
        .expect("record")
}

pub fn lines(store: &Store, arg: &str, force: bool) -> Vec<String> {
    store
        .remove(arg, force)
        .unwrap_or_else(|e| panic!("rm {arg}: {e}"))
        .iter()
        .map(ToString::to_string)
        .collect()
}

pub fn rm_error(store: &Store, arg: &str, force: bool) -> StoreError {
    match store.remove(arg, force) {
        Ok(lines) => panic!("rm {arg} should fail, printed {lines:?}"),
        Err(e) => e,
    }
}

pub fn familiar_tags(store: &Store, id: &ImageId) -> Vec<String> {
    store
        .row(id)
        .expect("row")
        .repo_tags
        .iter()
        .map(Reference::familiar)
        .collect()
}

pub fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(dir.path()).expect("open");
    (dir, store)
}

pub const T1: &str = "2024-01-01T00:00:00Z";
pub const T2: &str = "2024-02-01T00:00:00Z";

// ---- child processes ----

pub const CHILD_IMAGES: usize = 100;

pub fn spawn_child(mode: &str, dir: &Path, arg: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "child_process_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .env(ARG_ENV, arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

pub fn child_stdout(child: &mut Child) -> BufReader<ChildStdout> {
    BufReader::new(child.stdout.take().expect("piped stdout"))
}

pub fn next_line(out: &mut BufReader<ChildStdout>, child: &mut Child) -> String {
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).expect("read child") == 0 {
            let status = child.wait().expect("wait");
            panic!("the child ended ({status}) before saying anything more");
        }
        // The harness may have printed `test … ... ` on the same line.
        if let Some((_, word)) = line.trim_end().split_once("CHILD ") {
            return word.to_owned();
        }
    }
}

pub fn send(child: &mut Child, line: &str) {
    let stdin = child.stdin.as_mut().expect("piped stdin");
    writeln!(stdin, "{line}").expect("write to child");
    stdin.flush().expect("flush");
}

/// Runs one child per `(mode, arg)` on the store in `dir`: waits until
/// each says `ready`, tells them all to go at once, then waits until each
/// says `done` and exits successfully.
pub fn run_at_once(dir: &Path, children: &[(&str, &str)]) {
    let mut children: Vec<(Child, BufReader<ChildStdout>)> = children
        .iter()
        .map(|(mode, arg)| {
            let mut child = spawn_child(mode, dir, arg);
            let out = child_stdout(&mut child);
            (child, out)
        })
        .collect();
    for (child, out) in &mut children {
        assert_eq!(next_line(out, child), "ready");
    }
    for (child, _) in &mut children {
        send(child, "go");
    }
    for (child, out) in &mut children {
        assert_eq!(next_line(out, child), "done");
        assert!(child.wait().expect("wait").success());
    }
}

pub fn wait_for_parent() {
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// The child side of the metadata tests' processes; returns at once
/// unless this process is such a child.
pub fn child_main() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_ENV).expect("dir"));
    let arg = std::env::var(ARG_ENV).expect("arg");
    let store = Store::open(&dir).expect("open");
    match mode.as_str() {
        "hold-image" => {
            let lease = store
                .lease("a pull in a child process", Duration::from_secs(3600))
                .expect("lease");
            let id: Digest = arg.parse().expect("image id");
            lease.hold(&id).expect("hold");
            println!("CHILD held");
            wait_for_parent();
            panic!("the parent should have killed this process");
        }
        "record" => {
            let records: Vec<ImageRecord> = (0..CHILD_IMAGES)
                .map(|i| {
                    image(
                        &store,
                        &format!("{arg}{i}"),
                        &[&layer("shared", 100), &layer(&format!("{arg}{i}"), 50)],
                        T1,
                    )
                })
                .collect();
            println!("CHILD ready");
            wait_for_parent();
            for (i, record) in records.iter().enumerate() {
                let lease = store
                    .lease("a test pull", Duration::from_secs(60))
                    .expect("lease");
                lease.hold_image(&record.id).expect("hold");
                pull(&store, record, &format!("{arg}:{i}"));
            }
            println!("CHILD done");
        }
        other => panic!("unknown child mode {other}"),
    }
}
