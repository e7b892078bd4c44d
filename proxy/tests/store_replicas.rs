//! Replicas of one store (#17): each with a folder of its own, sharing a
//! PostgreSQL database (`test_support::postgres`) and an S3 bucket
//! (SeaweedFS, `test_support::s3`). Their lock files cannot see each
//! other, so what keeps them apart here is the database's shared locks:
//! one writer per digest, writers' progress, leases that are live for
//! every replica, garbage collection that waits for and spares what
//! another replica holds, and a replica killed with `kill -9` releasing
//! everything at once.
//!
//! The kill check re-runs this test binary as a child
//! (`child_process_entry`, with `STRATA_STORE_TEST_CHILD` set), talking to it
//! over stdin/stdout, so no timing assumptions are made.

use std::io::Write;
use std::path::Path;
use std::process::Child;
use std::sync::OnceLock;
use std::time::Duration;

use shared::digest::Digest;
use strata::store::content::s3::S3Config;
use strata::store::metadata::PostgresMetadata;
use strata::store::{
    Content, ContentWriter, Ingest, Ingester, Provider, S3Content, Store, StoreWriter,
};
use test_support::eventually::eventually;
use test_support::postgres::Postgres;
use test_support::s3::{ACCESS_KEY, S3, SECRET_KEY};

#[expect(dead_code, reason = "only its child-process helpers serve here")]
#[path = "store_support/mod.rs"]
mod store_support;

#[expect(dead_code, reason = "only its S3 configuration serves here")]
#[path = "s3_support/mod.rs"]
mod s3_support;

use store_support::{ARG_ENV, CHILD_ENV, DIR_ENV};

const WAIT: Duration = Duration::from_secs(30);

/// The database server, shared by this binary's tests.
fn postgres() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(|| Postgres::start().expect("PostgreSQL"))
}

/// A fresh database and bucket for one test: the URL and the S3
/// configuration every replica of the test opens.
fn cluster(name: &str) -> (String, S3Config) {
    let url = postgres().create_database(name).expect("database");
    let s3 = S3::shared();
    let bucket = format!("replicas-{}", name.replace('_', "-"));
    s3.create_bucket(&bucket).expect("bucket");
    (url, s3_config(&s3.endpoint(), &bucket))
}

fn s3_config(endpoint: &str, bucket: &str) -> S3Config {
    s3_support::with_keys(endpoint, bucket, ACCESS_KEY, SECRET_KEY)
}

/// Two replicas of one fresh cluster, and their folders.
struct Two {
    a: Store,
    b: Store,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn two_replicas(name: &str) -> Two {
    let (url, s3) = cluster(name);
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    Two {
        a: replica(dirs.0.path(), &url, &s3),
        b: replica(dirs.1.path(), &url, &s3),
        _dirs: dirs,
    }
}

/// A replica: its own folder, the shared database and bucket.
fn replica(dir: &Path, url: &str, s3: &S3Config) -> Store {
    let content = S3Content::open(dir, s3).expect("bucket");
    let metadata = PostgresMetadata::open(url).expect("database");
    Store::with_parts(dir, Some(Content::S3(content)), Some(Box::new(metadata))).expect("store")
}

fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed))
        .collect()
}

fn writer(store: &Store, digest: &Digest) -> StoreWriter {
    match store.content().writer(digest, None).expect("writer") {
        Ingest::Writer(w) => w,
        Ingest::Exists(n) => panic!("{digest} is already stored ({n} bytes)"),
    }
}

/// Stores `bytes` through `store`; their digest.
fn put(store: &Store, bytes: &[u8]) -> Digest {
    let digest = Digest::sha256_of(bytes);
    let mut w = writer(store, &digest);
    w.write(bytes).expect("write");
    w.commit().expect("commit");
    digest
}

