//! `rm` on a real store, with Docker's semantics: untag versus delete,
//! shared layers kept, ID prefixes, conflicts (several repositories, pins,
//! operations in flight), several arguments.

#[expect(dead_code, reason = "each test file uses part of the shared helpers")]
mod store_support;

use std::time::Duration;

use shared::digest::Digest;
use store_support::*;
use strata::store::{Conflict, ImageRecord, StoreError};

#[test]
fn rm_untags_while_other_tags_remain() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    store.tag("redis", &reference("redis:7")).expect("tag");
    assert_eq!(
        lines(&store, "redis:latest", false),
        ["Untagged: redis:latest"]
    );
    assert_eq!(familiar_tags(&store, &record.id), ["redis:7"]);
    assert_eq!(
        store
            .resolve(&format!("redis@{}", record.manifest.digest))
            .expect("digest")
            .id,
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
    for gone in [
        d(&a1),
        d(&a2),
        a.id.digest().clone(),
        a.manifest.digest.clone(),
    ] {
        assert_eq!(content.info(&gone).expect("info"), None, "{gone}");
    }
    assert!(
        content.info(&d(&base)).expect("info").is_some(),
        "shared layer kept"
    );
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
    // `old` is dangling: its tag moved and its digest reference went with it.
    assert_eq!(
        lines(&store, old.id.short(), false),
        [
            format!("Deleted: {}", old.id),
            format!("Deleted: {}", Digest::sha256_of(&layer("x", 10))),
        ]
    );
    assert_eq!(
        lines(
            &store,
            &format!("sha256:{}", &new.id.digest().encoded()[..20]),
            false
        ),
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
        let record = image(
            &store,
            &format!("img{}", seen.len()),
            &[&layer("x", 10)],
            T1,
        );
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
    assert!(
        message.contains(first.id.short()) && message.contains(second.id.short()),
        "{message}"
    );
    assert!(matches!(
        rm_error(&store, prefix, true),
        StoreError::AmbiguousId { .. }
    ));
    assert_eq!(
        store.list().expect("list").len(),
        seen.len() + 1,
        "nothing removed"
    );
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
    assert_eq!(
        familiar_tags(&store, &record.id),
        ["x:latest", "y:v1"],
        "unchanged"
    );
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
    store
        .pin("deepone", "prod")
        .expect("pinning twice is one pin");
    assert_eq!(store.row(&record.id).expect("row").pins, ["prod"]);
    let short = record.id.short();

    let err = rm_error(&store, "deepone:latest", false);
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: unable to remove repository reference \"deepone:latest\" (must force) - image {short} is pinned by 'prod'"
        )
    );
    assert!(matches!(
        err,
        StoreError::Conflict(Conflict::PinnedReference { .. })
    ));
    let err = rm_error(&store, short, false);
    assert_eq!(
        err.to_string(),
        format!("conflict: unable to delete {short} (must be forced) - image is pinned by 'prod'")
    );
    assert_eq!(
        familiar_tags(&store, &record.id),
        ["deepone:latest"],
        "unchanged"
    );

    // With another tag, removing one only untags: the pin is not in the way.
    store.tag("deepone", &reference("deepone:v2")).expect("tag");
    assert_eq!(
        lines(&store, "deepone:latest", false),
        ["Untagged: deepone:latest"]
    );

    // Force overrides the pin.
    let removed = lines(&store, "deepone:v2", true);
    assert_eq!(removed[0], "Untagged: deepone:v2");
    assert!(
        removed.contains(&format!("Deleted: {}", record.id)),
        "{removed:?}"
    );
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
    let err = store
        .unpin("redis", Some("nobody"))
        .expect_err("no such pin");
    assert_eq!(err.to_string(), "image redis is not pinned by 'nobody'");
    assert!(err.is_not_found());
    assert_eq!(store.unpin("redis", Some("prod")).expect("unpin"), ["prod"]);
    assert_eq!(store.unpin("redis", None).expect("unpin all"), ["ci"]);
    assert!(store.unpin("redis", None).is_err());
    assert!(store.pin("redis", "").is_err(), "empty pin name");
    assert!(
        store
            .pin("nope", "prod")
            .expect_err("no image")
            .is_not_found()
    );
    assert_eq!(
        lines(&store, "redis", false).len(),
        4,
        "unpinned: removable"
    );
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
            format!(
                "conflict: unable to remove \"{arg}\" (cannot be forced) - image {short} is in use by a pull of redis:latest (pid {pid}); wait for it to finish"
            ),
        );
    }
    assert_eq!(
        familiar_tags(&store, &record.id),
        ["redis:latest"],
        "unchanged"
    );
    // Untagging while other tags keep the image is fine.
    store.tag("redis", &reference("redis:extra")).expect("tag");
    assert_eq!(
        lines(&store, "redis:extra", false),
        ["Untagged: redis:extra"]
    );

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
    assert!(
        err.to_string().contains(&format!("(pid {})", child.id())),
        "{err}"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    assert_eq!(
        lines(&store, "redis", true).len(),
        4,
        "the dead holder's lease is stale"
    );
    assert_eq!(store.gc().expect("gc"), Vec::<Digest>::new());
    assert!(
        store.leases().expect("leases").is_empty(),
        "gc removed the stale lease"
    );
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
    assert_eq!(
        results,
        [false, true, false],
        "b pinned, a removed, nope unknown"
    );
    let forced: Vec<bool> = ids
        .iter()
        .map(|id| store.remove(id, true).is_ok())
        .collect();
    assert_eq!(forced, [true, false], "b forced; a already gone");
    assert!(store.list().expect("list").is_empty());
}

/// Entry point of the child processes these tests spawn; nothing to do
/// in a normal run.
#[test]
fn child_process_entry() {
    child_main();
}
