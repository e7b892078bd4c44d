//! The content-store conformance suite, written once: every backend of
//! `strata::store::content` must pass it. `suite` holds the checks as
//! functions generic over the store; `conformance!` instantiates one
//! `#[test]` per check for a backend: `LocalContent`, and `S3Content` on a
//! real SeaweedFS (`test_support::s3`; S3-specific checks are in
//! `store_s3.rs`).
//!
//! The cross-process checks re-run this test binary as a child
//! (`child_process_entry` with `STRATA_STORE_TEST_CHILD` set), talking to
//! it over stdin/stdout, so no timing assumptions are made.

use std::path::Path;

use shared::digest::Digest;
use strata::store::{ContentStore, ContentWriter, Ingest, LocalContent, StoreError};

#[expect(dead_code, reason = "the image fixtures serve the metadata tests")]
#[path = "../store_support/mod.rs"]
mod store_support;

#[path = "../s3_support/mod.rs"]
#[expect(dead_code, reason = "blob_digests is for the CLI tests")]
mod s3_support;

use store_support::{
    CHILD_ENV, DIR_ENV, child_stdout, next_line, send, spawn_child, wait_for_parent,
};

/// Opens the backend under test on a folder. Must work again on the same
/// folder: another handle, or another process.
type Open<S> = fn(&Path) -> S;

/// Deterministic content of `len` bytes.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn write_all<W: ContentWriter>(writer: &mut W, bytes: &[u8]) {
    for chunk in bytes.chunks(7_919) {
        writer.write(chunk).expect("write");
    }
}

fn read_all<S: ContentStore>(store: &S, digest: &Digest) -> Vec<u8> {
    let mut blob = store.open(digest).expect("open");
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut blob.reader, &mut out).expect("read");
    assert_eq!(out.len() as u64, blob.size);
    out
}

fn new_writer<S: ContentStore>(store: &S, digest: &Digest, size: Option<u64>) -> S::Writer {
    match store.writer(digest, size).expect("writer") {
        Ingest::Writer(w) => w,
        Ingest::Exists(n) => panic!("{digest} already exists ({n} bytes)"),
    }
}

mod children;
use children::CHILD_LEN;
mod suite;

/// One `#[test]` per check of `suite` for the backend that `$open` opens.
macro_rules! conformance {
    ($open:expr, $backend:literal) => {
        conformance!(@each $open, $backend;
            commit_makes_the_blob_visible,
            size_unknown_and_sha512,
            wrong_bytes_are_a_digest_mismatch_and_invisible,
            wrong_sizes_are_refused,
            an_existing_blob_is_success,
            try_writer_reports_busy,
            drop_without_commit_discards,
            one_writer_per_digest_across_threads,
            writers_beside_do_not_wait_and_the_first_commit_wins,
            ranges,
            delete_and_list,
            layer_indexes_are_kept_replaced_and_deleted;
            one_writer_per_digest_across_processes,
            a_writer_killed_mid_write_leaves_nothing
        );
    };
    (@each $open:expr, $backend:literal; $($check:ident),* ; $($process_check:ident),*) => {
        $( #[test] fn $check() { suite::$check($open) } )*
        $( #[test] fn $process_check() { suite::$process_check($open, $backend) } )*
    };
}

mod local_content {
    use super::*;
    use strata::store::Ingester as _;

    fn open(dir: &Path) -> LocalContent {
        LocalContent::open(dir).expect("open")
    }

    conformance!(open, "local");

    fn ingest_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir.join("ingest"))
            .expect("ingest dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn layout_on_disk() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = open(dir.path());
        let bytes = content(10, 10);
        let digest = Digest::sha256_of(&bytes);
        let mut writer = new_writer(&store, &digest, None);
        write_all(&mut writer, &bytes);
        assert_eq!(ingest_files(dir.path()).len(), 1, "writes go to ingest/");
        writer.commit().expect("commit");
        let path = dir.path().join("blobs/sha256").join(digest.encoded());
        assert_eq!(store.blob_path(&digest), path);
        assert_eq!(std::fs::read(&path).expect("blob file"), bytes);
        assert!(ingest_files(dir.path()).is_empty());
        let locks: Vec<_> = std::fs::read_dir(dir.path().join("locks"))
            .expect("locks")
            .collect();
        assert!(locks.is_empty(), "released digest locks are removed");
    }

    #[test]
    fn failures_and_drops_leave_no_ingest_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = open(dir.path());
        let bytes = content(11, 1000);
        let digest = Digest::sha256_of(&bytes);
        let mut dropped = new_writer(&store, &digest, None);
        write_all(&mut dropped, &bytes[..10]);
        drop(dropped);
        assert!(ingest_files(dir.path()).is_empty(), "dropped");
        let mut mismatched = new_writer(&store, &digest, None);
        write_all(&mut mismatched, b"other bytes");
        assert!(mismatched.commit().is_err());
        assert!(ingest_files(dir.path()).is_empty(), "digest mismatch");
        let mut too_long = new_writer(&store, &digest, Some(5));
        assert!(too_long.write(&bytes).is_err());
        assert!(ingest_files(dir.path()).is_empty(), "too long");
        let Ingest::Writer(mut beside) = store.writer_beside(&digest, None).expect("beside") else {
            panic!("not stored")
        };
        write_all(&mut beside, &bytes[..10]);
        assert_eq!(ingest_files(dir.path()).len(), 1, "beside");
        let held = LocalContent::open(dir.path()).expect("reopen");
        assert_eq!(
            ingest_files(dir.path()).len(),
            1,
            "a live writer's file stays"
        );
        drop((beside, held));
        assert!(ingest_files(dir.path()).is_empty(), "dropped beside");
    }

    /// After a crash: the store opens (removing the dead writer's ingest
    /// file) and fsck is clean.
    #[test]
    fn crash_mid_write_then_fsck_is_clean() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut child = spawn_child("local:crash-mid-write", dir.path(), "");
        let mut out = child_stdout(&mut child);
        assert_eq!(next_line(&mut out, &mut child), "half-written");
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        assert_eq!(ingest_files(dir.path()).len(), 1, "the dead writer's file");
        let store = strata::store::Store::open(dir.path()).expect("open after crash");
        assert!(ingest_files(dir.path()).is_empty(), "removed on open");
        let report = store.fsck().expect("fsck");
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.blobs_checked, 0);
    }
}

/// The same checks on S3-compatible object storage. Each store folder
/// holds the writer locks and names its own bucket (`s3_support`).
mod s3_content {
    use super::*;
    use strata::store::S3Content;

    fn open(dir: &Path) -> S3Content {
        s3_support::open(dir)
    }

    conformance!(open, "s3");
}

/// Entry point of the child processes that the cross-process checks
/// spawn: this test binary re-run with `STRATA_STORE_TEST_CHILD` set to
/// `backend:mode`. Without it, there is nothing to do.
#[test]
fn child_process_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_ENV).expect("store dir"));
    let (backend, mode) = spec.split_once(':').expect("backend:mode");
    match backend {
        "local" => children::child(&LocalContent::open(&dir).expect("open"), mode),
        "s3" => children::child(&s3_support::open(&dir), mode),
        other => panic!("unknown backend {other}"),
    }
}
