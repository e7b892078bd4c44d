//! `strata serve`'s `/v2` against garbage collection run by another
//! process on the same store, with the real distribution registry: an
//! image being pulled through `/v2` holds a store lease on its manifest,
//! config and layers from its manifest on, so a collection before the
//! last layer arrived keeps what arrived; once the image is recorded the
//! lease is gone.

use std::time::Duration;

use reqwest::StatusCode;
use strata::store::{LeaseInfo, Store};
use test_support::cli::Cli;
use test_support::eventually_async;
use test_support::fixtures::layer::sha256;

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{
    Redis, gc_in_cli, get, images_listing, redis_registry, serve, stored, strata, v2, wait_stored,
};

/// The leases on record that hold `digest`.
fn leases_holding(store: &Store, digest: &str) -> Vec<LeaseInfo> {
    store
        .leases()
        .expect("leases")
        .into_iter()
        .filter(|l| l.digests.iter().any(|d| d.to_string() == digest))
        .collect()
}

/// Waits (up to 10 s) until `done` says yes; panics with `what` after.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    eventually_async(Duration::from_secs(10), what, async || done()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gc_by_another_process_keeps_the_blobs_of_an_image_pulled_through_v2() {
    let Redis {
        registry,
        pushed,
        blobs,
        ..
    } = redis_registry();
    let alpine = registry
        .push_fixture("library/alpine:latest")
        .expect("push alpine");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let store = Store::open(server.store()).expect("open the server's store");
    let base = v2(&server, &registry.host(), "library/redis");

    // A client starts a pull: the manifest by tag, then the config only.
    let top = get(&format!("{base}/manifests/latest")).await;
    assert_eq!(top.status, StatusCode::OK);
    let manifest = sha256(top.bytes());
    assert_eq!(manifest, pushed.digest);
    let config = blobs[0].0.clone();
    let got = get(&format!("{base}/blobs/{config}")).await;
    assert_eq!(got.status, StatusCode::OK, "{config}");
    assert_eq!(sha256(got.bytes()), config);
    assert!(
        wait_stored(&server, &config).await,
        "{config} was not stored"
    );

    // strata holds the whole image under one lease (taken on a blocking
    // task as the manifest went out, one digest after the other).
    let image: Vec<String> = blobs
        .iter()
        .map(|(d, _)| d.clone())
        .chain([manifest.clone()])
        .collect();
    let holds_image = |lease: &LeaseInfo| {
        let held: Vec<String> = lease.digests.iter().map(ToString::to_string).collect();
        image.iter().all(|d| held.contains(d))
    };
    wait_until("no lease holds the image being pulled", || {
        leases_holding(&store, &config).iter().any(holds_image)
    })
    .await;
    let leases = leases_holding(&store, &config);
    assert_eq!(leases.len(), 1, "{leases:#?}");
    let lease = &leases[0];
    assert!(lease.live, "{lease:#?}");
    assert_eq!(lease.pid, server.pid(), "{lease:#?}");
    assert_eq!(
        lease.holder,
        format!(
            "a pull through /v2 of {}/library/redis@{manifest}",
            registry.host()
        )
    );

    // A blob fetched alone is only cache: the collection deletes it, which
    // shows it ran.
    let alpine_base = v2(&server, &registry.host(), "library/alpine");
    let alpine_manifest = serde_json::from_slice::<serde_json::Value>(
        &registry
            .raw_manifest("library/alpine", &alpine.digest)
            .expect("raw"),
    )
    .expect("json");
    let loose = alpine_manifest["config"]["digest"]
        .as_str()
        .expect("config")
        .to_owned();
    assert!(blobs.iter().all(|(d, _)| *d != loose), "{loose} is redis's");
    let got = get(&format!("{alpine_base}/blobs/{loose}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(wait_stored(&server, &loose).await, "{loose} was not stored");

    gc_in_cli(&cli, &server);
    assert!(
        !stored(&server, &loose),
        "gc ran and deleted the loose blob"
    );
    assert!(
        stored(&server, &config),
        "gc kept the config the lease holds"
    );
    assert!(stored(&server, &manifest), "gc kept the manifest");

    // The rest of the pull: the image is recorded whole, and its lease ends.
    for (digest, _) in &blobs[1..] {
        let got = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(got.status, StatusCode::OK, "{digest}");
        assert_eq!(sha256(got.bytes()), *digest);
    }
    let listing = images_listing(&cli, &server, &manifest).await;
    let line = listing
        .lines()
        .find(|l| l.contains(&manifest))
        .expect("a line");
    assert!(
        line.contains("latest") && line.contains(&config),
        "{listing}"
    );
    let (ok, out, err) = strata(&cli, &server, &["fsck"]);
    assert!(ok, "fsck: {out}{err}");
    wait_until("the lease outlived the recording", || {
        leases_holding(&store, &config).is_empty()
    })
    .await;
    let leases = store.leases().expect("leases");
    assert!(
        leases
            .iter()
            .all(|l| !l.holder.starts_with("a pull through /v2")),
        "{leases:#?}"
    );

    // Recorded, the image is kept by the next collection on its references.
    gc_in_cli(&cli, &server);
    for digest in &image {
        assert!(stored(&server, digest), "gc kept {digest} of the image");
    }
    let (ok, out, err) = strata(&cli, &server, &["fsck"]);
    assert!(ok, "fsck: {out}{err}");
}
