//! Every route and the middleware stack, in one place.

use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use super::state::AppState;
use super::{api_v1, registry_v2};

/// Builds the whole service.
///
/// - `/v2/…`: the OCI distribution API.
/// - `/api/v1/…`: the dashboard's JSON API.
/// - anything else: the dashboard's files, with `index.html` for every path
///   that is not a file, so deep links like `/i/redis` load the app.
pub fn app(state: AppState) -> Router {
    let index = state.dist().join("index.html");
    let dashboard = ServeDir::new(state.dist()).fallback(ServeFile::new(index));

    let api = Router::new()
        .route("/version", get(api_v1::version))
        .fallback(api_v1::not_found);

    // `/v2/` itself is listed outside the nest: a nested "/" matches only `/v2`.
    let registry = Router::new().fallback(registry_v2::not_found);

    Router::new()
        .route("/v2/", get(registry_v2::base))
        .route("/v2", get(registry_v2::base))
        .nest("/api/v1", api)
        .nest("/v2", registry)
        .fallback_service(dashboard)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
