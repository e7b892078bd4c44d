//! `strata serve`'s `/v2` when things go wrong: one upstream fetch for many
//! concurrent requests (counted by a recording pass-through proxy), a
//! transfer its only client abandons, and a registry sending wrong bytes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use test_support::cli::Cli;
use test_support::eventually_async;
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::layer::sha256;

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{
    Redis, get, get_concurrently, ingest_files, redis_registry, send, serve, stored, v2,
    wait_stored,
};

/// What the recorder forwards to, with what, and what it saw.
type RecorderState = (String, reqwest::Client, Arc<Mutex<Vec<String>>>);

/// A pass-through proxy that records every request line, to count what
/// reaches the upstream.
struct Recorder {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    async fn start(upstream: String) -> Recorder {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let app = axum::Router::new()
            .fallback(forward)
            .with_state((upstream, http, seen.clone()));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Recorder { addr, seen }
    }

    fn host(&self) -> String {
        self.addr.to_string()
    }

    fn count(&self, text: &str) -> usize {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|l| l.contains(text))
            .count()
    }
}

async fn forward(
    State((upstream, http, seen)): State<RecorderState>,
    request: Request,
) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    seen.lock()
        .expect("lock")
        .push(format!("{} {path}", request.method()));
    let mut outgoing = http.request(request.method().clone(), format!("{upstream}{path}"));
    for (name, value) in request.headers() {
        if name != axum::http::header::HOST {
            outgoing = outgoing.header(name, value);
        }
    }
    let response = match outgoing.send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    (status, headers, body).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_one_blob_make_one_upstream_fetch() {
    let Redis {
        registry,
        pushed,
        layer,
        size,
        ..
    } = redis_registry();
    // strata → faulty (sends the layer in 20 slices over about a second) → recorder → registry.
    let recorder = Recorder::start(registry.url()).await;
    let slow = FaultyRegistry::start(
        &format!("http://{}", recorder.host()),
        vec![Fault::SlowBlob(layer.clone(), size.max(20))],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[slow.host()], &cli);
    let url = format!(
        "{}/blobs/{layer}",
        v2(&server, &slow.host(), "library/redis")
    );

    for got in get_concurrently(&url, 8).await {
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(sha256(got.bytes()), layer);
    }
    assert_eq!(
        recorder.count(&format!("GET /v2/library/redis/blobs/{layer}")),
        1,
        "{:?}",
        recorder.seen.lock().expect("lock")
    );
    assert!(wait_stored(&server, &layer).await);

    // The same for a manifest by digest.
    let manifest_url = format!(
        "{}/manifests/{}",
        v2(&server, &slow.host(), "library/redis"),
        pushed.digest
    );
    for got in get_concurrently(&manifest_url, 8).await {
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(sha256(got.bytes()), pushed.digest);
    }
    assert_eq!(
        recorder.count(&format!(
            "GET /v2/library/redis/manifests/{}",
            pushed.digest
        )),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_its_only_client_abandons_leaves_nothing_behind() {
    let Redis {
        registry,
        layer,
        size,
        ..
    } = redis_registry();
    // About two seconds for the whole layer.
    let slow = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::SlowBlob(layer.clone(), (size / 2).max(20))],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[slow.host()], &cli);
    let url = format!(
        "{}/blobs/{layer}",
        v2(&server, &slow.host(), "library/redis")
    );

    let mut response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let first = response
        .chunk()
        .await
        .expect("chunk")
        .expect("a first chunk");
    assert!(!first.is_empty());
    assert!(!ingest_files(&server).is_empty(), "the write is under way");
    drop(response);
    // The fetch sees its client gone at its next chunk and discards what it wrote.
    eventually_async(
        std::time::Duration::from_secs(20),
        "the partial write is still there",
        async || ingest_files(&server).is_empty(),
    )
    .await;
    assert!(!stored(&server, &layer), "abandoned, not completed");

    let again = get(&url).await;
    assert_eq!(sha256(again.bytes()), layer);
    assert!(
        wait_stored(&server, &layer).await,
        "the verified blob was committed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_bytes_upstream_abort_the_transfer_and_are_not_stored() {
    let Redis {
        registry,
        pushed,
        blobs,
        layer,
        size,
    } = redis_registry();
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![
            Fault::CorruptBlob(layer.clone()),
            Fault::CorruptManifest(pushed.digest.clone()),
        ],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[faulty.host()], &cli);
    let base = v2(&server, &faulty.host(), "library/redis");

    for attempt in 0..2 {
        // The transfer must fail: either the connection drops before the
        // head goes out (small blobs: the whole body is checked first), or
        // the body ends short of Content-Length.
        let url = format!("{base}/blobs/{layer}");
        match reqwest::get(&url).await {
            Err(_) => {}
            Ok(response) => {
                assert_eq!(response.status(), StatusCode::OK, "attempt {attempt}");
                assert_eq!(
                    response
                        .headers()
                        .get("content-length")
                        .and_then(|v| v.to_str().ok()),
                    Some(size.to_string().as_str())
                );
                if let Ok(body) = response.bytes().await {
                    panic!(
                        "attempt {attempt}: a complete body of {} bytes (sha {}) was delivered",
                        body.len(),
                        sha256(&body)
                    );
                }
            }
        }
        assert!(!stored(&server, &layer), "attempt {attempt}");
    }
    // A range waits for the whole blob to verify, so it gets a clean error.
    let range = send(
        reqwest::Method::GET,
        &format!("{base}/blobs/{layer}"),
        &[("range", "bytes=0-9")],
    )
    .await;
    assert_eq!(range.status, StatusCode::BAD_GATEWAY);
    assert_eq!(range.code(), "DIGEST_INVALID");
    // Manifests are checked before anything is sent.
    for reference in ["latest", pushed.digest.as_str()] {
        let got = get(&format!("{base}/manifests/{reference}")).await;
        assert_eq!(got.status, StatusCode::BAD_GATEWAY, "{reference}");
        assert_eq!(got.code(), "DIGEST_INVALID", "{reference}");
    }
    assert!(!stored(&server, &pushed.digest));
    assert_eq!(ingest_files(&server), Vec::<std::path::PathBuf>::new());
    // The other blobs are fine.
    for (digest, _) in blobs.iter().filter(|(d, _)| *d != layer) {
        let got = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(sha256(got.bytes()), *digest);
    }
}
