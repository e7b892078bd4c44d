//! The checks, each generic over the content backend.

use super::*;

pub fn commit_makes_the_blob_visible<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(1, 300_000);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = new_writer(&store, &digest, Some(bytes.len() as u64));
    assert_eq!(writer.digest(), &digest);
    write_all(&mut writer, &bytes[..1000]);
    assert_eq!(writer.bytes_written(), 1000);
    assert_eq!(
        store.info(&digest).expect("info"),
        None,
        "invisible until commit"
    );
    write_all(&mut writer, &bytes[1000..]);
    assert_eq!(writer.commit().expect("commit"), bytes.len() as u64);
    assert_eq!(store.info(&digest).expect("info"), Some(bytes.len() as u64));
    assert_eq!(read_all(&store, &digest), bytes);
    let listed = store.list().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].digest, digest);
    assert_eq!(listed[0].size, bytes.len() as u64);
    // Another handle on the same folder sees it.
    assert_eq!(
        open(dir.path()).info(&digest).expect("info"),
        Some(bytes.len() as u64)
    );
}

pub fn size_unknown_and_sha512<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(2, 5000);
    for digest in [
        Digest::sha256_of(&bytes),
        Digest::of(shared::digest::Algorithm::Sha512, &bytes),
    ] {
        let mut writer = new_writer(&store, &digest, None);
        write_all(&mut writer, &bytes);
        assert_eq!(writer.commit().expect("commit"), 5000);
        assert_eq!(read_all(&store, &digest), bytes);
    }
    assert_eq!(store.list().expect("list").len(), 2);
}

pub fn wrong_bytes_are_a_digest_mismatch_and_invisible<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let good = content(3, 10_000);
    let mut bad = good.clone();
    bad[5000] ^= 0xff;
    let expected = Digest::sha256_of(&good);
    let actual = Digest::sha256_of(&bad);
    let mut writer = new_writer(&store, &expected, Some(good.len() as u64));
    write_all(&mut writer, &bad);
    match writer.commit() {
        Err(StoreError::DigestMismatch {
            expected: e,
            actual: a,
        }) => {
            assert_eq!(e, expected);
            assert_eq!(a, actual);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    assert_eq!(store.info(&expected).expect("info"), None);
    assert_eq!(store.info(&actual).expect("info"), None);
    assert!(store.list().expect("list").is_empty());
    // The digest is free again, and the right bytes go in.
    let mut writer = match store.try_writer(&expected, None).expect("try") {
        Some(Ingest::Writer(w)) => w,
        other => panic!("expected a free writer, got {other:?}"),
    };
    write_all(&mut writer, &good);
    writer.commit().expect("commit");
    assert_eq!(read_all(&store, &expected), good);
}

pub fn wrong_sizes_are_refused<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(4, 1000);
    let digest = Digest::sha256_of(&bytes);

    // Too short: found at commit.
    let mut writer = new_writer(&store, &digest, Some(1001));
    write_all(&mut writer, &bytes);
    let err = writer.commit().expect_err("short");
    assert!(
        matches!(&err, StoreError::SizeMismatch { expected: 1001, actual: 1000, digest: d } if d == &digest),
        "{err:?}"
    );

    // Too long: refused by the write that passes the size.
    let mut writer = new_writer(&store, &digest, Some(999));
    let err = writer.write(&bytes).expect_err("long");
    assert!(
        matches!(
            &err,
            StoreError::SizeMismatch {
                expected: 999,
                actual: 1000,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(writer.commit().is_err(), "a failed writer cannot commit");
    assert_eq!(store.info(&digest).expect("info"), None);

    // Stored, then asked for with another size: the descriptor lies.
    let mut writer = new_writer(&store, &digest, Some(1000));
    write_all(&mut writer, &bytes);
    writer.commit().expect("commit");
    let err = store.writer(&digest, Some(5)).expect_err("size lie");
    assert!(
        matches!(
            err,
            StoreError::SizeMismatch {
                expected: 5,
                actual: 1000,
                ..
            }
        ),
        "{err:?}"
    );
}

pub fn an_existing_blob_is_success<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(5, 4096);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = new_writer(&store, &digest, Some(4096));
    write_all(&mut writer, &bytes);
    writer.commit().expect("commit");
    for size in [Some(4096), None] {
        assert!(matches!(
            store.writer(&digest, size).expect("writer"),
            Ingest::Exists(4096)
        ));
        assert!(matches!(
            store.try_writer(&digest, size).expect("try"),
            Some(Ingest::Exists(4096))
        ));
    }
}

pub fn try_writer_reports_busy<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let other = open(dir.path());
    let bytes = content(6, 100);
    let digest = Digest::sha256_of(&bytes);
    let writer = new_writer(&store, &digest, Some(100));
    assert!(other.try_writer(&digest, Some(100)).expect("try").is_none());
    assert!(store.try_writer(&digest, Some(100)).expect("try").is_none());
    drop(writer);
    assert!(matches!(
        other.try_writer(&digest, Some(100)).expect("try"),
        Some(Ingest::Writer(_))
    ));
}

pub fn drop_without_commit_discards<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(7, 50_000);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = new_writer(&store, &digest, Some(50_000));
    write_all(&mut writer, &bytes[..20_000]);
    drop(writer);
    assert_eq!(store.info(&digest).expect("info"), None);
    assert!(store.list().expect("list").is_empty());
    let mut writer = match store.try_writer(&digest, Some(50_000)).expect("try") {
        Some(Ingest::Writer(w)) => w,
        other => panic!("the digest should be free, got {other:?}"),
    };
    write_all(&mut writer, &bytes);
    assert_eq!(writer.bytes_written(), 50_000, "a new writer starts afresh");
    writer.commit().expect("commit");
}

