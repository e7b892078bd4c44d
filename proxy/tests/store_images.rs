//! The store's metadata: recording, resolving, listing, tagging, `rm`
//! semantics (Docker's), pins, leases, gc, fsck and usage, on a real store
//! in a temporary folder. Cross-process cases re-run this test binary as a
//! child (`child_process_entry`).

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
use strata::store::{
    BlobRef, Conflict, ImageId, ImageRecord, RecordOutcome, Store, StoreError,
};

const CHILD_ENV: &str = "STRATA_STORE_TEST_CHILD";
const DIR_ENV: &str = "STRATA_STORE_TEST_DIR";
const ARG_ENV: &str = "STRATA_STORE_TEST_ARG";

// ---- fixtures ----

fn layer(seed: &str, len: usize) -> Vec<u8> {
    seed.bytes().cycle().take(len).collect()
}

/// Writes an image's blobs (config, layers, manifest) and returns its
/// record. `label` makes the config, hence the ID, unique.
fn image(store: &Store, label: &str, layers: &[&[u8]], created: &str) -> ImageRecord {
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
    store.put_small(&config_digest, &config).expect("config blob");
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

fn reference(s: &str) -> Reference {
    s.parse().expect("reference")
}

/// Records `record` as `docker pull NAME` would.
fn pull(store: &Store, record: &ImageRecord, name: &str) -> RecordOutcome {
    store
        .record_pull(record, &reference(name), &record.manifest.digest)
        .expect("record")
}

fn lines(store: &Store, arg: &str, force: bool) -> Vec<String> {
    store
        .remove(arg, force)
        .unwrap_or_else(|e| panic!("rm {arg}: {e}"))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn rm_error(store: &Store, arg: &str, force: bool) -> StoreError {
    match store.remove(arg, force) {
        Ok(lines) => panic!("rm {arg} should fail, printed {lines:?}"),
        Err(e) => e,
    }
}

fn familiar_tags(store: &Store, id: &ImageId) -> Vec<String> {
    store
        .row(id)
        .expect("row")
        .repo_tags
        .iter()
        .map(Reference::familiar)
        .collect()
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(dir.path()).expect("open");
    (dir, store)
}

const T1: &str = "2024-01-01T00:00:00Z";
const T2: &str = "2024-02-01T00:00:00Z";

// ---- record, resolve, list ----

#[test]
fn record_resolve_and_list() {
    let (_dir, store) = open();
    let base = layer("base", 1000);
    let app = layer("app", 500);
    let record = image(&store, "a", &[&base, &app], T1);
    let outcome = pull(&store, &record, "redis");
    assert_eq!(
        outcome,
        RecordOutcome {
            up_to_date: false,
            previous: None,
            previous_dangling: false
        }
    );
    let id = record.id.to_string();
    let hex = record.id.digest().encoded();
    let m = record.manifest.digest.to_string();
    for arg in [
        "redis".to_owned(),
        "redis:latest".into(),
        "docker.io/library/redis".into(),
        "index.docker.io/library/redis:latest".into(),
        format!("redis@{m}"),
        format!("redis:whatever@{m}"),
        id.clone(),
        hex.to_owned(),
        record.id.short().to_owned(),
        format!("sha256:{}", &hex[..5]),
    ] {
        assert_eq!(store.resolve(&arg).expect(&arg), record, "{arg}");
    }
    assert_eq!(store.get(&record.id).expect("get"), record);
    assert_eq!(store.image_config(&record).expect("config").os, "linux");
    assert_eq!(store.image_manifest(&record).expect("manifest").layers.len(), 2);

    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, record.id);
    assert_eq!(familiar_tags(&store, &record.id), ["redis:latest"]);
    assert_eq!(row.repo_digests.len(), 1);
    assert_eq!(row.repo_digests[0].familiar(), format!("redis@{m}"));
    assert_eq!(row.size, record.size);
    assert_eq!(row.created, record.created);
    assert_eq!(row.labels.get("fixture").map(String::as_str), Some("a"));
    assert_eq!(row.platform.to_string(), "linux/amd64");
    assert!(!row.dangling);
    assert!(row.pins.is_empty());

    let again = pull(&store, &record, "redis:latest");
    assert!(again.up_to_date, "re-pulling an unchanged tag is up to date");
    assert_eq!(
        store.tag_target(&reference("redis")).expect("target"),
        Some(record.manifest.digest.clone())
    );
}

#[test]
fn resolve_errors() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let other_digest = Digest::sha256_of(b"other");
    let cases: Vec<(String, &str)> = vec![
        ("nope".into(), "No such image: nope"),
        ("redis:7".into(), "No such image: redis:7"),
        (
            format!("redis@{other_digest}"),
            "No such image: redis@sha256:",
        ),
        ("0000000".into(), "No such image: 0000000"),
        ("Foo Bar".into(), "invalid reference format"),
        ("".into(), "invalid reference format"),
    ];
    for (arg, message) in cases {
        let err = store.resolve(&arg).expect_err(&arg);
        assert!(err.to_string().starts_with(message), "{arg}: {err}");
    }
    assert!(store.resolve("nope").expect_err("nope").is_not_found());
}