#[test]
fn one_writer_per_digest_across_replicas() {
    let Two { a, b, _dirs } = two_replicas("one_writer");
    let bytes = content(1, 3 << 20);
    let digest = Digest::sha256_of(&bytes);

    let mut held = writer(&a, &digest);
    assert!(
        b.content()
            .try_writer(&digest, None)
            .expect("try")
            .is_none(),
        "B's folder lock is free, but A holds the digest's shared lock"
    );
    held.write(&bytes[..1 << 20]).expect("write");
    let seen = eventually(WAIT, "B sees A's progress", || {
        b.content().ingest_size(&digest).filter(|n| *n >= 1 << 20)
    });
    assert!(seen <= bytes.len() as u64, "{seen}");
    held.write(&bytes[1 << 20..]).expect("write");
    held.commit().expect("commit");

    match b.content().try_writer(&digest, None).expect("try") {
        Some(Ingest::Exists(n)) => assert_eq!(n, bytes.len() as u64),
        other => panic!("B should find A's blob stored, got {other:?}"),
    }
    assert_eq!(
        b.content().ingest_size(&digest),
        None,
        "a finished writer's progress is cleared"
    );
}

/// A replica waiting for another's writer waits as long as it makes
/// progress (a slow upload is not a stalled one), then finds the blob.
#[test]
fn a_replica_waits_for_a_moving_writer_on_another() {
    let Two { a, b, _dirs } = two_replicas("moving_writer");
    let bytes = content(2, 12 << 20);
    let digest = Digest::sha256_of(&bytes);
    let patience = Duration::from_millis(1500);

    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (to_write, a_store) = (bytes.clone(), a.clone());
    let holder = std::thread::spawn(move || {
        let mut w = writer(&a_store, &Digest::sha256_of(&to_write));
        ready_tx.send(()).expect("ready");
        // 12 MiB in 48 chunks, 100 ms apart: about 5 s, more than three
        // times the patience, reporting progress as it goes.
        for chunk in to_write.chunks(256 << 10) {
            w.write(chunk).expect("write");
            std::thread::sleep(Duration::from_millis(100));
        }
        w.commit().expect("commit")
    });
    ready_rx.recv().expect("holder started");
    // The store opens outside the runtime (its database client blocks);
    // `fetch_writer` waits on it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let waited = runtime
        .block_on(b.fetch_writer(&digest, None, patience))
        .expect("wait");
    assert!(
        matches!(waited, Ingest::Exists(n) if n == bytes.len() as u64),
        "B waited for A's upload instead of fetching beside it: {waited:?}"
    );
    assert_eq!(holder.join().expect("holder"), bytes.len() as u64);
}

#[test]
fn leases_are_live_for_every_replica_and_gc_spares_them() {
    let Two { a, b, _dirs } = two_replicas("leases");
    let held = put(&a, &content(3, 1000));
    let loose = put(&a, &content(4, 1000));

    let lease = a
        .lease("a pull on replica A", Duration::from_secs(3600))
        .expect("lease");
    lease.hold(&held).expect("hold");
    let leases = b.leases().expect("leases");
    assert_eq!(leases.len(), 1, "{leases:?}");
    assert!(leases[0].live, "A's lease is live for B: {leases:?}");

    assert_eq!(
        b.gc().expect("gc on B"),
        vec![loose.clone()],
        "B's gc deletes the unreferenced blob, not the one A's lease holds"
    );
    assert!(b.content().info(&held).expect("info").is_some());

    drop(lease);
    assert!(b.leases().expect("leases").is_empty());
    assert_eq!(b.gc().expect("gc on B"), vec![held]);
}

