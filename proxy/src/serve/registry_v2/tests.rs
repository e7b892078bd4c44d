//! The `/v2` routes driven with `oneshot`, no socket: path parsing, error
//! shapes, and content served from the store. Upstream behaviour is
//! tested against the real registry in `proxy/tests/serve_v2.rs`.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use shared::digest::Digest;
use tower::ServiceExt;

use crate::registry::{ClientConfig, RegistryClient, RetryPolicy};
use crate::serve::security::Security;
use std::sync::Arc;

use super::context::V2Context;
use super::routes_with;
use crate::serve::AppState;
use crate::store::{Manager, Store};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    context: Arc<V2Context>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("mkdir");
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html>").expect("write");
    let store = Store::open(&dir.path().join("store")).expect("store");
    // Docker Hub is a closed loopback port: nothing here leaves the machine.
    let config = ClientConfig {
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        hub_registry: Some("http://127.0.0.1:1".to_owned()),
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    let state = AppState::new(dist, store, client, Security::local());
    Fixture {
        _dir: dir,
        state,
        context: Arc::new(V2Context::default()),
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

async fn send(f: &Fixture, method: Method, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = routes_with(f.context.clone())
        .with_state(f.state.clone())
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("body")
        .to_vec();
    assert_eq!(
        headers["docker-distribution-api-version"], "registry/2.0",
        "{uri}"
    );
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(f: &Fixture, uri: &str) -> Answer {
    send(f, Method::GET, uri, &[]).await
}

/// Marks `digest` as held by `repository` upstream.
fn known(f: &Fixture, repository: &str, digest: &Digest) {
    let repository = repository.parse().expect("reference");
    f.context.known.insert(&repository, digest);
}

fn put(state: &AppState, bytes: &[u8]) -> Digest {
    let digest = Digest::sha256_of(bytes);
    state.store().put_small(&digest, bytes).expect("put");
    digest
}

#[tokio::test]
async fn base_answers_and_refuses_writes() {
    let f = fixture();
    for uri in ["/v2/", "/v2"] {
        let answer = get(&f, uri).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, b"{}");
        let answer = send(&f, Method::POST, uri, &[]).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.code(), "UNSUPPORTED");
    }
}

#[tokio::test]
async fn every_write_is_unsupported() {
    let f = fixture();
    let sha = Digest::sha256_of(b"x");
    #[rustfmt::skip]
    let cases = [
        (Method::PUT, "/v2/docker.io/library/redis/manifests/latest".to_owned()),
        (Method::DELETE, format!("/v2/docker.io/library/redis/manifests/{sha}")),
        (Method::DELETE, format!("/v2/docker.io/library/redis/blobs/{sha}")),
        (Method::POST, "/v2/docker.io/library/redis/blobs/uploads/".to_owned()),
        (Method::PATCH, "/v2/docker.io/library/redis/blobs/uploads/abc".to_owned()),
        (Method::PUT, "/v2/not-a-path".to_owned()),
    ];
    for (method, uri) in cases {
        let answer = send(&f, method.clone(), &uri, &[]).await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert_eq!(answer.code(), "UNSUPPORTED", "{method} {uri}");
        assert_eq!(answer.headers[header::ALLOW], "GET, HEAD");
        let message = answer.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("read-only"), "{message}");
    }
}

