//! Every route and the middleware stack, in one place.

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::state::AppState;
use super::{api_v1, headers, host_check, metrics, registry_v2};

/// Builds the whole service.
///
/// - `/v2/…`: the OCI distribution API over the store and every upstream
///   (`registry_v2::routes`).
/// - `/api/v1/…`: the dashboard's JSON API (`api_v1::routes`), behind the
///   write and origin defences.
/// - `/metrics`: the Prometheus scrape (`metrics`), behind the same guard.
/// - anything else: the dashboard's files, with `index.html` for every path
///   that is not a file, so deep links like `/i/redis` load the app.
///
/// In front of all of it, `host_check::local_names_only` (DNS rebinding);
/// every response carries the headers of `headers` (CSP, framing, sniffing).
pub fn app(state: AppState) -> Router {
    let index = state.dist().join("index.html");
    // Trunk names assets by content hash, so they never change; index.html must revalidate.
    let assets = ServeDir::new(state.dist()).fallback(ServeFile::new(index));
    let dashboard =
        Router::new()
            .fallback_service(assets)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                |response: &axum::response::Response| cache_policy(response),
            ));

    // Behind the API's guard: the token with --private, no foreign origins.
    let scrape = Router::new()
        .route("/metrics", axum::routing::get(metrics::scrape::scrape))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api_v1::guard::guard,
        ));

    let mut app = Router::new()
        .nest("/api/v1", api_v1::routes(state.clone()))
        .merge(scrape)
        .merge(dashboard)
        // Compression covers what is added above only: /v2 bodies are sent as
        // stored (blobs are compressed already, and digests name exact bytes).
        // Layer indexes are gzip already.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new(api_v1::LAYER_INDEX_TYPE)),
        ))
        .merge(registry_v2::routes(state.clone()))
        // Before anything else: requests addressed to a name a web page could
        // have pointed at 127.0.0.1 (DNS rebinding).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host_check::local_names_only,
        ));
    // Against framing, sniffing, leaking referrers and injected scripts.
    for (name, value) in headers::all(state.dist()) {
        app = app.layer(SetResponseHeaderLayer::overriding(name, value));
    }
    app
        // Every request counted and timed (strata_http_*), by route label.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::http::track,
        ))
        // One line per request at INFO: method, path, status, latency. Headers
        // (and so credentials and tokens) are never logged, nor sign-in codes.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    // As DefaultMakeSpan at INFO, but the sign-in link's code never reaches the log.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        uri = %super::sessions::redacted(request.uri()),
                        version = ?request.version(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Hashed assets (`name-<16 hex>.ext`) are immutable; HTML is not.
fn cache_policy(response: &axum::response::Response) -> Option<HeaderValue> {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    Some(HeaderValue::from_static(if html {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    }))
}