pub fn one_writer_per_digest_across_threads<S: ContentStore + 'static>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let bytes = std::sync::Arc::new(content(8, 2_000_000));
    let digest = Digest::sha256_of(&bytes);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            // Each thread has its own handle, as separate requests would.
            let store = open(dir.path());
            let (bytes, digest, barrier) = (bytes.clone(), digest.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                match store
                    .writer(&digest, Some(bytes.len() as u64))
                    .expect("writer")
                {
                    Ingest::Writer(mut w) => {
                        write_all(&mut w, &bytes);
                        w.commit().expect("commit");
                        "wrote"
                    }
                    Ingest::Exists(n) => {
                        assert_eq!(n, bytes.len() as u64);
                        "exists"
                    }
                }
            })
        })
        .collect();
    let mut outcomes: Vec<&str> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["exists", "exists", "exists", "wrote"]);
    let store = open(dir.path());
    assert_eq!(read_all(&store, &digest), *bytes);
    assert_eq!(store.list().expect("list").len(), 1);
}

/// Writers beside the locked one neither wait for it nor exclude
/// each other; the first verified commit wins and the others succeed
/// too, leaving one blob and no ingest file; a wrong one stays
/// invisible.
pub fn writers_beside_do_not_wait_and_the_first_commit_wins<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(12, 300_000);
    let digest = Digest::sha256_of(&bytes);
    let size = Some(bytes.len() as u64);
    let mut stalled = new_writer(&store, &digest, size);
    write_all(&mut stalled, &bytes[..10]);
    let beside = |store: &S| match store.writer_beside(&digest, size).expect("beside") {
        Ingest::Writer(w) => w,
        Ingest::Exists(_) => panic!("not stored yet"),
    };
    let (mut first, mut second, mut wrong) = (beside(&store), beside(&store), beside(&store));
    write_all(&mut first, &bytes);
    write_all(&mut second, &bytes);
    wrong.write(&content(13, 300_000)).expect("write");
    assert!(wrong.commit().is_err(), "a mismatch is refused");
    assert_eq!(store.info(&digest).expect("info"), None);
    assert_eq!(first.commit().expect("first"), bytes.len() as u64);
    assert_eq!(second.commit().expect("second"), bytes.len() as u64);
    write_all(&mut stalled, &bytes[10..]);
    assert_eq!(
        stalled.commit().expect("the stalled one"),
        bytes.len() as u64
    );
    assert!(matches!(
        store.writer_beside(&digest, size).expect("beside"),
        Ingest::Exists(n) if n == bytes.len() as u64
    ));
    assert_eq!(read_all(&store, &digest), bytes);
    assert_eq!(store.list().expect("list").len(), 1);
}

pub fn ranges<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let bytes = content(9, 1000);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = new_writer(&store, &digest, None);
    write_all(&mut writer, &bytes);
    writer.commit().expect("commit");
    let cases: &[(u64, Option<u64>, std::ops::Range<usize>)] = &[
        (0, None, 0..1000),
        (0, Some(10), 0..10),
        (990, None, 990..1000),
        (990, Some(100), 990..1000),
        (500, Some(0), 500..500),
        (1000, None, 1000..1000),
        (5000, Some(3), 1000..1000),
    ];
    for (offset, len, want) in cases {
        let mut blob = store.open_range(&digest, *offset, *len).expect("range");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut blob.reader, &mut out).expect("read");
        assert_eq!(out, bytes[want.clone()], "{offset} {len:?}");
        assert_eq!(blob.size, want.len() as u64, "{offset} {len:?}");
    }
    let missing = Digest::sha256_of(b"missing");
    assert!(matches!(
        store.open(&missing),
        Err(StoreError::BlobNotFound { .. })
    ));
    assert!(matches!(
        store.open_range(&missing, 0, None),
        Err(StoreError::BlobNotFound { .. })
    ));
}

