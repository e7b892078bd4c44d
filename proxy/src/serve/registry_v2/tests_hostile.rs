//! `/v2` against upstreams that hold on: a full transfer pool answers
//! `503` with `Retry-After`, a transfer past its deadline is stopped, and
//! a manifest that trickles is given up at its deadline.
//! The upstream is the real registry, behind [`test_support::faulty`]
//! where it must misbehave.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use shared::digest::Digest;
use test_support::faulty::{Fault, FaultyRegistry};

use super::context::V2Context;
use super::tests::{V2Client, large_upstream};

/// With the only transfer taken by a client that does not read, the next
/// blob waits its turn only so long, then gets `503` and `Retry-After`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_transfer_pool_answers_503_with_retry_after() {
    let large = large_upstream();
    let context = Arc::new(
        V2Context::default()
            .with_transfers(1, Duration::from_secs(3600))
            .with_waits(
                Duration::from_millis(500),
                Duration::from_secs(10),
                Duration::from_secs(3600),
            ),
    );
    let busy = large
        .v2
        .get(&context, &format!("blobs/{}", large.biggest))
        .await;
    assert_eq!(busy.status(), StatusCode::OK);
    let refused = tokio::time::timeout(
        Duration::from_secs(60),
        large.v2.get(&context, &format!("blobs/{}", large.config)),
    )
    .await
    .expect("the request queued instead of being refused");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.headers().contains_key(header::RETRY_AFTER),
        "{:?}",
        refused.headers()
    );
    let body = axum::body::to_bytes(refused.into_body(), 1 << 20)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("try again"), "{text}");
    drop(busy);
}

/// A transfer still running at its deadline (a trickle fast enough for
/// the rate floor) is stopped: the client's body ends in an error and
/// nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_past_its_deadline_is_stopped() {
    let large = large_upstream();
    let faulty = FaultyRegistry::start(
        &large.registry.url(),
        vec![Fault::SlowBlob(large.biggest.clone(), 50_000)],
    )
    .expect("faulty");
    let slow = V2Client::new(faulty.host(), large.v2.repo);
    let context = Arc::new(V2Context::default().with_waits(
        Duration::from_secs(30),
        Duration::from_secs(10),
        Duration::from_secs(1),
    ));
    let response = slow
        .get(&context, &format!("blobs/{}", large.biggest))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "headers came at once");
    let body = tokio::time::timeout(
        Duration::from_secs(60),
        axum::body::to_bytes(response.into_body(), 1 << 30),
    )
    .await
    .expect("the transfer outlived its deadline");
    assert!(body.is_err(), "a body cut short ends in an error");
    let digest: Digest = large.biggest.parse().expect("digest");
    let stored = slow.state.store().blob_size(&digest).expect("size");
    assert!(stored.is_none(), "nothing stored");
}

/// A manifest body that trickles (a byte a second) is given up at the
/// deadline of short requests: `502`, and the upstream turn is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_manifest_is_given_up_at_its_deadline() {
    let large = large_upstream();
    let faulty = FaultyRegistry::start(
        &large.registry.url(),
        vec![Fault::TrickleManifest(
            "/manifests/".to_owned(),
            Duration::from_secs(1),
        )],
    )
    .expect("faulty");
    let slow = V2Client::new(faulty.host(), large.v2.repo);
    let context = Arc::new(
        V2Context::new(1)
            .with_body_deadline(Duration::from_secs(2))
            .with_waits(
                Duration::from_secs(30),
                Duration::from_secs(10),
                Duration::from_secs(3600),
            ),
    );
    for _ in 0..2 {
        let response = tokio::time::timeout(
            Duration::from_secs(60),
            slow.get(&context, "manifests/latest"),
        )
        .await
        .expect("the manifest was read past its deadline");
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("within 2 s"), "{text}");
    }
}
