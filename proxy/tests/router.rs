//! The service built by `strata::serve::app`, driven without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use strata::serve::{AppState, app};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
}

fn state() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).expect("mkdir");
    std::fs::write(
        dist.join("index.html"),
        "<!DOCTYPE html><title>strata</title>",
    )
    .expect("write");
    std::fs::write(dist.join("assets/app.js"), "console.log('strata')").expect("write");
    let store = strata::store::Store::open(&dir.path().join("store")).expect("store");
    // Docker Hub is a closed loopback port: nothing here leaves the machine.
    let client = strata::registry::RegistryClient::new(strata::registry::ClientConfig {
        hub_registry: Some("http://127.0.0.1:1".to_owned()),
        ..strata::registry::ClientConfig::default()
    })
    .expect("client");
    let state = AppState::new(
        dist,
        store,
        client,
        strata::serve::security::Security::local(),
    );
    Fixture { _dir: dir, state }
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn version_reports_this_build() {
    let f = state();
    let (status, _, body) = get(&f.state, "/api/v1/version").await;
    assert_eq!(status, StatusCode::OK);
    let info: shared::api::VersionInfo = serde_json::from_slice(&body).expect("json");
    assert_eq!(info, shared::api::VersionInfo::new(strata::VERSION));
}

#[tokio::test]
async fn v2_base_answers_like_a_registry() {
    let f = state();
    let (status, headers, body) = get(&f.state, "/v2/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["docker-distribution-api-version"], "registry/2.0");
    assert_eq!(body, b"{}");
}

#[tokio::test]
async fn bad_v2_paths_are_distribution_errors() {
    let f = state();
    // "nohost" is not a registry host, so `ns` cannot name it.
    let (status, headers, body) =
        get(&f.state, "/v2/nothing/here/manifests/latest?ns=nohost").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["docker-distribution-api-version"], "registry/2.0");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["errors"][0]["code"], "NAME_INVALID");
    assert!(json["errors"][0]["message"].is_string());
}

