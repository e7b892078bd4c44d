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
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>strata</title>").expect("write");
    std::fs::write(dist.join("assets/app.js"), "console.log('strata')").expect("write");
    let state = AppState::new(dist, dir.path().join("store"));
    Fixture { _dir: dir, state }
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
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
async fn unknown_v2_path_is_a_distribution_error() {
    let f = state();
    let (status, headers, body) = get(&f.state, "/v2/nothing/here/manifests/latest").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["docker-distribution-api-version"], "registry/2.0");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["errors"][0]["code"], "NAME_UNKNOWN");
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
    for uri in ["/", "/pull", "/i/docker.io/library/redis:latest", "/search?q=redis"] {
        let (status, _, body) = get(&f.state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(String::from_utf8_lossy(&body).contains("<title>strata</title>"), "{uri}");
    }
    let (status, _, body) = get(&f.state, "/assets/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"console.log('strata')");
}