#[test]
fn record_refuses_missing_blobs() {
    let (_dir, store) = open();
    let mut record = image(&store, "a", &[&layer("x", 10)], T1);
    record.layers[0].digest = Digest::sha256_of(b"never written");
    let err = store
        .record_image(&record, None, None)
        .expect_err("missing layer");
    assert!(matches!(err, StoreError::MissingBlob { role: "layer", .. }), "{err}");
    assert!(store.list().expect("list").is_empty());
}

#[test]
fn a_moved_tag_leaves_the_old_image_dangling() {
    let (_dir, store) = open();
    let old = image(&store, "old", &[&layer("x", 10)], T1);
    let new = image(&store, "new", &[&layer("y", 10)], T2);
    pull(&store, &old, "app");
    let outcome = pull(&store, &new, "app");
    assert_eq!(
        outcome,
        RecordOutcome {
            up_to_date: false,
            previous: Some(old.id.clone()),
            previous_dangling: true
        }
    );
    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 2, "the old image is kept");
    assert_eq!(rows[0].id, new.id, "newest first");
    assert!(!rows[0].dangling);
    assert_eq!(rows[1].id, old.id);
    assert!(rows[1].dangling);
    assert!(rows[1].repo_tags.is_empty());
    assert_eq!(
        rows[1].repo_digests.len(),
        1,
        "its repo digest stays, as in Docker"
    );
    assert_eq!(store.resolve("app").expect("app").id, new.id);

    // `tag` names it again.
    let outcome = store
        .tag(old.id.short(), &reference("app:old"))
        .expect("tag");
    assert_eq!(outcome.previous, None);
    assert_eq!(familiar_tags(&store, &old.id), ["app:old"]);
    // Moving a tag with `tag` reports the image it leaves.
    let outcome = store.tag("app:old", &reference("app")).expect("tag");
    assert_eq!(outcome.previous, Some(new.id.clone()));
    assert!(outcome.previous_dangling);
    assert_eq!(familiar_tags(&store, &old.id), ["app:latest", "app:old"]);
    let err = store
        .tag("app", &reference(&format!("app@{}", old.manifest.digest)))
        .expect_err("digest target");
    assert!(matches!(err, StoreError::TagWithDigest { .. }), "{err}");
    assert!(store.tag("nope", &reference("x")).expect_err("nope").is_not_found());
}

// ---- rm ----

#[test]
fn rm_untags_while_other_tags_remain() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    store.tag("redis", &reference("redis:7")).expect("tag");
    assert_eq!(lines(&store, "redis:latest", false), ["Untagged: redis:latest"]);
    assert_eq!(familiar_tags(&store, &record.id), ["redis:7"]);
    assert_eq!(
        store.resolve(&format!("redis@{}", record.manifest.digest)).expect("digest").id,
        record.id,
        "another tag of the repository remains, so its digest reference stays"
    );
}

