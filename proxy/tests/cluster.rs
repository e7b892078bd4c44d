//! Several `strata serve` replicas as one cache (#17, "Scale out"): each
//! replica has a store folder of its own, all share one PostgreSQL
//! database and one S3 bucket (SeaweedFS), and the real registry sits
//! behind a proxy that counts what reaches it (`cluster_support`).
//!
//! - two replicas pulling one large image at once fetch each blob from
//!   upstream once, and every client gets the right bytes;
//! - with the upstream gone, a replica serves what another one fetched;
//! - a replica killed (`kill -9`) mid-transfer leaves the clients another
//!   replica has for the same blob whole, and the store passes `fsck`;
//! - `strata gc` on another replica while a pull is in flight deletes
//!   nothing the pull holds;
//! - `strata images` on another replica lists what came through any.

use std::time::Duration;

use reqwest::StatusCode;
use test_support::StrataServer;
use test_support::faulty::Fault;
use test_support::fixtures::layer::sha256;
use test_support::{eventually, fixtures};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod s3_support;

mod cluster_support;

use cluster_support::{Cluster, blobs_of, dir_layout_verifies, large_image, requests_read_by};
use serve_v2_support::{get, v2};

const MIB: u64 = 1024 * 1024;

/// Waits for the cluster to settle (a cached image is recorded after the
/// response that completed it, and commits to the bucket follow the last
/// bytes sent).
const SETTLE: Duration = Duration::from_secs(60);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime")
}

/// `…/v2/<upstream>/<repo>/blobs/<digest>` on `server`.
fn blob_url(server: &StrataServer, cluster: &Cluster, repo: &str, digest: &str) -> String {
    format!(
        "{}/blobs/{digest}",
        v2(server, cluster.upstream_host(), repo)
    )
}

/// `…/v2/<upstream>/<repo>/manifests/<reference>` on `server`.
fn manifest_url(server: &StrataServer, cluster: &Cluster, repo: &str, reference: &str) -> String {
    format!(
        "{}/manifests/{reference}",
        v2(server, cluster.upstream_host(), repo)
    )
}

/// `strata images` as replica C, once it lists every one of `wanted`.
fn images_listing(cluster: &Cluster, wanted: &[String]) -> String {
    eventually(SETTLE, "every image listed by strata images", || {
        let listed = cluster.strata_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        if wanted.iter().all(|w| listed.lines().any(|l| l == w)) {
            Ok(listed)
        } else {
            Err(listed)
        }
    })
}

#[test]
fn two_replicas_pulling_one_image_at_once_fetch_each_blob_from_upstream_once() {
    let image = large_image();
    let blobs = blobs_of(image);
    // About 1.5 s a layer, so the replicas' transfers overlap.
    let cluster = Cluster::start(
        "cluster-once",
        vec![Fault::SlowBlob("/blobs/".to_owned(), 16 * MIB)],
    );
    let pushed = cluster.push(image);
    let (a, b) = (cluster.replica(), cluster.replica());

    runtime().block_on(async {
        let manifests: Vec<_> = [&a, &b]
            .map(|server| {
                tokio::spawn(get_owned(manifest_url(
                    server, &cluster, image.repo, "latest",
                )))
            })
            .into_iter()
            .collect();
        for manifest in manifests {
            let got = manifest.await.expect("join");
            assert_eq!(got.status, StatusCode::OK);
            assert_eq!(sha256(got.bytes()), pushed.digest);
        }
        // Every blob, on both replicas at once.
        let mut transfers = Vec::new();
        for (digest, _) in &blobs {
            for server in [&a, &b] {
                let url = blob_url(server, &cluster, image.repo, digest);
                transfers.push((digest.clone(), url.clone(), tokio::spawn(get_owned(url))));
            }
        }
        for (digest, url, transfer) in transfers {
            let got = transfer.await.expect("join");
            assert_eq!(got.status, StatusCode::OK, "{url}");
            assert_eq!(sha256(got.bytes()), digest, "{url}");
        }
    });

    let requests = cluster.upstream_requests();
    for (digest, _) in &blobs {
        assert_eq!(
            cluster.upstream_blob_gets(digest),
            1,
            "upstream GETs of {digest} (one expected across the replicas): {requests:#?}"
        );
    }
    let name = format!("{}/{}:latest", cluster.upstream_host(), image.repo);
    images_listing(&cluster, &[name]);
    cluster.assert_fsck_passes();
}

