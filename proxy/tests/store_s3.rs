//! What only the S3 backend has to show, on a real SeaweedFS
//! (`test_support::s3`): large blobs go up in parts with one part
//! buffered, a mismatch leaves no object anywhere, concurrent commits of
//! one digest both succeed and leave one object, and a wrong credential or
//! endpoint is an error that says what to check. The conformance suite
//! (`store_conformance.rs`) covers the semantics shared with the local
//! folder.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Barrier};

use shared::digest::{Digest, Verifier};
use strata::store::content::s3::{PART_SIZE, S3Writer};
use strata::store::{ContentWriter, Ingest, Ingester, Manager, Provider, S3Content, StoreError};

#[expect(dead_code, reason = "blob_digests is for the CLI tests")]
mod s3_support;

/// Deterministic content of `len` bytes.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 16) as u8))
        .collect()
}

fn beside(store: &S3Content, digest: &Digest, size: usize) -> S3Writer {
    match store
        .writer_beside(digest, Some(size as u64))
        .expect("writer")
    {
        Ingest::Writer(w) => w,
        Ingest::Exists(n) => panic!("{digest} already stored ({n} bytes)"),
    }
}

fn write_all(writer: &mut S3Writer, bytes: &[u8]) {
    for chunk in bytes.chunks(64 * 1024) {
        writer.write(chunk).expect("write");
    }
}

/// Nothing under `ingest/`, nothing under `blobs/`.
fn assert_empty(store: &S3Content, case: &str) {
    assert!(store.list().expect("list").is_empty(), "{case}: blobs/");
    assert!(
        store.ingest_objects().expect("ingest").is_empty(),
        "{case}: ingest/"
    );
}

#[test]
fn a_40_mib_blob_goes_up_in_parts_with_one_part_buffered() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = s3_support::open(dir.path());
    let bytes = content(1, 40 << 20);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = beside(&store, &digest, bytes.len());
    write_all(&mut writer, &bytes);
    assert_eq!(writer.parts_uploaded(), 5, "five full 8 MiB parts went up");
    assert_eq!(
        writer.peak_buffered(),
        PART_SIZE,
        "never more than one part held"
    );
    assert_eq!(store.info(&digest).expect("info"), None, "not yet visible");
    assert_eq!(writer.commit().expect("commit"), bytes.len() as u64);
    assert_eq!(store.info(&digest).expect("info"), Some(40 << 20));
    assert!(store.ingest_objects().expect("ingest").is_empty());

    // Read back as a stream, hashing on the way.
    let mut blob = store.open(&digest).expect("open");
    assert_eq!(blob.size, 40 << 20);
    let mut verifier = Verifier::new(digest.clone(), Some(blob.size));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = blob.reader.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        verifier.update(&buf[..n]).expect("not too long");
    }
    verifier.finish().expect("the same bytes came back");

    // A range across a part boundary.
    let start = PART_SIZE as u64 - 10;
    let mut range = store.open_range(&digest, start, Some(20)).expect("range");
    let mut out = Vec::new();
    range.reader.read_to_end(&mut out).expect("read");
    assert_eq!(out, bytes[start as usize..start as usize + 20]);

    // A small blob costs about its own size, not a whole part.
    let small = content(5, 100_000);
    let mut writer = beside(&store, &Digest::sha256_of(&small), small.len());
    write_all(&mut writer, &small);
    assert_eq!(writer.parts_uploaded(), 0);
    assert!(
        writer.peak_buffered() <= 2 * small.len(),
        "{}",
        writer.peak_buffered()
    );
    writer.commit().expect("commit");
}

#[test]
fn a_digest_mismatch_leaves_no_blob_and_no_ingest_object() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = s3_support::open(dir.path());
    #[rustfmt::skip]
    let cases: [(&str, usize); 3] = [
        ("one small put", 100_000),
        ("one full part", PART_SIZE),
        ("a multipart upload", PART_SIZE * 2 + 12_345),
    ];
    for (case, len) in cases {
        let good = content(2, len);
        let mut bad = good.clone();
        bad[len / 2] ^= 1;
        let digest = Digest::sha256_of(&good);
        let mut writer = beside(&store, &digest, len);
        write_all(&mut writer, &bad);
        match writer.commit() {
            Err(StoreError::DigestMismatch { expected, actual }) => {
                assert_eq!(expected, digest, "{case}");
                assert_eq!(actual, Digest::sha256_of(&bad), "{case}");
            }
            other => panic!("{case}: expected a digest mismatch, got {other:?}"),
        }
        assert_empty(&store, case);
        assert_eq!(store.info(&digest).expect("info"), None, "{case}");
    }
}

#[test]
fn too_many_bytes_abort_the_upload() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = s3_support::open(dir.path());
    let bytes = content(3, PART_SIZE + 1000);
    let digest = Digest::sha256_of(&bytes);
    let mut writer = beside(&store, &digest, PART_SIZE + 10);
    let err = bytes
        .chunks(64 * 1024)
        .find_map(|chunk| writer.write(chunk).err())
        .expect("too long");
    assert!(matches!(err, StoreError::SizeMismatch { .. }), "{err:?}");
    assert!(writer.parts_uploaded() >= 1, "a part had gone up");
    assert!(writer.commit().is_err());
    assert_empty(&store, "too long");
}

