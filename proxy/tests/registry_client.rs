//! The registry client against the real distribution registry (open, basic
//! and token auth), plus small axum fixture servers for the misbehaviours no
//! installable registry shows (429, 5xx, cross-host redirects, oversized
//! manifests, wrong digests).

use std::collections::BTreeSet;
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
use futures_util::StreamExt as _;
use shared::digest::{Digest, Hasher};
use shared::manifest::Manifest;
use shared::reference::Reference;
use strata::credentials::CredentialStore;
use strata::registry::{
    ClientConfig, DestinationPolicy, MANIFEST_LIMIT, RegistryClient, RegistryError, RetryPolicy,
};
use test_support::{Auth, PASSWORD, Registry, USER, fixtures};

// ---------------------------------------------------------------- helpers

/// Retries fast enough for tests, slow enough to see that they happen.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A Docker config in a temporary folder, holding `user:password` for `host`
/// when given.
fn docker_config(host: &str, creds: Option<(&str, &str)>) -> (tempfile::TempDir, CredentialStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    let auths = match creds {
        Some((user, password)) => {
            serde_json::json!({ host: { "username": user, "password": password } })
        }
        None => serde_json::json!({}),
    };
    std::fs::write(
        &path,
        serde_json::to_vec(&serde_json::json!({ "auths": auths })).expect("json"),
    )
    .expect("write config");
    let store = CredentialStore::load(&path).expect("load config");
    (dir, store)
}

/// A client reaching `host` over plain http, with `creds` in its Docker config.
fn client_for(host: &str, creds: Option<(&str, &str)>) -> (tempfile::TempDir, RegistryClient) {
    let (dir, credentials) = docker_config(host, creds);
    let config = ClientConfig {
        insecure_registries: vec![host.to_owned()],
        retry: quick_retries(),
        ..ClientConfig::new(credentials)
    };
    (dir, RegistryClient::new(config).expect("client"))
}

/// The right credentials for `registry`'s auth variant.
fn right_creds(registry: &Registry) -> Option<(&'static str, &'static str)> {
    (registry.auth() != Auth::Open).then_some((USER, PASSWORD))
}