#[tokio::test]
async fn bad_paths_have_distribution_errors() {
    let f = fixture();
    #[rustfmt::skip]
    let cases = [
        ("/v2/redis:7/manifests/latest", StatusCode::BAD_REQUEST, "NAME_INVALID"),
        ("/v2/nothing/here/manifests/latest?ns=nohost", StatusCode::BAD_REQUEST, "NAME_INVALID"),
        ("/v2/docker.io/Library/redis/manifests/latest", StatusCode::BAD_REQUEST, "NAME_INVALID"),
        ("/v2/docker.io/library/redis/manifests/sha256:123", StatusCode::BAD_REQUEST, "DIGEST_INVALID"),
        ("/v2/docker.io/library/redis/blobs/latest", StatusCode::BAD_REQUEST, "DIGEST_INVALID"),
        ("/v2/docker.io/library/redis/manifests/-x", StatusCode::BAD_REQUEST, "TAG_INVALID"),
        ("/v2/docker.io/library/redis", StatusCode::NOT_FOUND, "NAME_UNKNOWN"),
        ("/v2/_catalog", StatusCode::NOT_FOUND, "NAME_UNKNOWN"),
    ];
    for (uri, status, code) in cases {
        let answer = get(&f, uri).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{uri}"
        );
        assert!(
            answer.headers[header::CONTENT_TYPE]
                .to_str()
                .is_ok_and(|t| t.starts_with("application/json"))
        );
        assert!(
            answer.json()["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn stored_blobs_are_served_whole_by_range_and_head() {
    let f = fixture();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let digest = put(&f.state, &bytes);
    let uri = format!("/v2/127.0.0.1_1/any/repo/blobs/{digest}");
    // Stored, but not known to belong to the repository, and its upstream
    // cannot be asked: an error, not the bytes.
    for method in [Method::GET, Method::HEAD] {
        let refused = send(&f, method.clone(), &uri, &[]).await;
        assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{method}");
    }
    known(&f, "127.0.0.1:1/any/repo", &digest);

    let whole = get(&f, &uri).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.headers["docker-content-digest"], digest.to_string());
    assert_eq!(whole.headers[header::ETAG], format!("\"{digest}\""));
    assert_eq!(
        whole.headers[header::CACHE_CONTROL],
        "max-age=31536000, immutable"
    );
    assert_eq!(whole.headers[header::CONTENT_LENGTH], "1000");
    assert_eq!(
        whole.headers[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    assert_eq!(whole.headers[header::ACCEPT_RANGES], "bytes");

    let head = send(&f, Method::HEAD, &uri, &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.headers[header::CONTENT_LENGTH], "1000");

    #[rustfmt::skip]
    let ranges = [
        ("bytes=10-19", StatusCode::PARTIAL_CONTENT, Some((10, 20)), "bytes 10-19/1000"),
        ("bytes=990-", StatusCode::PARTIAL_CONTENT, Some((990, 1000)), "bytes 990-999/1000"),
        ("bytes=-5", StatusCode::PARTIAL_CONTENT, Some((995, 1000)), "bytes 995-999/1000"),
        ("bytes=0-5000", StatusCode::PARTIAL_CONTENT, Some((0, 1000)), "bytes 0-999/1000"),
        ("bytes=1000-", StatusCode::RANGE_NOT_SATISFIABLE, None, "bytes */1000"),
    ];
    for (range, status, slice, content_range) in ranges {
        let answer = send(&f, Method::GET, &uri, &[("range", range)]).await;
        assert_eq!(answer.status, status, "{range}");
        assert_eq!(
            answer.headers[header::CONTENT_RANGE],
            content_range,
            "{range}"
        );
        let want = slice.map(|(a, b)| bytes[a..b].to_vec()).unwrap_or_default();
        assert_eq!(answer.body, want, "{range}");
        assert_eq!(
            answer.headers[header::CONTENT_LENGTH],
            want.len().to_string(),
            "{range}"
        );
    }

    let cached = send(
        &f,
        Method::GET,
        &uri,
        &[("if-none-match", &format!("\"{digest}\""))],
    )
    .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
}

#[tokio::test]
async fn stored_manifests_are_served_by_digest_with_their_media_type() {
    let f = fixture();
    let config = put(&f.state, b"{}");
    #[rustfmt::skip]
    let cases = [
        (format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[]}}"#), OCI_MANIFEST),
        (format!(r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[]}}"#), OCI_MANIFEST),
        (r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}"#.to_owned(), "application/vnd.docker.distribution.manifest.list.v2+json"),
    ];
    for (manifest, media_type) in cases {
        let digest = put(&f.state, manifest.as_bytes());
        let uri = format!("/v2/127.0.0.1_1/team/app/manifests/{digest}");
        let refused = get(&f, &uri).await;
        assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "not known yet");
        known(&f, "127.0.0.1:1/team/app", &digest);
        let answer = get(&f, &uri).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.body, manifest.as_bytes());
        assert_eq!(answer.headers[header::CONTENT_TYPE], media_type);
        assert_eq!(answer.headers["docker-content-digest"], digest.to_string());
        assert_eq!(
            answer.headers[header::CACHE_CONTROL],
            "max-age=31536000, immutable"
        );
        let head = send(&f, Method::HEAD, &uri, &[]).await;
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(
            head.headers[header::CONTENT_LENGTH],
            manifest.len().to_string()
        );
        assert!(head.body.is_empty());
    }
}