#[test]
fn rm_of_the_last_reference_deletes_the_image_and_unshared_layers() {
    let (_dir, store) = open();
    let base = layer("base", 1000);
    let a1 = layer("a1", 100);
    let a2 = layer("a2", 100);
    let b1 = layer("b1", 100);
    let a = image(&store, "a", &[&base, &a1, &a2], T1);
    let b = image(&store, "b", &[&base, &b1], T2);
    pull(&store, &a, "user/a:v1");
    pull(&store, &b, "b");
    let d = |bytes: &[u8]| Digest::sha256_of(bytes);
    assert_eq!(
        lines(&store, "user/a:v1", false),
        [
            "Untagged: user/a:v1".to_owned(),
            format!("Untagged: user/a@{}", a.manifest.digest),
            format!("Deleted: {}", a.id),
            format!("Deleted: {}", d(&a2)),
            format!("Deleted: {}", d(&a1)),
        ]
    );
    let content = store.content();
    use strata::store::Provider;
    for gone in [d(&a1), d(&a2), a.id.digest().clone(), a.manifest.digest.clone()] {
        assert_eq!(content.info(&gone).expect("info"), None, "{gone}");
    }
    assert!(content.info(&d(&base)).expect("info").is_some(), "shared layer kept");
    assert!(store.resolve("user/a:v1").is_err());
    let report = store.fsck().expect("fsck");
    assert!(report.is_clean(), "{report}");
    assert!(report.unreferenced.is_empty());

    assert_eq!(
        lines(&store, "b", false),
        [
            "Untagged: b:latest".to_owned(),
            format!("Untagged: b@{}", b.manifest.digest),
            format!("Deleted: {}", b.id),
            format!("Deleted: {}", d(&b1)),
            format!("Deleted: {}", d(&base)),
        ]
    );
    assert!(store.list().expect("list").is_empty());
    assert!(content.list_is_empty());
}

/// `Manager::list` is empty.
trait ListIsEmpty {
    fn list_is_empty(&self) -> bool;
}

impl<M: strata::store::Manager> ListIsEmpty for M {
    fn list_is_empty(&self) -> bool {
        self.list().expect("list").is_empty()
    }
}

#[test]
fn rm_by_id_prefix_and_of_a_dangling_image() {
    let (_dir, store) = open();
    let old = image(&store, "old", &[&layer("x", 10)], T1);
    let new = image(&store, "new", &[&layer("y", 10)], T2);
    pull(&store, &old, "app");
    pull(&store, &new, "app");
    // `old` is dangling with one digest reference: a single reference.
    assert_eq!(
        lines(&store, old.id.short(), false),
        [
            format!("Untagged: app@{}", old.manifest.digest),
            format!("Deleted: {}", old.id),
            format!("Deleted: {}", Digest::sha256_of(&layer("x", 10))),
        ]
    );
    assert_eq!(
        lines(&store, &format!("sha256:{}", &new.id.digest().encoded()[..20]), false),
        [
            "Untagged: app:latest".to_owned(),
            format!("Untagged: app@{}", new.manifest.digest),
            format!("Deleted: {}", new.id),
            format!("Deleted: {}", Digest::sha256_of(&layer("y", 10))),
        ]
    );
}

#[test]
fn an_ambiguous_id_prefix_lists_the_candidates() {
    let (_dir, store) = open();
    // Images until two IDs share their first hex digit.
    let mut seen: Vec<ImageRecord> = Vec::new();
    let (first, second) = loop {
        let record = image(&store, &format!("img{}", seen.len()), &[&layer("x", 10)], T1);
        store.record_image(&record, None, None).expect("record");
        let start = &record.id.digest().encoded()[..1];
        if let Some(other) = seen.iter().find(|r| &r.id.digest().encoded()[..1] == start) {
            break (other.clone(), record);
        }
        seen.push(record);
    };
    let prefix = &first.id.digest().encoded()[..1];
    let err = store.resolve(prefix).expect_err("ambiguous");
    match &err {
        StoreError::AmbiguousId { candidates, .. } => {
            assert!(candidates.contains(&first.id) && candidates.contains(&second.id));
        }
        other => panic!("expected ambiguity, got {other}"),
    }
    let message = err.to_string();
    assert!(message.contains(first.id.short()) && message.contains(second.id.short()), "{message}");
    assert!(matches!(rm_error(&store, prefix, true), StoreError::AmbiguousId { .. }));
    assert_eq!(store.list().expect("list").len(), seen.len() + 1, "nothing removed");
}

#[test]
fn rm_by_id_of_an_image_in_several_repositories_needs_force() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "x");
    store.tag("x", &reference("y:v1")).expect("tag");
    let err = rm_error(&store, record.id.short(), false);
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
            record.id.short()
        )
    );
    assert!(err.is_conflict());
    assert_eq!(familiar_tags(&store, &record.id), ["x:latest", "y:v1"], "unchanged");
    assert_eq!(
        lines(&store, record.id.short(), true),
        [
            "Untagged: x:latest".to_owned(),
            format!("Untagged: x@{}", record.manifest.digest),
            "Untagged: y:v1".to_owned(),
            format!("Deleted: {}", record.id),
            format!("Deleted: {}", Digest::sha256_of(&layer("x", 10))),
        ]
    );
}

