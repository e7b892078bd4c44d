//! The registry client against small axum fixture servers, for the
//! misbehaviours no installable registry shows: 429 and 5xx with retries,
//! cross-host redirects, oversized manifests, wrong digests, schema 1,
//! Link paging loops, ignored ranges.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use shared::digest::Digest;
use strata::registry::{MANIFEST_LIMIT, MAX_ENTRIES, RegistryClient, RegistryError};

mod registry_client_support;

use registry_client_support::*;

/// A small valid OCI manifest.
fn small_manifest() -> Vec<u8> {
    let config = Digest::sha256_of(b"{}");
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[]}}"#
    )
    .into_bytes()
}

fn manifest_response(bytes: Vec<u8>, docker_content_digest: Option<String>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/vnd.oci.image.manifest.v1+json"
            .parse()
            .expect("value"),
    );
    if let Some(d) = docker_content_digest {
        headers.insert("docker-content-digest", d.parse().expect("value"));
    }
    (headers, bytes).into_response()
}

// ---------------------------------------------------- misbehaving fixture servers

/// A server answering `/v2/a/manifests/b` with the `script` in turn (the
/// last one from then on), counting hits.
async fn scripted(script: Vec<fn() -> Response>) -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let script = Arc::new(script);
    let router = open_v2().route(
        "/v2/a/manifests/b",
        get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let script = script.clone();
            async move { script[n.min(script.len() - 1)]() }
        }),
    );
    (serve(router).await, hits)
}

fn fixture_client(addr: SocketAddr) -> RegistryClient {
    client_for(&addr.to_string(), None).1
}

#[tokio::test]
async fn retries_429_after_the_wait_it_asks_for() {
    let (addr, hits) = scripted(vec![
        || {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                "slow down",
            )
                .into_response()
        },
        || manifest_response(small_manifest(), None),
    ])
    .await;
    let started = Instant::now();
    let fetched = fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
        .expect("after 429");
    assert_eq!(fetched.bytes, small_manifest());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
}

#[tokio::test]
async fn a_long_retry_after_is_reported_not_waited_for() {
    let (addr, hits) = scripted(vec![|| {
        let body = r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}"#;
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "3600")], body).into_response()
    }])
    .await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(RegistryError::TooManyRequests {
            retry_after,
            message,
            ..
        }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
            assert!(message.contains("pull rate limit"), "{message}");
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_5xx_then_gives_up() {
    let (addr, hits) = scripted(vec![
        || StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        || StatusCode::SERVICE_UNAVAILABLE.into_response(),
        || manifest_response(small_manifest(), None),
    ])
    .await;
    let client = fixture_client(addr);
    client
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
        .expect("after 500 and 503");
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    let (addr, hits) = scripted(vec![|| {
        (StatusCode::BAD_GATEWAY, "upstream is down").into_response()
    }])
    .await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(RegistryError::Upstream {
            status: 502,
            message,
            ..
        }) => assert_eq!(message, "upstream is down"),
        other => panic!("expected Upstream 502, got {other:?}"),
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        quick_retries().attempts as usize
    );
}

#[tokio::test]
async fn redirects_to_another_host_lose_the_authorization() {
    // The storage host records whether Authorization reached it.
    let seen_by_storage: Arc<Mutex<Vec<bool>>> = Arc::default();
    let seen = seen_by_storage.clone();
    let blob = Bytes::from_static(b"layer bytes served by the storage host");
    let blob_digest = Digest::sha256_of(&blob);
    let storage = serve(Router::new().route(
        "/storage/blob",
        get(move |headers: HeaderMap| {
            seen.lock()
                .expect("lock")
                .push(headers.contains_key(header::AUTHORIZATION));
            async move { blob }
        }),
    ))
    .await;

    // The registry wants Basic auth and redirects blobs to the storage host,
    // named differently (localhost vs 127.0.0.1) and on another port.
    let location = format!("http://localhost:{}/storage/blob", storage.port());
    let seen_by_registry: Arc<Mutex<Vec<bool>>> = Arc::default();
    let seen = seen_by_registry.clone();
    let challenge = [(header::WWW_AUTHENTICATE, "Basic realm=\"fixture\"")];
    let router = Router::new()
        .route(
            "/v2/",
            get(move |headers: HeaderMap| async move {
                if headers.contains_key(header::AUTHORIZATION) {
                    StatusCode::OK.into_response()
                } else {
                    (StatusCode::UNAUTHORIZED, challenge).into_response()
                }
            }),
        )
        .route(
            "/v2/a/blobs/{digest}",
            get(move |headers: HeaderMap| {
                seen.lock()
                    .expect("lock")
                    .push(headers.contains_key(header::AUTHORIZATION));
                let location = location.clone();
                async move {
                    (
                        StatusCode::TEMPORARY_REDIRECT,
                        [(header::LOCATION, location)],
                    )
                        .into_response()
                }
            }),
        );
    let addr = serve(router).await;
    let (_config, client) = client_for(&addr.to_string(), Some(("user", "secret")));
    let (_, bytes) = collect(
        &client,
        &reference(&format!("{addr}/a:b")),
        &blob_digest,
        None,
    )
    .await;
    assert_eq!(Digest::sha256_of(&bytes), blob_digest);
    assert_eq!(
        *seen_by_registry.lock().expect("lock"),
        vec![true],
        "the registry got the credentials"
    );
    assert_eq!(
        *seen_by_storage.lock().expect("lock"),
        vec![false],
        "the storage host did not"
    );
}

