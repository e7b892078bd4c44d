//! The registry client against hosts that try to steal its credentials: a
//! storage host that answers a redirected blob with its own challenge, a
//! `/v2/` that redirects to a host asking for credentials, a token realm
//! that 307s the identity-token form elsewhere, and a plain-http realm on a
//! host not listed as insecure. Each thief records what reached it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes as BodyBytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use shared::digest::Digest;
use strata::credentials::CredentialStore;
use strata::registry::{ClientConfig, RegistryClient, RegistryError};

#[expect(dead_code, reason = "the blob helpers serve the other client tests")]
mod registry_client_support;

use registry_client_support::{client_for, quick_retries, reference, serve};

/// One request that reached a thief: its `Authorization` and its body.
type Taken = (Option<String>, String);

/// What reached a thief, request by request.
#[derive(Debug, Clone, Default)]
struct Loot(Arc<Mutex<Vec<Taken>>>);

impl Loot {
    fn requests(&self) -> Vec<Taken> {
        self.0.lock().expect("lock").clone()
    }
}

/// A host answering every request with `answer`, recording what it got.
async fn thief(answer: fn(&str) -> Response) -> (SocketAddr, Loot) {
    let loot = Loot::default();
    let seen = loot.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://localhost:{}", addr.port());
    let router = Router::new().fallback(any(move |headers: HeaderMap, body: BodyBytes| {
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        seen.0
            .lock()
            .expect("lock")
            .push((auth, String::from_utf8_lossy(&body).into_owned()));
        let response = answer(&base);
        async move { response }
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (addr, loot)
}

/// 401 with a Bearer challenge naming the thief's own realm.
fn challenge_to_self(base: &str) -> Response {
    let challenge = format!("Bearer realm=\"{base}/token\",service=\"thief\"");
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
    )
        .into_response()
}

/// A registry wanting Basic `user:secret`, whose other routes are `routes`.
fn basic_registry(routes: Router) -> Router {
    routes.route(
        "/v2/",
        get(|headers: HeaderMap| async move {
            if headers.contains_key(header::AUTHORIZATION) {
                StatusCode::OK.into_response()
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Basic realm=\"registry\"")],
                )
                    .into_response()
            }
        }),
    )
}

/// A registry whose `/v2/` answers 401 with the Bearer `challenge`.
fn bearer_registry(challenge: String) -> Router {
    Router::new().route(
        "/v2/",
        get(move || {
            let challenge = challenge.clone();
            async move {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, challenge)],
                )
                    .into_response()
            }
        }),
    )
}

fn redirect_to(location: String) -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

#[tokio::test]
async fn a_storage_hosts_challenge_is_not_answered() {
    let (storage, loot) = thief(challenge_to_self).await;
    let location = format!("http://localhost:{}/blob", storage.port());
    let registry = serve(basic_registry(Router::new().route(
        "/v2/a/blobs/{digest}",
        get(move || {
            let location = location.clone();
            async move { redirect_to(location) }
        }),
    )))
    .await;
    let (_config, client) = client_for(&registry.to_string(), Some(("user", "secret")));
    let target = reference(&format!("{registry}/a:b"));
    let digest = Digest::sha256_of(b"never served");
    for _ in 0..2 {
        match client.get_blob(&target, &digest, None).await {
            Err(RegistryError::Unauthorized { .. } | RegistryError::InvalidResponse { .. }) => {}
            Err(other) => panic!("expected the storage host's 401 as an error, got {other}"),
            Ok(_) => panic!("expected the storage host's 401 as an error, got a blob"),
        }
    }
    let requests = loot.requests();
    assert_eq!(
        requests.len(),
        2,
        "only the two redirected blob requests: {requests:?}"
    );
    assert!(
        requests.iter().all(|(auth, _)| auth.is_none()),
        "no credentials, nor a token request, reached the storage host: {requests:?}"
    );
}

#[tokio::test]
async fn a_ping_redirected_elsewhere_does_not_choose_the_realm() {
    let (elsewhere, loot) = thief(challenge_to_self).await;
    let location = format!("http://localhost:{}/v2/", elsewhere.port());
    let registry = serve(Router::new().route(
        "/v2/",
        get(move || {
            let location = location.clone();
            async move { redirect_to(location) }
        }),
    ))
    .await;
    let (_config, client) = client_for(&registry.to_string(), Some(("user", "secret")));
    let error = client
        .get_manifest(&reference(&format!("{registry}/a:b")))
        .await
        .expect_err("the ping ends at a foreign 401");
    assert!(
        error
            .to_string()
            .contains("only from the registry's own address"),
        "{error}"
    );
    let requests = loot.requests();
    assert_eq!(requests.len(), 1, "the redirected ping only: {requests:?}");
    assert_eq!(requests[0].0, None, "without credentials");
}

/// A client for `host` (plain http) holding an identity token for it.
fn identity_token_client(host: &str) -> (tempfile::TempDir, RegistryClient) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    let config = serde_json::json!({"auths": {host: {
        "auth": "dXNlcjo=", // "user:"
        "identitytoken": "refresh-token-secret",
    }}});
    std::fs::write(&path, config.to_string()).expect("write config");
    let credentials = CredentialStore::load(&path).expect("load config");
    let config = ClientConfig {
        insecure_registries: vec![host.to_owned()],
        retry: quick_retries(),
        ..ClientConfig::new(credentials)
    };
    (dir, RegistryClient::new(config).expect("client"))
}

#[tokio::test]
async fn an_identity_token_is_not_reposted_to_another_origin() {
    let (elsewhere, loot) =
        thief(|_| (StatusCode::OK, r#"{"token":"stolen"}"#).into_response()).await;
    let location = format!("http://localhost:{}/token", elsewhere.port());
    // The registry's realm is on its own origin, and 307s the POST away.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let registry = listener.local_addr().expect("addr");
    let realm = format!("Bearer realm=\"http://{registry}/token\",service=\"r\"");
    let router = bearer_registry(realm).route(
        "/token",
        any(move || {
            let location = location.clone();
            async move { redirect_to(location) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let (_config, client) = identity_token_client(&registry.to_string());
    let error = client
        .get_manifest(&reference(&format!("{registry}/a:b")))
        .await
        .expect_err("the token request was redirected away");
    assert!(
        error.to_string().contains("re-send the request body"),
        "{error}"
    );
    assert!(
        loot.requests().is_empty(),
        "nothing reached the other origin: {:?}",
        loot.requests()
    );
}

#[tokio::test]
async fn a_password_is_not_sent_to_a_plain_http_realm_not_listed_insecure() {
    // The registry (127.0.0.1:PORT, listed insecure) names a realm on a
    // host that is not listed (localhost): plain http to an unknown host.
    let (realm_host, loot) = thief(|_| (StatusCode::OK, r#"{"token":"t"}"#).into_response()).await;
    let realm = format!(
        "Bearer realm=\"http://localhost:{}/token\",service=\"r\"",
        realm_host.port()
    );
    let registry = serve(bearer_registry(realm)).await;
    let (_config, client) = client_for(&registry.to_string(), Some(("user", "secret")));
    match client
        .get_manifest(&reference(&format!("{registry}/a:b")))
        .await
    {
        Err(error @ RegistryError::Refused { .. }) => {
            let message = error.to_string();
            assert!(
                message.contains("--insecure-registry localhost"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        loot.requests().is_empty(),
        "the realm got nothing: {:?}",
        loot.requests()
    );
}