fn reference(s: &str) -> Reference {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn digest(s: &str) -> Digest {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn collect(
    client: &RegistryClient,
    r: &Reference,
    d: &Digest,
    range: Option<std::ops::Range<u64>>,
) -> (Option<u64>, Vec<u8>) {
    let response = client.get_blob(r, d, range).await.expect("get_blob");
    let size = response.size;
    let chunks: Vec<Result<Bytes, RegistryError>> = response.stream.collect().await;
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    (size, out)
}

/// Serves `router` on a free loopback port for the rest of the test.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// `GET /v2/` answering 200, as an open registry does.
fn open_v2() -> Router {
    Router::new().route("/v2/", get(|| async { "{}" }))
}

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

// ------------------------------------------------- the real registry, all auth variants

async fn exercise(auth: Auth) {
    let registry = Registry::start(auth).expect("registry");
    let host = registry.host();
    let redis = fixtures::get("library/redis:latest").expect("fixture");
    let pushed = registry.push(redis).expect("push redis");
    let alpine = fixtures::get("library/alpine:latest").expect("fixture");
    let tags = ["1", "2", "3", "4", "5"];
    for tag in tags {
        registry
            .push_as(alpine, "team/alpine", tag)
            .expect("push alpine");
    }
    let (_config, client) = client_for(&host, right_creds(&registry));
    let by_tag = reference(&format!("{host}/library/redis:latest"));
    let issued_before = registry.token_issuer().map(|t| t.issued());

    // Manifest by tag: bytes hash to the pushed digest.
    let fetched = client
        .get_manifest(&by_tag)
        .await
        .expect("get_manifest by tag");
    assert_eq!(fetched.digest, digest(&pushed.digest), "{auth:?}");
    assert_eq!(Digest::sha256_of(&fetched.bytes), fetched.digest);
    assert!(
        fetched.media_type.is_manifest() || fetched.media_type.is_index(),
        "{}",
        fetched.media_type
    );
    let issued_after_first = registry.token_issuer().map(|t| t.issued());

    // By digest: the same bytes.
    let by_digest = reference(&format!("{host}/library/redis@{}", pushed.digest));
    let again = client
        .get_manifest(&by_digest)
        .await
        .expect("get_manifest by digest");
    assert_eq!(again.bytes, fetched.bytes);
    assert_eq!(again.digest, fetched.digest);

    // HEAD: digest, type and size without the body.
    let head = client
        .head_manifest(&by_tag)
        .await
        .expect("head")
        .expect("present");
    assert_eq!(head.digest, fetched.digest);
    assert_eq!(head.size, fetched.bytes.len() as u64);
    assert_eq!(head.media_type, fetched.media_type);

    // Blobs stream bytes that hash to their digest; a range is a slice.
    let Manifest::Image(image) = &fetched.manifest else {
        panic!("redis is an image manifest, got {:?}", fetched.media_type)
    };
    for descriptor in std::iter::once(&image.config).chain(&image.layers) {
        let (size, bytes) = collect(&client, &by_tag, &descriptor.digest, None).await;
        assert_eq!(size, Some(descriptor.size), "{}", descriptor.digest);
        let mut hasher = Hasher::sha256();
        hasher.update(&bytes);
        assert_eq!(hasher.finish(), descriptor.digest);
    }
    let layer = &image.layers[0];
    let (_, whole) = collect(&client, &by_tag, &layer.digest, None).await;
    let end = whole.len().min(100) as u64;
    let (size, part) = collect(&client, &by_tag, &layer.digest, Some(10..end)).await;
    assert_eq!(part, whole[10..end as usize]);
    assert_eq!(size, Some(end - 10));

    // Repeated calls for the same repository reuse the token.
    if let (Some(before), Some(after)) = (issued_before, issued_after_first) {
        assert_eq!(after, before + 1, "one token for the first request");
        assert_eq!(
            registry.token_issuer().map(|t| t.issued()),
            Some(after),
            "token reused for digest, HEAD and blobs"
        );
    }

    // Tags, all at once and in pages of two (the Link header is followed).
    let alpine_ref = reference(&format!("{host}/team/alpine"));
    let want: BTreeSet<String> = tags.iter().map(|t| t.to_string()).collect();
    let all: BTreeSet<String> = client
        .list_tags(&alpine_ref)
        .await
        .expect("tags")
        .into_iter()
        .collect();
    assert_eq!(all, want);
    let paged = client
        .list_tags_paged(&alpine_ref, Some(2))
        .await
        .expect("paged tags");
    assert_eq!(paged.iter().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(paged.len(), tags.len(), "no tag twice: {paged:?}");

    // The catalog, whole and one repository per page.
    let want_repos: BTreeSet<String> = ["library/redis", "team/alpine"].map(String::from).into();
    let catalog: BTreeSet<String> = client
        .catalog(&host)
        .await
        .expect("catalog")
        .into_iter()
        .collect();
    assert_eq!(catalog, want_repos);
    let paged = client
        .catalog_paged(&host, Some(1))
        .await
        .expect("paged catalog");
    assert_eq!(paged.into_iter().collect::<BTreeSet<_>>(), want_repos);

    // A missing tag is NotFound with the registry's message; HEAD says None.
    let missing = reference(&format!("{host}/library/redis:nope"));
    match client.get_manifest(&missing).await {
        Err(RegistryError::NotFound { message, what, .. }) => {
            assert!(message.contains("manifest unknown"), "{message}");
            assert!(what.contains("library/redis:nope"), "{what}");
        }
        other => panic!("{auth:?}: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        client
            .head_manifest(&missing)
            .await
            .expect("head of a missing tag"),
        None
    );
    let unknown_blob = Digest::sha256_of(b"no such blob");
    match client.get_blob(&by_tag, &unknown_blob, None).await {
        Err(RegistryError::NotFound { message, .. }) => {
            assert!(message.contains("blob unknown"), "{message}")
        }
        other => panic!("{auth:?}: expected NotFound, got {other:?}"),
    }
    let unknown_repo = reference(&format!("{host}/no/such/repo:latest"));
    assert!(
        matches!(
            client.list_tags(&unknown_repo).await,
            Err(RegistryError::NotFound { .. })
        ),
        "{auth:?}: tags of an unknown repository"
    );
}

#[tokio::test]
async fn open_registry() {
    exercise(Auth::Open).await;
}

#[tokio::test]
async fn basic_auth_registry() {
    exercise(Auth::Basic).await;
}

#[tokio::test]
async fn token_auth_registry() {
    exercise(Auth::Token).await;
}

#[tokio::test]
async fn refused_credentials_are_unauthorized() {
    for auth in [Auth::Basic, Auth::Token] {
        let registry = Registry::start(auth).expect("registry");
        let host = registry.host();
        registry
            .push(fixtures::get("library/alpine:latest").expect("fixture"))
            .expect("push");
        let target = reference(&format!("{host}/library/alpine:latest"));

        for (creds, had_credentials) in [(Some((USER, "wrong-horse")), true), (None, false)] {
            let (_config, client) = client_for(&host, creds);
            let error = client.get_manifest(&target).await.expect_err("refused");
            let RegistryError::Unauthorized {
                had_credentials: had,
                ..
            } = &error
            else {
                panic!("{auth:?} {creds:?}: expected Unauthorized, got {error:?}")
            };
            assert_eq!(*had, had_credentials, "{auth:?} {creds:?}: {error}");
            let message = error.to_string();
            assert!(
                message.contains(&format!("strata login {host}")),
                "{message}"
            );
            assert!(
                !message.contains("wrong-horse"),
                "the password never shows: {message}"
            );
        }

        // check_login: right credentials pass, wrong ones are refused.
        let (_config, client) = client_for(&host, None);
        let right = strata::credentials::Credential::password(USER, PASSWORD);
        client
            .check_login(&host, &right)
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e}"));
        let wrong = strata::credentials::Credential::password(USER, "wrong-horse");
        assert!(
            matches!(
                client.check_login(&host, &wrong).await,
                Err(RegistryError::Unauthorized {
                    had_credentials: true,
                    ..
                })
            ),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn open_registry_accepts_any_login() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let (_config, client) = client_for(&registry.host(), None);
    let any = strata::credentials::Credential::password("anyone", "anything");
    client
        .check_login(&registry.host(), &any)
        .await
        .expect("open registry");
}

#[tokio::test]
async fn docker_hub_names_follow_the_hub_override() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let config = ClientConfig {
        hub_registry: Some(registry.url()),
        retry: quick_retries(),
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    let fetched = client
        .get_manifest(&reference("redis"))
        .await
        .expect("redis via the Hub override");
    assert_eq!(fetched.digest, digest(&pushed.digest));
}

#[tokio::test]
async fn unreachable_registries_say_how_they_were_tried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let host = format!("127.0.0.1:{port}");
    let target = reference(&format!("{host}/library/redis:latest"));

    // https by default: the message suggests --insecure-registry.
    let config = ClientConfig {
        retry: quick_retries(),
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    match client.get_manifest(&target).await {
        Err(error @ RegistryError::Unreachable { .. }) => {
            let message = error.to_string();
            assert!(
                message.contains(&format!("https://{host}/v2/")),
                "{message}"
            );
            assert!(
                message.contains(&format!("--insecure-registry {host}")),
                "{message}"
            );
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // An http-only registry reached over https: the same advice.
    let http_only = serve(open_v2()).await;
    let target_http = reference(&format!("{http_only}/library/redis:latest"));
    match client.get_manifest(&target_http).await {
        Err(error @ RegistryError::Unreachable { .. }) => {
            let message = error.to_string();
            assert!(
                message.contains(&format!("--insecure-registry {http_only}")),
                "{message}"
            );
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // An insecure registry is tried over plain http.
    let (_config, client) = client_for(&host, None);
    match client.get_manifest(&target).await {
        Err(error @ RegistryError::Unreachable { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&format!("http://{host}/v2/")), "{message}");
            assert!(message.contains("plain http"), "{message}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_destination_policy_can_refuse_addresses() {
    #[derive(Debug)]
    struct NoLoopback;
    impl DestinationPolicy for NoLoopback {
        fn check_addr(&self, _host: &str, addr: std::net::IpAddr) -> Result<(), String> {
            if addr.is_loopback() {
                Err("loopback addresses are not allowed".into())
            } else {
                Ok(())
            }
        }
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let addr = serve(Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { StatusCode::OK }
    }))
    .await;
    for host in [addr.to_string(), format!("localhost:{}", addr.port())] {
        let config = ClientConfig {
            insecure_registries: vec![host.clone()],
            destination_policy: Arc::new(NoLoopback),
            retry: RetryPolicy {
                attempts: 1,
                ..quick_retries()
            },
            ..ClientConfig::default()
        };
        let client = RegistryClient::new(config).expect("client");
        let error = client
            .get_manifest(&reference(&format!("{host}/a:b")))
            .await
            .err();
        let message = error.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(
            message.contains("loopback addresses are not allowed"),
            "{host}: {message}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");
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

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let (_config, client) = client_for("127.0.0.1:1", Some(("user", "hunter2-secret")));
    let debug = format!("{client:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    let credentials = client
        .config()
        .credentials
        .get("127.0.0.1:1")
        .expect("get")
        .expect("present");
    assert!(!format!("{credentials:?}").contains("hunter2-secret"));
}