/// [`get`] of an owned URL, for `tokio::spawn`.
async fn get_owned(url: String) -> serve_v2_support::Got {
    get(&url).await
}

#[test]
fn with_the_upstream_gone_a_replica_serves_what_another_one_fetched() {
    let image = large_image();
    let blobs = blobs_of(image);
    let mut cluster = Cluster::start("cluster-offline", Vec::new());
    let pushed = cluster.push(image);
    let (a, b) = (cluster.replica(), cluster.replica());
    let pulled = tempfile::tempdir().expect("tmp");
    a.skopeo_copy(
        cluster.upstream_host(),
        &format!("{}:latest", image.repo),
        pulled.path(),
    );
    dir_layout_verifies(pulled.path(), &blobs).expect("what A served");
    // The last commits to the bucket may follow the last bytes sent.
    eventually(SETTLE, "every blob of the image in the bucket", || {
        let stored = cluster.bucket_blobs();
        blobs.iter().all(|(d, _)| stored.contains(d))
    });

    cluster.stop_upstream();
    runtime().block_on(async {
        let manifest = get(&manifest_url(&b, &cluster, image.repo, &pushed.digest)).await;
        assert_eq!(manifest.status, StatusCode::OK);
        assert_eq!(sha256(manifest.bytes()), pushed.digest);
        for (digest, _) in &blobs {
            let got = get(&blob_url(&b, &cluster, image.repo, digest)).await;
            assert_eq!(got.status, StatusCode::OK, "{digest}");
            assert_eq!(sha256(got.bytes()), *digest);
        }
    });
}

#[test]
fn a_replica_killed_mid_transfer_leaves_the_other_replicas_clients_whole() {
    let image = large_image();
    let blobs = blobs_of(image);
    let (layer, size) = blobs[1].clone();
    // About six seconds for the layer: still under way when A is killed.
    let cluster = Cluster::start(
        "cluster-kill",
        vec![Fault::SlowBlob(layer.clone(), size / 6)],
    );
    cluster.push(image);
    let (a, b) = (cluster.replica(), cluster.replica());
    const CLIENTS: usize = 3;

    runtime().block_on(async {
        let mut on_a = reqwest::get(blob_url(&a, &cluster, image.repo, &layer))
            .await
            .expect("GET on A");
        assert_eq!(on_a.status(), StatusCode::OK);
        let first = on_a.chunk().await.expect("a chunk").expect("a first chunk");
        assert!(!first.is_empty(), "A's transfer is under way");

        let on_b: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(get_owned(blob_url(&b, &cluster, image.repo, &layer))))
            .collect();
        eventually_read(&b, CLIENTS).await;
        drop(a); // SIGKILL, as kill -9.
        drop(on_a);

        for client in on_b {
            let got = client.await.expect("join");
            assert_eq!(got.status, StatusCode::OK);
            assert_eq!(sha256(got.bytes()), layer, "B's client got the layer");
        }
    });
    eventually(SETTLE, "the layer committed to the bucket", || {
        cluster.bucket_blobs().contains(&layer)
    });
    cluster.assert_fsck_passes();
}

/// Waits until `server` has read the requests of `n` clients.
async fn eventually_read(server: &StrataServer, n: usize) {
    test_support::eventually_async(
        Duration::from_secs(20),
        "the other replica has read its clients' requests",
        async || {
            let read = requests_read_by(server);
            if read >= n { Ok(()) } else { Err(read) }
        },
    )
    .await;
}