#[test]
fn rm_by_name_when_another_repository_tags_the_image_only_untags() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "x");
    store.tag("x", &reference("y")).expect("tag");
    assert_eq!(
        lines(&store, "x", false),
        [
            "Untagged: x:latest".to_owned(),
            format!("Untagged: x@{}", record.manifest.digest),
        ]
    );
    assert_eq!(familiar_tags(&store, &record.id), ["y:latest"]);
}

#[test]
fn pins_refuse_rm_unless_forced() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "deepone");
    assert_eq!(store.pin("deepone", "prod").expect("pin"), record.id);
    store.pin("deepone", "prod").expect("pinning twice is one pin");
    assert_eq!(store.row(&record.id).expect("row").pins, ["prod"]);
    let short = record.id.short();

    let err = rm_error(&store, "deepone:latest", false);
    assert_eq!(
        err.to_string(),
        format!("conflict: unable to remove repository reference \"deepone:latest\" (must force) - image {short} is pinned by 'prod'")
    );
    assert!(matches!(err, StoreError::Conflict(Conflict::PinnedReference { .. })));
    let err = rm_error(&store, short, false);
    assert_eq!(
        err.to_string(),
        format!("conflict: unable to delete {short} (must be forced) - image is pinned by 'prod'")
    );
    assert_eq!(familiar_tags(&store, &record.id), ["deepone:latest"], "unchanged");

    // With another tag, removing one only untags: the pin is not in the way.
    store.tag("deepone", &reference("deepone:v2")).expect("tag");
    assert_eq!(lines(&store, "deepone:latest", false), ["Untagged: deepone:latest"]);

    // Force overrides the pin.
    let removed = lines(&store, "deepone:v2", true);
    assert_eq!(removed[0], "Untagged: deepone:v2");
    assert!(removed.contains(&format!("Deleted: {}", record.id)), "{removed:?}");
    assert!(store.list().expect("list").is_empty());
}

#[test]
fn unpin() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    store.pin("redis", "prod").expect("pin");
    store.pin(record.id.short(), "ci").expect("pin");
    assert_eq!(store.row(&record.id).expect("row").pins, ["ci", "prod"]);
    let err = store.unpin("redis", Some("nobody")).expect_err("no such pin");
    assert_eq!(err.to_string(), "image redis is not pinned by 'nobody'");
    assert!(err.is_not_found());
    assert_eq!(store.unpin("redis", Some("prod")).expect("unpin"), ["prod"]);
    assert_eq!(store.unpin("redis", None).expect("unpin all"), ["ci"]);
    assert!(store.unpin("redis", None).is_err());
    assert!(store.pin("redis", "").is_err(), "empty pin name");
    assert!(store.pin("nope", "prod").expect_err("no image").is_not_found());
    assert_eq!(lines(&store, "redis", false).len(), 4, "unpinned: removable");
}

#[test]
fn a_lease_refuses_rm_even_when_forced() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let lease = store
        .lease("a pull of redis:latest", Duration::from_secs(3600))
        .expect("lease");
    lease.hold_image(&record.id).expect("hold");
    let short = record.id.short();
    let pid = std::process::id();
    for (arg, force) in [("redis", false), ("redis", true), (short, true)] {
        let err = rm_error(&store, arg, force);
        assert_eq!(
            err.to_string(),
            format!("conflict: unable to remove \"{arg}\" (cannot be forced) - image {short} is in use by a pull of redis:latest (pid {pid}); wait for it to finish"),
        );
    }
    assert_eq!(familiar_tags(&store, &record.id), ["redis:latest"], "unchanged");
    // Untagging while other tags keep the image is fine.
    store.tag("redis", &reference("redis:extra")).expect("tag");
    assert_eq!(lines(&store, "redis:extra", false), ["Untagged: redis:extra"]);

    let leases = store.leases().expect("leases");
    assert_eq!(leases.len(), 1);
    assert!(leases[0].live);
    assert_eq!(leases[0].pid, pid);
    assert_eq!(leases[0].digests, [record.id.digest().clone()]);

    drop(lease);
    assert!(store.leases().expect("leases").is_empty());
    assert_eq!(lines(&store, "redis", true).len(), 4);
}

#[test]
fn an_expired_lease_does_not_hold() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let lease = store.lease("a stuck pull", Duration::ZERO).expect("lease");
    lease.hold_image(&record.id).expect("hold");
    assert!(!store.leases().expect("leases")[0].live);
    assert_eq!(lines(&store, "redis", false).len(), 4);
}