#[test]
fn concurrent_commits_of_one_digest_both_succeed_and_leave_one_object() {
    #[rustfmt::skip]
    let cases: [(&str, usize); 2] = [
        ("conditional puts", 300_000),
        ("conditional copies of finished uploads", PART_SIZE + 4321),
    ];
    for (case, len) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let bytes = Arc::new(content(4, len));
        let digest = Digest::sha256_of(&bytes);
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                // Two handles, as two replicas would have: neither waits
                // for the other's lock.
                let store = s3_support::open(dir.path());
                let mut writer = beside(&store, &digest, len);
                write_all(&mut writer, &bytes);
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    writer.commit()
                })
            })
            .collect();
        for thread in threads {
            let committed = thread.join().expect("thread");
            assert_eq!(committed.expect(case), len as u64, "{case}");
        }
        let store = s3_support::open(dir.path());
        let listed = store.list().expect("list");
        assert_eq!(listed.len(), 1, "{case}: one object");
        assert_eq!(listed[0].size, len as u64, "{case}");
        assert!(
            store.ingest_objects().expect("ingest").is_empty(),
            "{case}: no upload left"
        );
        let mut out = Vec::new();
        store
            .open(&digest)
            .expect("open")
            .reader
            .read_to_end(&mut out)
            .expect("read");
        assert!(out == *bytes, "{case}: the verified bytes");
    }
}

#[test]
fn wrong_credentials_and_endpoints_say_what_to_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = s3_support::config(dir.path());
    let endpoint = good.endpoint.clone().expect("endpoint");
    let closed = format!(
        "http://127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port()
    );
    let bucket = good.location.bucket();
    #[rustfmt::skip]
    let cases = [
        ("a wrong secret", s3_support::with_keys(&endpoint, bucket, &good.access_key_id, "wrong")),
        ("an unknown key", s3_support::with_keys(&endpoint, bucket, "nobody", "wrong")),
        ("nothing listening", s3_support::with_keys(&closed, bucket, &good.access_key_id, &good.secret_access_key)),
    ];
    let store = S3Content::open(dir.path(), &good).expect("open");
    assert!(
        !format!("{store:?} {good:?}").contains(&good.secret_access_key),
        "the secret is redacted"
    );
    let digest = Digest::sha256_of(b"x");
    for (case, config) in cases {
        let store = S3Content::open(Path::new(dir.path()), &config).expect("open sends nothing");
        let err = store.info(&digest).expect_err(case);
        let message = err.to_string();
        assert!(
            matches!(err, StoreError::BlobStore { .. }),
            "{case}: {err:?}"
        );
        assert!(message.contains("AWS_"), "{case}: {message}");
        assert!(!message.contains("wrong"), "{case}: no secret in {message}");
    }
}

/// A blob declared larger than one copy may take (5 GiB on AWS; 12 MiB
/// here) goes up to its own key, invisible until verified: no copy, no
/// ingest object, and a mismatch leaves nothing.
#[test]
fn a_blob_too_large_to_copy_is_uploaded_to_its_own_key_and_completed_once_verified() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = s3_support::open(dir.path()).with_copy_limit(12 << 20);
    let bytes = content(9, 20 << 20);
    let digest = Digest::sha256_of(&bytes);

    let mut bad = bytes.clone();
    bad[1 << 20] ^= 1;
    let mut writer = beside(&store, &digest, bad.len());
    write_all(&mut writer, &bad);
    assert_eq!(writer.parts_uploaded(), 2);
    assert!(matches!(
        writer.commit(),
        Err(StoreError::DigestMismatch { .. })
    ));
    assert_empty(&store, "a mismatching direct upload");

    let mut writer = beside(&store, &digest, bytes.len());
    write_all(&mut writer, &bytes);
    assert_eq!(writer.parts_uploaded(), 2, "two 8 MiB parts went up");
    assert_empty(&store, "uploaded, not yet verified");
    assert_eq!(writer.commit().expect("commit"), bytes.len() as u64);
    assert_eq!(store.info(&digest).expect("info"), Some(20 << 20));
    assert!(
        store.ingest_objects().expect("ingest").is_empty(),
        "nothing was copied from ingest/"
    );
    let mut back = Vec::new();
    store
        .open(&digest)
        .expect("open")
        .reader
        .read_to_end(&mut back)
        .expect("read");
    assert_eq!(Digest::sha256_of(&back), digest);

    // Below the limit, the usual way: through ingest/ and a copy.
    let small = content(10, 10 << 20);
    let mut writer = beside(&store, &Digest::sha256_of(&small), small.len());
    write_all(&mut writer, &small);
    assert_eq!(
        store.ingest_objects().expect("ingest").len(),
        0,
        "an upload in progress is not an object yet"
    );
    writer.commit().expect("commit");
    assert_eq!(
        store.info(&Digest::sha256_of(&small)).expect("info"),
        Some(10 << 20)
    );
}