#[tokio::test]
async fn unreachable_upstreams_are_bad_gateways() {
    let f = fixture();
    let missing = Digest::sha256_of(b"not stored");
    #[rustfmt::skip]
    let cases = [
        format!("/v2/127.0.0.1_1/team/app/blobs/{missing}"),
        format!("/v2/127.0.0.1_1/team/app/manifests/{missing}"),
        "/v2/127.0.0.1_1/team/app/manifests/latest".to_owned(),
        "/v2/127.0.0.1_1/team/app/tags/list".to_owned(),
    ];
    for uri in cases {
        let answer = get(&f, &uri).await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{uri}");
        assert_eq!(answer.code(), "UNAVAILABLE", "{uri}");
        let message = answer.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("cannot reach 127.0.0.1:1"), "{message}");
    }
    assert_eq!(
        f.state.store().content().list().expect("list"),
        [],
        "nothing is stored"
    );
}

#[tokio::test]
async fn tag_list_paging_needs_a_number() {
    let f = fixture();
    let answer = get(&f, "/v2/127.0.0.1_1/team/app/tags/list?n=ten").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "PAGINATION_NUMBER_INVALID");
}

/// The real registry holding the large fixture, and a `/v2` reaching it:
/// its largest layer's digest and its config's.
pub(super) struct Large {
    pub(super) registry: test_support::Registry,
    pub(super) biggest: String,
    pub(super) config: String,
    pub(super) v2: V2Client,
}

pub(super) fn large_upstream() -> Large {
    let registry = test_support::Registry::start(test_support::Auth::Open).expect("registry");
    let large = test_support::fixtures::large_image(64).expect("fixture");
    registry.push(&large).expect("push");
    let manifest: Value = serde_json::from_slice(
        &registry
            .raw_manifest(large.repo, large.tag)
            .expect("manifest"),
    )
    .expect("json");
    let biggest = manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .max_by_key(|l| l["size"].as_u64())
        .expect("a layer");
    assert!(biggest["size"].as_u64() > Some(1 << 20), "{biggest}");
    Large {
        biggest: biggest["digest"].as_str().expect("digest").to_owned(),
        config: manifest["config"]["digest"]
            .as_str()
            .expect("config")
            .to_owned(),
        v2: V2Client::new(registry.host(), large.repo),
        registry,
    }
}

/// `/v2` with a store of its own, for one repository of the upstream
/// `host` (reached over plain http).
pub(super) struct V2Client {
    host: String,
    pub(super) repo: &'static str,
    _dir: tempfile::TempDir,
    pub(super) state: AppState,
}

impl V2Client {
    pub(super) fn new(host: String, repo: &'static str) -> V2Client {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("store")).expect("store");
        let client = RegistryClient::new(ClientConfig {
            insecure_registries: vec![host.clone()],
            ..ClientConfig::default()
        })
        .expect("client");
        let state = AppState::new(dir.path().to_path_buf(), store, client, Security::local());
        V2Client {
            host,
            repo,
            _dir: dir,
            state,
        }
    }