#[test]
fn a_crashed_holder_does_not_hold() {
    let (dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let mut child = spawn_child("hold-image", dir.path(), &record.id.to_string());
    let mut out = child_stdout(&mut child);
    assert_eq!(next_line(&mut out, &mut child), "held");
    let err = rm_error(&store, "redis", true);
    assert!(err.to_string().contains(&format!("(pid {})", child.id())), "{err}");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    assert_eq!(lines(&store, "redis", true).len(), 4, "the dead holder's lease is stale");
    assert_eq!(store.gc().expect("gc"), Vec::<Digest>::new());
    assert!(store.leases().expect("leases").is_empty(), "gc removed the stale lease");
}

#[test]
fn rm_several_arguments_each_reports() {
    let (_dir, store) = open();
    let a = image(&store, "a", &[&layer("x", 10)], T1);
    let b = image(&store, "b", &[&layer("x", 10)], T2);
    pull(&store, &a, "a");
    pull(&store, &b, "b");
    store.pin("b", "prod").expect("pin");
    let ids: Vec<String> = store
        .list()
        .expect("list")
        .iter()
        .map(|r| r.id.short().to_owned())
        .collect();
    let results: Vec<bool> = ids
        .iter()
        .chain(std::iter::once(&"nope".to_owned()))
        .map(|id| store.remove(id, false).is_ok())
        .collect();
    assert_eq!(results, [false, true, false], "b pinned, a removed, nope unknown");
    let forced: Vec<bool> = ids.iter().map(|id| store.remove(id, true).is_ok()).collect();
    assert_eq!(forced, [true, false], "b forced; a already gone");
    assert!(store.list().expect("list").is_empty());
}

// ---- gc, fsck, usage ----

#[test]
fn gc_deletes_only_unreferenced_unleased_blobs() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let loose = b"nothing references me".to_vec();
    let loose_digest = Digest::sha256_of(&loose);
    store.put_small(&loose_digest, &loose).expect("put");
    let held = b"a pull in flight wrote me".to_vec();
    let held_digest = Digest::sha256_of(&held);
    let lease = store.lease("a pull", Duration::from_secs(60)).expect("lease");
    lease.hold(&held_digest).expect("hold");
    store.put_small(&held_digest, &held).expect("put");

    let report = store.fsck().expect("fsck");
    assert!(report.is_clean(), "unreferenced blobs are not problems: {report}");
    let mut unreferenced = vec![loose_digest.clone(), held_digest.clone()];
    unreferenced.sort();
    assert_eq!(report.unreferenced, unreferenced);

    assert_eq!(store.gc().expect("gc"), [loose_digest]);
    assert_eq!(store.gc().expect("gc"), Vec::<Digest>::new());
    drop(lease);
    assert_eq!(store.gc().expect("gc"), [held_digest]);
    assert_eq!(store.resolve("redis").expect("intact"), record);
    assert!(store.fsck().expect("fsck").is_clean());
}

#[test]
fn fsck_finds_corrupt_missing_and_stray_blobs() {
    let (dir, store) = open();
    let l1 = layer("one", 5000);
    let l2 = layer("two", 5000);
    let record = image(&store, "a", &[&l1, &l2], T1);
    pull(&store, &record, "redis");
    let clean = store.fsck().expect("fsck");
    assert!(clean.is_clean(), "{clean}");
    assert_eq!(clean.blobs_checked, 4);

    // Flip one byte of a layer.
    let d1 = Digest::sha256_of(&l1);
    let path = store.content().blob_path(&d1);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[2500] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");
    // Remove the other layer, and drop a stray file in blobs/.
    let d2 = Digest::sha256_of(&l2);
    std::fs::remove_file(store.content().blob_path(&d2)).expect("rm");
    std::fs::write(dir.path().join("blobs/sha256/not-a-digest"), b"?").expect("stray");

    let report = store.fsck().expect("fsck");
    assert!(!report.is_clean());
    assert_eq!(report.corrupt.len(), 1);
    assert_eq!(report.corrupt[0].expected, d1);
    assert_eq!(report.corrupt[0].actual, Digest::sha256_of(&bytes));
    assert_eq!(report.broken_references.len(), 1);
    assert_eq!(report.broken_references[0].digest, d2);
    assert_eq!(report.broken_references[0].role, "layer");
    assert_eq!(report.broken_references[0].actual_size, None);
    assert_eq!(report.stray_files.len(), 1);
    let problems = report.problems();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains(&format!("corrupt blob {d1}"))), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains(&format!("layer {d2} is missing"))), "{problems:?}");
    // fsck reports; it does not repair.
    assert_eq!(std::fs::read(&path).expect("still there"), bytes);
}

