//! `strata pull`'s layer downloads keep a pace (`strata::registry::pace`):
//! a registry that trickles a layer (here a byte every 20 ms, behind
//! `test_support::faulty` in front of the real registry) is given up once
//! it averaged less than the minimum rate, or at the overall deadline
//! whatever its rate, with an error that says so; nothing is stored.

use std::sync::Arc;
use std::time::Duration;

use shared::digest::Digest;
use strata::pull::{Pace, PullRequest, Puller};
use strata::registry::{ClientConfig, RegistryClient};
use strata::store::Store;
use test_support::faulty::{Fault, FaultyRegistry};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{Redis, redis_registry};

/// The registry, and redis's largest layer (the config, first, is read by
/// the image walk under its own deadline).
fn trickled() -> (test_support::registry::Registry, String) {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let (layer, _) = blobs[1..]
        .iter()
        .max_by_key(|(_, size)| *size)
        .expect("a layer")
        .clone();
    (registry, layer)
}

/// Pulls redis from `registry` with `pace`; the error's text, and the
/// store it pulled into.
async fn pull_with(registry: &FaultyRegistry, pace: Pace) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("store dir");
    let store = Arc::new(Store::open(dir.path()).expect("store"));
    let config = ClientConfig {
        insecure_registries: vec![registry.host()],
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    let puller = Puller::new(client, store).with_pace(pace);
    let request = PullRequest {
        reference: format!("{}/library/redis:latest", registry.host())
            .parse()
            .expect("reference"),
        platform: None,
        all_tags: false,
    };
    let error = puller
        .pull(&request, Arc::new(|_| {}))
        .await
        .expect_err("a trickled layer was pulled");
    (error.to_string(), dir)
}

/// What a failed pull left: the images recorded, whether `layer` is
/// stored, and the files in the ingest folder.
fn left_behind(dir: &std::path::Path, layer: &str) -> (usize, bool, usize) {
    let store = Store::open(dir).expect("reopen");
    let digest: Digest = layer.parse().expect("digest");
    let images = store.list().expect("images").len();
    let stored = store.blob_size(&digest).expect("blob size").is_some();
    let ingest = std::fs::read_dir(dir.join("ingest")).map_or(0, Iterator::count);
    (images, stored, ingest)
}

/// Pulls redis with `pace` while its largest layer trickles (a byte
/// every 20 ms); the error's text, and what the failed pull left.
async fn trickled_pull(pace: Pace) -> (String, (usize, bool, usize)) {
    let (registry, layer) = trickled();
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::TrickleBlob(layer.clone(), Duration::from_millis(20))],
    )
    .expect("faulty registry");
    let (error, dir) = pull_with(&faulty, pace).await;
    (error, left_behind(dir.path(), &layer))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_layer_is_given_up_below_the_minimum_rate() {
    let (error, left) = trickled_pull(Pace {
        min_rate: (64 << 10, Duration::from_secs(2)),
        deadline: Duration::from_secs(600),
    })
    .await;
    assert!(error.contains("slower than the 65536 bytes/s"), "{error}");
    assert_eq!(left, (0, false, 0), "images, the layer, ingest files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_still_arriving_at_the_deadline_is_given_up() {
    // A rate floor it meets (none), so only the deadline stops it.
    let (error, left) = trickled_pull(Pace {
        min_rate: (0, Duration::from_secs(1)),
        deadline: Duration::from_secs(3),
    })
    .await;
    assert!(error.contains("reached its limit of 3 s"), "{error}");
    assert_eq!(left, (0, false, 0), "images, the layer, ingest files");
}