    /// `GET /v2/<host>/<repo>/PATH` through `context`.
    pub(super) async fn get(
        &self,
        context: &Arc<V2Context>,
        path: &str,
    ) -> axum::response::Response {
        self.send(context, Method::GET, path).await
    }

    /// `METHOD /v2/<host>/<repo>/PATH` through `context`.
    async fn send(
        &self,
        context: &Arc<V2Context>,
        method: Method,
        path: &str,
    ) -> axum::response::Response {
        routes_with(context.clone())
            .with_state(self.state.clone())
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(format!(
                        "/v2/{}/{}/{path}",
                        self.host.replace(':', "_"),
                        self.repo
                    ))
                    .header("accept", OCI_MANIFEST)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible")
    }
}

/// A client that takes the first bytes of a blob and then stops reading
/// gives its transfer up after the stall time: with one transfer allowed,
/// another blob still arrives. The upstream is the real registry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_gives_its_transfer_up() {
    let large = large_upstream();
    let context =
        Arc::new(V2Context::default().with_transfers(1, std::time::Duration::from_millis(300)));
    // Headers arrive, then nobody reads the body.
    let stalled = large
        .v2
        .get(&context, &format!("blobs/{}", large.biggest))
        .await;
    assert_eq!(stalled.status(), StatusCode::OK);
    let other = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let response = large
            .v2
            .get(&context, &format!("blobs/{}", large.config))
            .await;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, body)
    })
    .await
    .expect("the only transfer stayed with the client that stopped reading");
    assert_eq!(other.0, StatusCode::OK);
    assert_eq!(Digest::sha256_of(&other.1).to_string(), large.config);
    drop(stalled);
}

/// While every blob transfer is taken (here: the only one, by a client
/// that does not read), manifests and blob `HEAD`s still go upstream:
/// they have a pool of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_requests_do_not_wait_for_blob_transfers() {
    let large = large_upstream();
    let context =
        Arc::new(V2Context::default().with_transfers(1, std::time::Duration::from_secs(3600)));
    let busy = large
        .v2
        .get(&context, &format!("blobs/{}", large.biggest))
        .await;
    assert_eq!(busy.status(), StatusCode::OK);
    let short = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let manifest = large.v2.get(&context, "manifests/latest").await.status();
        let head = large
            .v2
            .send(&context, Method::HEAD, &format!("blobs/{}", large.config))
            .await
            .status();
        (manifest, head)
    })
    .await
    .expect("a manifest or HEAD waited for the blob transfer");
    assert_eq!(short, (StatusCode::OK, StatusCode::OK));
    drop(busy);
}

/// An upstream slower than the floor (here 1 MB/s after one second, against
/// a trickle of 50 kB/s) is given up: the client's body ends in an error
/// and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_upstream_is_given_up() {
    let large = large_upstream();
    let faulty = test_support::faulty::FaultyRegistry::start(
        &large.registry.url(),
        vec![test_support::faulty::Fault::SlowBlob(
            large.biggest.clone(),
            50_000,
        )],
    )
    .expect("faulty");
    let slow = V2Client::new(faulty.host(), large.v2.repo);
    let context =
        Arc::new(V2Context::default().with_min_rate(1_000_000, std::time::Duration::from_secs(1)));
    let response = slow
        .get(&context, &format!("blobs/{}", large.biggest))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "headers came at once");
    let body = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        axum::body::to_bytes(response.into_body(), 1 << 30),
    )
    .await
    .expect("the transfer was not given up");
    assert!(body.is_err(), "a body cut short ends in an error");
    let digest: Digest = large.biggest.parse().expect("digest");
    assert!(
        slow.state
            .store()
            .blob_size(&digest)
            .expect("size")
            .is_none(),
        "nothing stored"
    );
}