#[test]
fn usage_counts_shared_layers_once() {
    let (_dir, store) = open();
    let base = layer("base", 10_000);
    let a = image(&store, "a", &[&base, &layer("a", 300)], T1);
    let b = image(&store, "b", &[&base, &layer("b", 200)], T2);
    pull(&store, &a, "a");
    pull(&store, &b, "b");
    let usage = store.usage().expect("usage");
    assert_eq!(usage.images, 2);
    assert_eq!(usage.total_bytes, a.size + b.size);
    assert_eq!(usage.unique_bytes, a.size + b.size - 10_000);
    assert_eq!(usage.bytes_saved_by_sharing, 10_000);
    let manifests = a.manifest.size + b.manifest.size;
    assert_eq!(usage.disk_bytes, usage.unique_bytes + manifests);
}

// ---- several processes ----

#[test]
fn two_processes_record_at_once() {
    let (dir, store) = open();
    let mut children: Vec<(Child, BufReader<ChildStdout>)> = ["left", "right"]
        .iter()
        .map(|name| {
            let mut child = spawn_child("record", dir.path(), name);
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
    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 2 * CHILD_IMAGES);
    let report = store.fsck().expect("fsck");
    assert!(report.is_clean(), "{report}");
    assert!(report.unreferenced.is_empty());
}

#[test]
fn listing_ten_thousand_images() {
    let (_dir, store) = open();
    const N: usize = 10_000;
    let shared_layer = layer("shared", 100);
    let started = std::time::Instant::now();
    let template = image(&store, "template", &[&shared_layer], T1);
    for i in 0..N {
        // Same blobs for all but the config, whose digest is the ID; the
        // config blob itself is written for each.
        let config = format!("{{\"n\":{i}}}");
        let digest = Digest::sha256_of(config.as_bytes());
        store.put_small(&digest, config.as_bytes()).expect("config");
        let mut record = template.clone();
        record.id = ImageId::new(digest);
        record.config_size = config.len() as u64;
        store
            .record_image(&record, Some((&reference(&format!("img{}", i % 100)), &format!("t{i}").parse().expect("tag"))), None)
            .expect("record");
    }
    eprintln!("recorded {N} images in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let rows = store.list().expect("list");
    let took = started.elapsed();
    eprintln!("listed {N} images in {took:?}");
    assert_eq!(rows.len(), N);
    assert!(rows.iter().all(|r| r.repo_tags.len() == 1));
}

// ---- child processes ----

const CHILD_IMAGES: usize = 30;

fn spawn_child(mode: &str, dir: &Path, arg: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["child_process_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .env(ARG_ENV, arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

fn child_stdout(child: &mut Child) -> BufReader<ChildStdout> {
    BufReader::new(child.stdout.take().expect("piped stdout"))
}

fn next_line(out: &mut BufReader<ChildStdout>, child: &mut Child) -> String {
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).expect("read child") == 0 {
            let status = child.wait().expect("wait");
            panic!("the child ended ({status}) before saying anything more");
        }
        if let Some(word) = line.trim_end().strip_prefix("CHILD ") {
            return word.to_owned();
        }
    }
}

fn send(child: &mut Child, line: &str) {
    let stdin = child.stdin.as_mut().expect("piped stdin");
    writeln!(stdin, "{line}").expect("write to child");
    stdin.flush().expect("flush");
}

fn wait_for_parent() {
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Entry point of the child processes these tests spawn (this binary
/// re-run with `STRATA_STORE_TEST_CHILD` set); nothing to do otherwise.
#[test]
fn child_process_entry() {
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
                .map(|i| image(&store, &format!("{arg}{i}"), &[&layer("shared", 100), &layer(&format!("{arg}{i}"), 50)], T1))
                .collect();
            println!("CHILD ready");
            wait_for_parent();
            for (i, record) in records.iter().enumerate() {
                let lease = store.lease("a test pull", Duration::from_secs(60)).expect("lease");
                lease.hold_image(&record.id).expect("hold");
                pull(&store, record, &format!("{arg}:{i}"));
            }
            println!("CHILD done");
        }
        other => panic!("unknown child mode {other}"),
    }
}
