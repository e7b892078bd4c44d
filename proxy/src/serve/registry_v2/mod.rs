//! `/v2` handlers: the OCI distribution API surface.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

/// Every `/v2` route (mounted at the root by [`super::app`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/", get(base))
        .route("/v2", get(base))
        .route("/v2/{*rest}", get(not_found))
}

/// The header every distribution API response carries.
pub const API_VERSION_HEADER: HeaderName = HeaderName::from_static("docker-distribution-api-version");

fn api_version() -> (HeaderName, HeaderValue) {
    (API_VERSION_HEADER, HeaderValue::from_static("registry/2.0"))
}

/// `GET /v2/`: the version check clients do before anything else.
pub async fn base() -> impl IntoResponse {
    (StatusCode::OK, [api_version()], axum::Json(serde_json::json!({})))
}

/// Any `/v2` path not served yet, in the distribution spec's error shape.
pub async fn not_found(uri: Uri) -> impl IntoResponse {
    let body = serde_json::json!({
        "errors": [{
            "code": "NAME_UNKNOWN",
            "message": "repository name not known to registry",
            "detail": { "path": uri.path() },
        }]
    });
    (StatusCode::NOT_FOUND, [api_version()], axum::Json(body))
}