#[tokio::test]
async fn oversized_manifests_are_refused() {
    let big = || vec![b' '; MANIFEST_LIMIT as usize + 1];
    let (addr, _) = scripted(vec![|| {
        manifest_response(vec![b' '; MANIFEST_LIMIT as usize + 1], None)
    }])
    .await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(RegistryError::ManifestTooLarge { size, limit, .. }) => {
            assert_eq!(size, Some(MANIFEST_LIMIT + 1));
            assert_eq!(limit, 4 << 20);
        }
        other => panic!("expected ManifestTooLarge, got {other:?}"),
    }

    // Without Content-Length (chunked): cut off once past the limit.
    let chunked = open_v2().route(
        "/v2/a/manifests/b",
        get(move || async move {
            let chunks = big()
                .chunks(64 * 1024)
                .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>();
            Body::from_stream(futures_util::stream::iter(chunks))
        }),
    );
    let addr = serve(chunked).await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(RegistryError::ManifestTooLarge { size: None, .. }) => {}
        other => panic!("expected ManifestTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_digests_are_mismatches() {
    // By tag: the bytes do not match Docker-Content-Digest.
    let (addr, _) = scripted(vec![|| {
        manifest_response(
            small_manifest(),
            Some(Digest::sha256_of(b"other").to_string()),
        )
    }])
    .await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(RegistryError::DigestMismatch { expected, actual }) => {
            assert_eq!(expected, Digest::sha256_of(b"other"));
            assert_eq!(actual, Digest::sha256_of(&small_manifest()));
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }

    // By digest: the bytes do not match the digest asked for.
    let asked = Digest::sha256_of(b"the manifest that was asked for");
    let router = open_v2().route(
        "/v2/a/manifests/{reference}",
        get(|| async { manifest_response(small_manifest(), None) }),
    );
    let addr = serve(router).await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a@{asked}")))
        .await
    {
        Err(error @ RegistryError::DigestMismatch { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&asked.to_string()), "{message}");
            assert!(
                message.contains(&Digest::sha256_of(&small_manifest()).to_string()),
                "{message}"
            );
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn schema1_manifests_are_invalid() {
    let (addr, _) = scripted(vec![|| {
        let body = r#"{"schemaVersion":1,"name":"a","tag":"b","fsLayers":[],"history":[]}"#;
        (
            [(
                header::CONTENT_TYPE,
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
            )],
            body,
        )
            .into_response()
    }])
    .await;
    match fixture_client(addr)
        .get_manifest(&reference(&format!("{addr}/a:b")))
        .await
    {
        Err(error @ RegistryError::InvalidManifest { .. }) => {
            assert!(error.to_string().contains("schema1"), "{error}");
        }
        other => panic!("expected InvalidManifest, got {other:?}"),
    }
}

#[tokio::test]
async fn link_pagination_is_followed_and_loops_are_refused() {
    let router = open_v2()
        .route(
            "/v2/a/tags/list",
            get(|query: axum::extract::RawQuery| async move {
                match query.0.as_deref() {
                    None => (
                        [(header::LINK, r#"</v2/a/tags/list?last=2>; rel="next""#)],
                        r#"{"name":"a","tags":["1","2"]}"#,
                    )
                        .into_response(),
                    Some("last=2") => (
                        [(header::LINK, r#"<?last=3>; rel="next""#)],
                        r#"{"name":"a","tags":["3"]}"#,
                    )
                        .into_response(),
                    Some(_) => r#"{"name":"a","tags":null}"#.into_response(),
                }
            }),
        )
        .route(
            "/v2/loop/tags/list",
            get(|| async {
                (
                    [(header::LINK, r#"</v2/loop/tags/list>; rel="next""#)],
                    r#"{"tags":["x"]}"#,
                )
            }),
        )
        // A listing without end: pages of 100,000 new tags, each linking to the next.
        .route(
            "/v2/endless/tags/list",
            get(|query: axum::extract::RawQuery| async move {
                let page: usize = query
                    .0
                    .as_deref()
                    .and_then(|q| q.strip_prefix("page="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let tags: Vec<String> = (0..100_000).map(|i| format!("{page}-{i}")).collect();
                (
                    [(
                        header::LINK,
                        format!(r#"</v2/endless/tags/list?page={}>; rel="next""#, page + 1),
                    )],
                    serde_json::json!({ "tags": tags }).to_string(),
                )
            }),
        );
    let addr = serve(router).await;
    let client = fixture_client(addr);
    let tags = client
        .list_tags(&reference(&format!("{addr}/a")))
        .await
        .expect("tags");
    assert_eq!(tags, ["1", "2", "3"]);
    match client.list_tags(&reference(&format!("{addr}/loop"))).await {
        Err(RegistryError::InvalidResponse { message, .. }) => {
            assert!(message.contains("points back"), "{message}")
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    match client
        .list_tags(&reference(&format!("{addr}/endless")))
        .await
    {
        Err(RegistryError::InvalidResponse { message, .. }) => assert!(
            message.contains(&format!("more than {MAX_ENTRIES} names")),
            "{message}"
        ),
        other => panic!("expected InvalidResponse, got {:?}", other.map(|t| t.len())),
    }
}

#[tokio::test]
async fn a_range_the_server_ignores_is_cut_here() {
    let content: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let blob = Bytes::from(content.clone());
    let router = open_v2().route("/v2/a/blobs/{digest}", get(move || async move { blob }));
    let addr = serve(router).await;
    let client = fixture_client(addr);
    let (size, bytes) = collect(
        &client,
        &reference(&format!("{addr}/a:b")),
        &Digest::sha256_of(&content),
        Some(1000..1500),
    )
    .await;
    assert_eq!(bytes, content[1000..1500]);
    assert_eq!(size, Some(500));
}