#[test]
fn gc_on_another_replica_deletes_nothing_a_pull_in_flight_holds() {
    let image = large_image();
    let blobs = blobs_of(image);
    let (slow, size) = blobs.last().expect("layers").clone();
    // About 30 seconds for the last layer: the pull is in flight while
    // replica C collects.
    let cluster = Cluster::start("cluster-gc", vec![Fault::SlowBlob(slow.clone(), size / 30)]);
    let pushed = cluster.push(image);
    let a = cluster.replica();

    runtime().block_on(async {
        // A client pulls through A as docker would: the manifest by tag,
        // then the config and the layers, the slow one last.
        let manifest = get(&manifest_url(&a, &cluster, image.repo, "latest")).await;
        assert_eq!(sha256(manifest.bytes()), pushed.digest);
        for (digest, _) in blobs.iter().filter(|(d, _)| *d != slow) {
            let got = get(&blob_url(&a, &cluster, image.repo, digest)).await;
            assert_eq!(sha256(got.bytes()), *digest);
        }
        let last = tokio::spawn(get_owned(blob_url(&a, &cluster, image.repo, &slow)));
        let arrived: Vec<String> = std::iter::once(pushed.digest.clone())
            .chain(blobs.iter().map(|(d, _)| d.clone()).filter(|d| *d != slow))
            .collect();
        let stored = test_support::eventually_async(SETTLE, "the pull half done", async || {
            let stored = tokio::task::block_in_place(|| cluster.bucket_blobs());
            let done = arrived.iter().all(|d| stored.contains(d));
            (done && cluster.upstream_blob_gets(&slow) > 0)
                .then_some(stored.clone())
                .ok_or(stored)
        })
        .await;
        assert!(
            !stored.contains(&slow),
            "the slow layer arrived before gc could run: nothing would be checked"
        );

        let collected = tokio::task::block_in_place(|| cluster.strata_ok(&["gc"]));
        for digest in &arrived {
            assert!(
                !collected.contains(digest.trim_start_matches("sha256:")),
                "gc deleted {digest}, which A's pull holds:\n{collected}"
            );
        }
        let stored = tokio::task::block_in_place(|| cluster.bucket_blobs());
        for digest in &arrived {
            assert!(stored.contains(digest), "{digest} is gone from the bucket");
        }
        let last = last.await.expect("join");
        assert_eq!(last.status, StatusCode::OK);
        assert_eq!(sha256(last.bytes()), slow, "A's pull completes");
    });
    let name = format!("{}/{}:latest", cluster.upstream_host(), image.repo);
    images_listing(&cluster, &[name]);
    cluster.assert_fsck_passes();
}

#[test]
fn images_on_another_replica_lists_what_came_through_any() {
    let cluster = Cluster::start("cluster-images", Vec::new());
    let alpine = fixtures::get("library/alpine:latest").expect("fixture");
    let webserver = fixtures::get("lovelearnlinux/webserver:v1").expect("fixture");
    cluster.push(alpine);
    cluster.push(webserver);
    let (a, b) = (cluster.replica(), cluster.replica());
    let (to_a, to_b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    a.skopeo_copy(cluster.upstream_host(), &alpine.name(), to_a.path());
    b.skopeo_copy(cluster.upstream_host(), &webserver.name(), to_b.path());

    let wanted = [alpine, webserver].map(|f| format!("{}/{}", cluster.upstream_host(), f.name()));
    let listed = images_listing(&cluster, &wanted);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    cluster.assert_fsck_passes();
}

#[test]
fn a_replica_stopped_with_ctrl_c_exits_cleanly() {
    let cluster = Cluster::start("cluster-stop", Vec::new());
    cluster.push(fixtures::get("library/alpine:latest").expect("fixture"));
    let mut a = cluster.replica();
    let pulled = tempfile::tempdir().expect("tmp");
    a.skopeo_copy(
        cluster.upstream_host(),
        "library/alpine:latest",
        pulled.path(),
    );
    // Once the image's unpacked size is known, the task that learns it
    // has looked at the store and waits for its next look, holding the
    // store (and the database connections in it) across the shutdown.
    let images = format!("{}/api/v1/images", a.url());
    runtime().block_on(test_support::eventually_async(
        SETTLE,
        "the image's unpacked size learned",
        async || {
            let page: serde_json::Value = reqwest::get(&images)
                .await
                .expect("GET /api/v1/images")
                .json()
                .await
                .expect("JSON");
            let rows = page["rows"].as_array().cloned().unwrap_or_default();
            (!rows.is_empty() && rows.iter().all(|r| r["size"].is_u64()))
                .then_some(())
                .ok_or(page)
        },
    ));
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &a.pid().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let exited = eventually(SETTLE, "the replica to exit", || a.check_alive().err());
    assert!(
        exited.contains("(exit status: 0)"),
        "Ctrl-C ends strata serve with success: {exited}"
    );
}
