//! `/api/v1`: the dashboard's JSON API. Request and response types come from
//! `shared::api`; errors are [`ApiError`](super::error::ApiError).
//!
//! | route | what |
//! | --- | --- |
//! | `GET /version` | the server version |
//! | `GET /session` | signed in or not, and the CSRF token for writes |
//! | `POST /session/sign-in` | a one-time code or the token: sets the session cookie |
//! | `POST /session/sign-out` | ends the session |
//! | `POST /session/codes` | a new one-time sign-in code (bearer token only) |
//! | `GET /ref?reference=R` | a parsed reference |
//! | `GET /images?filter=K=V&digests=&sort=&order=&offset=&limit=` | the images table |
//! | `GET /images/{name}` | one image: inspect, history, layers and sharing, pins |
//! | `GET /usage` | store size and bytes saved by sharing |
//! | `GET /cache` | the pull-through cache: hits and misses, bytes, upstream rate limits, largest and least recently used images |
//! | `POST /tag` | tag an image |
//! | `POST /rm` | remove images |
//! | `POST /prune` | `image prune` (`{all, filters, dry_run}`): dangling or unpinned images, and the bytes freed |
//! | `POST /pins`, `DELETE /pins` | pin or unpin |
//! | `POST /pulls`, `GET /pulls` | start a pull, list pulls |
//! | `GET /pulls/{id}/events` | a pull's progress as Server-Sent Events |
//! | `GET /search?term=T&limit=N&filter=K=V` | Docker Hub's index or a registry catalog |
//! | `GET /layers/{digest}/index` | a stored layer's random-access index (`application/vnd.strata.layer-index.v1+gzip`), built now if missing |
//! | `GET /trusted-root` | the Sigstore trusted root given to `--trusted-root` (404: none; the dashboard uses the public-good one) |

mod cache;
pub(crate) mod guard;
mod image_handlers;
mod layer_index;
mod manage;
mod prune;
mod pulls;
mod search;
mod session;
mod trusted_root;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::http::Uri;
use axum::routing::{get, post};
use shared::api::{ErrorCode, VersionInfo};
use shared::reference::{Reference, ReferenceSummary};

use super::AppState;
use super::error::ApiError;

pub use layer_index::{CONTENT_TYPE as LAYER_INDEX_TYPE, IndexBuilds};
pub use pulls::Pulls;

/// The largest request body the API reads (bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// Every `/api/v1` route, behind the defences in [`guard`].
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/version", get(version))
        .route("/session", get(session::info))
        .route("/session/sign-in", post(session::sign_in))
        .route("/session/sign-out", post(session::sign_out))
        .route("/session/codes", post(session::mint_code))
        .route("/ref", get(parse_ref))
        .route("/images", get(image_handlers::list))
        .route("/images/{*name}", get(image_handlers::detail))
        .route("/usage", get(image_handlers::usage))
        .route("/cache", get(cache::cache))
        .route("/tag", post(manage::tag))
        .route("/rm", post(manage::remove))
        .route("/prune", post(prune::prune))
        .route("/pins", post(manage::pin).delete(manage::unpin))
        .route("/pulls", post(pulls::start).get(pulls::list))
        .route("/pulls/{id}/events", get(pulls::events))
        .route("/search", get(search::search))
        .route("/layers/{digest}/index", get(layer_index::index))
        .route("/trusted-root", get(trusted_root::trusted_root))
        .fallback(not_found)
        // Every request body is a small JSON document.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state, guard::guard))
}

/// `GET /api/v1/version`.
pub async fn version() -> Json<VersionInfo> {
    Json(VersionInfo::new(crate::VERSION))
}

#[derive(Debug, serde::Deserialize)]
struct RefQuery {
    reference: String,
}

/// `GET /api/v1/ref?reference=R`.
async fn parse_ref(Query(query): Query<RefQuery>) -> Result<Json<ReferenceSummary>, ApiError> {
    let reference: Reference = query
        .reference
        .parse()
        .map_err(|e| ApiError::invalid(format!("{e}")))?;
    Ok(Json(reference.summary()))
}

/// Any other `/api/v1` path.
async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no API endpoint at {uri}; see the README for the /api/v1 routes"),
    )
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&crate::store::Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store().clone();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|e| ApiError::internal("a store task", e))?
}