#[test]
fn a_replica_killed_mid_write_releases_its_lease_and_its_writer() {
    let (url, s3) = cluster("killed");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let b = replica(b_dir.path(), &url, &s3);
    let held = put(&b, &content(5, 1000));
    let digest = Digest::sha256_of(&content(6, 3 << 20));

    let mut child = spawn_child("hold-and-write", a_dir.path(), &url, &s3, &held);
    let mut out = store_support::child_stdout(&mut child);
    assert_eq!(store_support::next_line(&mut out, &mut child), "writing");
    let leases = b.leases().expect("leases");
    assert!(
        leases.len() == 1 && leases[0].live,
        "the child's lease is live: {leases:?}"
    );
    assert!(
        b.content()
            .try_writer(&digest, None)
            .expect("try")
            .is_none()
    );
    assert!(b.gc().expect("gc").is_empty(), "the child holds the blob");

    child.kill().expect("kill -9");
    child.wait().expect("reap");
    // The server notices the connection's end as the kernel closes it.
    eventually(WAIT, "the killed replica's lease goes stale", || {
        b.leases().expect("leases").iter().all(|l| !l.live)
    });
    match b.content().try_writer(&digest, None).expect("try") {
        Some(Ingest::Writer(mut w)) => {
            let bytes = content(6, 3 << 20);
            w.write(&bytes).expect("write");
            assert_eq!(w.commit().expect("commit"), bytes.len() as u64);
        }
        other => panic!("B takes the dead replica's digest over, got {other:?}"),
    }
    let mut both = vec![held, digest];
    both.sort();
    assert_eq!(b.gc().expect("gc"), both);
    assert!(
        b.leases().expect("leases").is_empty(),
        "the stale row is gone"
    );
}

// ---- the child process ----

/// The child, told the database, the bucket and the blob to hold.
fn spawn_child(mode: &str, dir: &Path, url: &str, s3: &S3Config, held: &Digest) -> Child {
    let endpoint = s3.endpoint.as_deref().unwrap_or_default();
    let arg = format!("{url} {endpoint} {} {held}", s3.location);
    store_support::spawn_child(mode, dir, &arg)
}

/// The child's side: takes a lease holding the blob it is given and the
/// writer of a 3 MiB blob, writes half of it, says so, and waits to be
/// killed.
#[test]
fn child_process_entry() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    assert_eq!(mode, "hold-and-write");
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_ENV).expect("dir"));
    let arg = std::env::var(ARG_ENV).expect("arg");
    let mut parts = arg.split(' ');
    let mut next = |what: &str| parts.next().unwrap_or_else(|| panic!("no {what}"));
    let (url, endpoint, location, held) = (
        next("database"),
        next("endpoint"),
        next("location"),
        next("digest"),
    );
    let bucket = location
        .strip_prefix("s3://")
        .and_then(|l| l.split('/').next())
        .expect("bucket");
    let store = replica(&dir, url, &s3_config(endpoint, bucket));
    let lease = store
        .lease(
            "a pull on a replica about to be killed",
            Duration::from_secs(3600),
        )
        .expect("lease");
    lease.hold(&held.parse().expect("digest")).expect("hold");
    let bytes = content(6, 3 << 20);
    let mut w = writer(&store, &Digest::sha256_of(&bytes));
    w.write(&bytes[..bytes.len() / 2]).expect("write");
    println!("CHILD writing");
    std::io::stdout().flush().expect("flush");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    panic!("the parent should have killed this process");
}

/// A store on PostgreSQL used, and dropped, on an async runtime's thread
/// (a lease a task takes and drops; the last handle going with a task
/// cancelled at shutdown) runs its blocking client elsewhere meanwhile,
/// instead of panicking.
#[test]
fn a_store_on_postgres_may_be_used_and_dropped_on_a_runtime_thread() {
    let Two { a, b, _dirs } = two_replicas("dropped");
    // Connections in the pool, and the shared locks' connection.
    assert!(a.leases().expect("leases").is_empty());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let held = Digest::sha256_of(b"held");
    runtime.block_on(async {
        let lease = a
            .lease("a task's lease", Duration::from_secs(60))
            .expect("lease");
        lease.hold(&held).expect("hold");
        assert!(b.leases().expect("leases")[0].live);
        drop(lease);
        assert!(b.generation().is_ok());
    });
    assert!(b.leases().expect("leases").is_empty(), "the lease ended");
    runtime.block_on(async move {
        drop(a);
        drop(b);
    });
}
