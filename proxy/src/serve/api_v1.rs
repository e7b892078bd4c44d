//! `/api/v1` handlers.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use shared::api::VersionInfo;

/// `GET /api/v1/version`.
pub async fn version() -> Json<VersionInfo> {
    Json(VersionInfo::new(crate::VERSION))
}

/// Any other `/api/v1` path.
pub async fn not_found(uri: Uri) -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({
            "code": "not_found",
            "message": format!("no API endpoint at {uri}; see the README for the /api/v1 routes"),
        })),
    )
}