pub fn delete_and_list<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let mut digests = Vec::new();
    for seed in 0..3 {
        let bytes = content(seed, 100 + seed as usize);
        let digest = Digest::sha256_of(&bytes);
        let mut writer = new_writer(&store, &digest, None);
        write_all(&mut writer, &bytes);
        writer.commit().expect("commit");
        digests.push(digest);
    }
    digests.sort();
    let listed: Vec<Digest> = store
        .list()
        .expect("list")
        .into_iter()
        .map(|b| b.digest)
        .collect();
    assert_eq!(listed, digests, "sorted by digest");
    assert!(store.delete(&digests[1]).expect("delete"));
    assert!(!store.delete(&digests[1]).expect("delete again"));
    assert_eq!(store.info(&digests[1]).expect("info"), None);
    assert_eq!(store.list().expect("list").len(), 2);
}

/// Two processes write the same digest: both succeed, one writes, the
/// other waits for it and finds the blob there.
pub fn one_writer_per_digest_across_processes<S: ContentStore>(open: Open<S>, backend: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    // Opened here first: a backend may set the folder up (the S3 one
    // names its bucket in it) for the children to find.
    let store = open(dir.path());
    let mut first = spawn_child(&format!("{backend}:write-and-wait"), dir.path(), "");
    let mut first_out = child_stdout(&mut first);
    assert_eq!(next_line(&mut first_out, &mut first), "asking");
    assert_eq!(next_line(&mut first_out, &mut first), "writer");
    let mut second = spawn_child(&format!("{backend}:write-and-wait"), dir.path(), "");
    let mut second_out = child_stdout(&mut second);
    assert_eq!(next_line(&mut second_out, &mut second), "asking");
    // The second is now waiting for the digest (or about to); let the
    // first finish.
    send(&mut first, "go");
    assert_eq!(next_line(&mut first_out, &mut first), "committed");
    assert_eq!(next_line(&mut second_out, &mut second), "exists");
    assert!(first.wait().expect("wait").success());
    assert!(second.wait().expect("wait").success());
    let bytes = content(42, CHILD_LEN);
    assert_eq!(read_all(&store, &Digest::sha256_of(&bytes)), bytes);
    assert_eq!(store.list().expect("list").len(), 1, "one file");
}

/// A writer killed with SIGKILL mid-write: the store opens, the blob
/// is absent, and a new write succeeds.
pub fn a_writer_killed_mid_write_leaves_nothing<S: ContentStore>(open: Open<S>, backend: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    // Set the folder up for the child (see above).
    drop(open(dir.path()));
    let mut child = spawn_child(&format!("{backend}:crash-mid-write"), dir.path(), "");
    let mut out = child_stdout(&mut child);
    assert_eq!(next_line(&mut out, &mut child), "half-written");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let store = open(dir.path());
    let bytes = content(42, CHILD_LEN);
    let digest = Digest::sha256_of(&bytes);
    assert_eq!(store.info(&digest).expect("info"), None);
    assert!(store.list().expect("list").is_empty());
    let mut writer = match store
        .try_writer(&digest, Some(bytes.len() as u64))
        .expect("try")
    {
        Some(Ingest::Writer(w)) => w,
        other => panic!("the dead writer's digest should be free, got {other:?}"),
    };
    write_all(&mut writer, &bytes);
    writer.commit().expect("commit");
    assert_eq!(read_all(&store, &digest), bytes);
}

/// A layer's index is kept beside it: absent, stored whole, replaced,
/// read back, deleted; another layer's is separate.
pub fn layer_indexes_are_kept_replaced_and_deleted<S: ContentStore>(open: Open<S>) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(dir.path());
    let layer = Digest::sha256_of(b"a layer");
    let other = Digest::sha256_of(b"another layer");
    let read = |digest: &Digest| {
        store.index(digest).expect("index").map(|mut index| {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut index.reader, &mut out).expect("read");
            assert_eq!(out.len() as u64, index.size);
            out
        })
    };
    assert_eq!(read(&layer), None);
    assert!(!store.has_index(&layer).expect("has"));
    assert!(!store.delete_index(&layer).expect("delete absent"));
    store.put_index(&layer, content(1, 70_000)).expect("put");
    store
        .put_index(&other, b"other".to_vec())
        .expect("put other");
    assert_eq!(read(&layer), Some(content(1, 70_000)));
    store.put_index(&layer, content(2, 100)).expect("replace");
    assert_eq!(read(&layer), Some(content(2, 100)));
    assert!(store.has_index(&layer).expect("has"));
    assert!(store.delete_index(&layer).expect("delete"));
    assert_eq!(read(&layer), None);
    assert!(!store.has_index(&layer).expect("has"));
    assert_eq!(read(&other), Some(b"other".to_vec()));
    assert!(
        store.list().expect("list").is_empty(),
        "an index is not a blob"
    );
}
