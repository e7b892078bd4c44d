//! Helpers shared by the registry client's tests (`registry_client`,
//! `registry_client_faults`): clients with their own Docker config, quick
//! retries, and small axum servers for what no installable registry does.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use futures_util::StreamExt as _;
use shared::digest::Digest;
use shared::reference::Reference;
use strata::credentials::CredentialStore;
use strata::registry::{ClientConfig, RegistryClient, RegistryError, RetryPolicy};

/// Retries fast enough for tests, slow enough to see that they happen.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A Docker config in a temporary folder, holding `user:password` for `host`
/// when given.
pub fn docker_config(
    host: &str,
    creds: Option<(&str, &str)>,
) -> (tempfile::TempDir, CredentialStore) {
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
pub fn client_for(host: &str, creds: Option<(&str, &str)>) -> (tempfile::TempDir, RegistryClient) {
    let (dir, credentials) = docker_config(host, creds);
    let config = ClientConfig {
        insecure_registries: vec![host.to_owned()],
        retry: quick_retries(),
        ..ClientConfig::new(credentials)
    };
    (dir, RegistryClient::new(config).expect("client"))
}

pub fn reference(s: &str) -> Reference {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub async fn collect(
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
pub async fn serve(router: Router) -> SocketAddr {
    test_support::spawn_router(router).await.expect("serve")
}

/// `GET /v2/` answering 200, as an open registry does.
pub fn open_v2() -> Router {
    Router::new().route("/v2/", get(|| async { "{}" }))
}
