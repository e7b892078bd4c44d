//! Store maintenance on a real store: garbage collection, fsck, and
//! several processes writing metadata at once.

#[expect(dead_code, reason = "each test file uses part of the shared helpers")]
mod store_support;

use std::time::Duration;

use shared::digest::Digest;
use store_support::*;
use strata::store::LayerIndexes as _;

// ---- gc, fsck ----

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
    let lease = store
        .lease("a pull", Duration::from_secs(60))
        .expect("lease");
    lease.hold(&held_digest).expect("hold");
    store.put_small(&held_digest, &held).expect("put");

    let report = store.fsck().expect("fsck");
    assert!(
        report.is_clean(),
        "unreferenced blobs are not problems: {report}"
    );
    let mut unreferenced = vec![loose_digest.clone(), held_digest.clone()];
    unreferenced.sort();
    assert_eq!(report.unreferenced, unreferenced);
    let summary = report.to_string();
    assert!(
        summary.ends_with(", 0 problems, 2 unreferenced blobs (`strata gc` deletes them)\n"),
        "{summary}"
    );

    assert_eq!(store.gc().expect("gc"), [loose_digest]);
    assert_eq!(store.gc().expect("gc"), Vec::<Digest>::new());
    drop(lease);
    assert_eq!(store.gc().expect("gc"), [held_digest]);
    assert_eq!(store.resolve("redis").expect("intact"), record);
    assert!(store.fsck().expect("fsck").is_clean());
}

#[test]
fn gc_deletes_layer_indexes_with_their_blobs_and_those_left_without_one() {
    let (_dir, store) = open();
    let kept = layer("kept", 10);
    let kept_digest = Digest::sha256_of(&kept);
    let record = image(&store, "a", &[&kept], T1);
    pull(&store, &record, "redis");
    let loose = b"a layer nothing references".to_vec();
    let loose_digest = Digest::sha256_of(&loose);
    store.put_small(&loose_digest, &loose).expect("put");
    let orphan = Digest::sha256_of(b"a blob deleted before its index was written");
    for digest in [&kept_digest, &loose_digest, &orphan] {
        store
            .content()
            .put_index(digest, b"an index".to_vec())
            .expect("put index");
    }

    assert_eq!(store.gc().expect("gc"), vec![loose_digest]);
    assert_eq!(
        store.content().indexed().expect("indexed"),
        vec![kept_digest],
        "only the stored layer's index is left"
    );
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
    assert_eq!(
        clean.to_string(),
        format!(
            "4 blobs ({} bytes) checked, 0 problems\n",
            clean.bytes_checked
        )
    );

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
    assert!(report.to_string().ends_with(", 3 problems\n"), "{report}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("corrupt blob {d1}"))),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("layer {d2} is missing"))),
        "{problems:?}"
    );
    // fsck reports; it does not repair.
    assert_eq!(std::fs::read(&path).expect("still there"), bytes);
}

// ---- several processes ----

#[test]
fn two_processes_record_at_once() {
    let (dir, store) = open();
    run_at_once(dir.path(), &[("record", "left"), ("record", "right")]);
    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 2 * CHILD_IMAGES);
    let report = store.fsck().expect("fsck");
    assert!(report.is_clean(), "{report}");
    assert!(report.unreferenced.is_empty());
}

/// Entry point of the child processes these tests spawn; nothing to do
/// in a normal run.
#[test]
fn child_process_entry() {
    child_main();
}