#[tokio::test]
async fn unknown_api_path_is_json_not_the_app() {
    let f = state();
    let (status, _, body) = get(&f.state, "/api/v1/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["code"], "not_found");
}

#[tokio::test]
async fn deep_links_load_the_app_and_files_are_served() {
    let f = state();
    for uri in [
        "/",
        "/pull",
        "/i/docker.io/library/redis:latest",
        "/search?q=redis",
    ] {
        let (status, _, body) = get(&f.state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            String::from_utf8_lossy(&body).contains("<title>strata</title>"),
            "{uri}"
        );
    }
    let (status, _, body) = get(&f.state, "/assets/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"console.log('strata')");
}

async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, serde_json::Value) {
    let response = app(state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn tag_request(headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post("/api/v1/tag")
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8080");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder
        .body(Body::from(r#"{"source":"nothing:here","target":"x:y"}"#))
        .expect("request")
}

#[tokio::test]
async fn writes_need_the_csrf_token_and_the_same_origin() {
    let f = state();
    let (status, body) = send(&f.state, tag_request(&[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("X-Strata-Csrf")
    );

    let (status, session) = send(
        &f.state,
        Request::get("/api/v1/session")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = session["csrf_token"].as_str().expect("token").to_owned();

    // With the token the write reaches the store (which does not know the image).
    let (status, body) = send(&f.state, tag_request(&[("x-strata-csrf", &token)])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "not_found");

    // A cross-site page is refused even with a token (a form post cannot send it anyway).
    let (status, _) = send(
        &f.state,
        tag_request(&[
            ("x-strata-csrf", &token),
            ("origin", "https://evil.example"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The page's own origin is fine.
    let (status, _) = send(
        &f.state,
        tag_request(&[
            ("x-strata-csrf", &token),
            ("origin", "http://127.0.0.1:8080"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&f.state, tag_request(&[("x-strata-csrf", "wrong")])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// `--private` with the token `s3cret` and the allowed origin
/// `https://dash.example`, serving `f`'s dashboard over a store of its own.
fn private_state(f: &Fixture) -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = strata::store::Store::open(dir.path()).expect("store");
    // Docker Hub is a closed loopback port: nothing here leaves the machine.
    let client = strata::registry::RegistryClient::new(strata::registry::ClientConfig {
        hub_registry: Some("http://127.0.0.1:1".to_owned()),
        ..strata::registry::ClientConfig::default()
    })
    .expect("client");
    // --private: every request needs the token, so any Host name is fine.
    let security = strata::serve::security::Security::new(
        ["https://dash.example".to_owned()],
        Some("s3cret".to_owned()),
        true,
    )
    .with_local_names_only(false);
    let state = AppState::new(f.state.dist().to_path_buf(), store, client, security);
    (dir, state)
}

#[tokio::test]
async fn bearer_token_and_private_mode() {
    let f = state();
    let (_dir, private) = private_state(&f);

    let (status, _) = send(
        &private,
        Request::get("/api/v1/images")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        &private,
        Request::get("/api/v1/images")
            .header("authorization", "Bearer s3cret")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 0);
    // The CSRF token alone is not enough once a bearer token is configured.
    let (_, session) = send(
        &private,
        Request::get("/api/v1/session")
            .header("authorization", "Bearer s3cret")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    let csrf = session["csrf_token"].as_str().expect("token").to_owned();
    let (status, _) = send(&private, tag_request(&[("x-strata-csrf", &csrf)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&private, tag_request(&[("authorization", "Bearer s3cret")])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // CORS: an allowed origin gets its own origin back, never `*`, never credentials.
    let response = app(private.clone())
        .oneshot(
            Request::options("/api/v1/images")
                .header("origin", "https://dash.example")
                .header("host", "strata.local")
                .body(Body::empty())
                .expect("req"),
        )
        .await
        .expect("infallible");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://dash.example"
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let (status, _) = send(
        &private,
        Request::get("/api/v1/images")
            .header("origin", "https://other.example")
            .header("host", "strata.local")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_inputs_are_checked() {
    let f = state();
    let cases = [
        ("/api/v1/ref?reference=Bad%20Ref", StatusCode::BAD_REQUEST),
        ("/api/v1/ref?reference=redis", StatusCode::OK),
        ("/api/v1/images?filter=nope%3D1", StatusCode::BAD_REQUEST),
        ("/api/v1/images?sort=colour", StatusCode::BAD_REQUEST),
        ("/api/v1/images?filter=dangling%3Dtrue", StatusCode::OK),
        ("/api/v1/images/no/such:image", StatusCode::NOT_FOUND),
        ("/api/v1/pulls/999/events", StatusCode::NOT_FOUND),
        ("/api/v1/usage", StatusCode::OK),
    ];
    for (uri, want) in cases {
        let (status, body) = send(
            &f.state,
            Request::get(uri).body(Body::empty()).expect("req"),
        )
        .await;
        assert_eq!(status, want, "{uri}: {body}");
        if !status.is_success() {
            assert!(
                body["code"].is_string() && body["message"].is_string(),
                "{uri}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let f = state();
    let (_, session) = send(
        &f.state,
        Request::get("/api/v1/session")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    let token = session["csrf_token"].as_str().expect("token").to_owned();
    let huge = format!(
        r#"{{"images":["{}"],"force":false}}"#,
        "a".repeat(200 * 1024)
    );
    let request = Request::post("/api/v1/rm")
        .header("content-type", "application/json")
        .header("x-strata-csrf", token)
        .body(Body::from(huge))
        .expect("req");
    let response = app(f.state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// `/metrics` sits behind the API's guard: the token with `--private`,
/// and no requests from other sites' pages.
#[tokio::test]
async fn metrics_sit_behind_the_api_guard() {
    let f = state();
    let (status, headers, body) = get(&f.state, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|v| v.starts_with("application/openmetrics-text"))
    );
    let text = String::from_utf8(body).expect("utf-8");
    assert!(text.contains("# TYPE strata_proxy_hits counter"), "{text}");
    assert!(text.contains("strata_store_images 0\n"), "{text}");

    let foreign = app(f.state.clone())
        .oneshot(
            Request::get("/metrics")
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);

    let (_dir, private) = private_state(&f);
    let (status, _) = send(
        &private,
        Request::get("/metrics").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &private,
        Request::get("/metrics")
            .header("authorization", "Bearer s3cret")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
