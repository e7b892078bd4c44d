//! `/v2`: the store and every upstream registry, as one read-only OCI
//! distribution API.
//!
//! ```text
//! GET      /v2/                                      200 {}
//! GET|HEAD /v2/<name>/manifests/<tag|digest>
//! GET|HEAD /v2/<name>/blobs/<digest>         (Range: bytes=…)
//! GET      /v2/<name>/tags/list              (?n=&last=, Link)
//! GET      /v2/<name>/referrers/<digest>     (?artifactType=)
//! PUT|POST|PATCH|DELETE …                    405 UNSUPPORTED
//! ```
//!
//! A name either starts with the upstream registry, `:` written `_`
//! (`/v2/127.0.0.1_5000/team/app/…`, `/v2/docker.io/library/redis/…`), so
//! `127.0.0.1:8080/docker.io/library/redis:latest` is an image reference
//! skopeo, podman and docker can pull; or it has no host, as a mirror is
//! asked (`/v2/library/redis/…`), and is on the registry the request's
//! `?ns=` names (containerd), else on `--mirror-default` (Docker Hub by
//! default; Docker's `registry-mirrors`, podman's `[[registry.mirror]]`).
//! A response to a request whose `ns` chose the registry carries
//! `OCI-Namespace: <registry>`.
//!
//! Content the store holds is served from the store; anything else is
//! fetched through the registry client (with its credentials, which never
//! reach the client), streamed to the client and written to the store at
//! the same time, and committed only once its digest verified. Tags are
//! always resolved upstream. Stored content is served under a repository's
//! name only if it is known to belong to that repository ([`access`]), and
//! images cached this way are recorded in the store as if pulled
//! ([`cached`]), so garbage collection keeps them and `strata rm` evicts
//! them.
//!
//! | file | concept |
//! | --- | --- |
//! | [`path`] | reading `/v2/<name>/<operation>` |
//! | [`manifests`] | manifests by tag and digest |
//! | [`blobs`] | blobs, whole or a range ([`range`]) |
//! | [`redirect`] | `--redirect-blobs`: a warm blob as a `307` to a presigned URL in the bucket |
//! | [`tee`] | one upstream fetch streamed to a client and the store |
//! | `stops` | why a transfer stops early: too slow, past its deadline, too large, the disk |
//! | [`limits`] | how much `/v2` takes on at once, and for how long |
//! | [`flight`] | one fetch per repository and digest, however many ask at once |
//! | [`access`] | whether stored content may be served under a repository |
//! | [`cached`] | images cached through `/v2` recorded as images |
//! | [`fresh_tags`] | tags confirmed within `--tag-ttl`, served without asking upstream |
//! | [`resolved_tags`] | the tag a `HEAD` resolved, for the `GET` by digest that follows |
//! | [`declared`] | blob sizes the manifests served declare, the cap of a transfer |
//! | [`tags`] | tag lists with paging |
//! | [`referrers`] | the referrers of a manifest, passed through and cached |
//! | [`context`] | what the handlers share: fetches in flight, the upstream cap, `503` when full |
//! | [`response`] | caching headers, bodies streamed from the store |
//! | [`error`] | the distribution spec's error shape |
//! | [`auth`] | `--private`: the token for `/v2` too; no requests from other sites' pages |
//!
//! Every response carries `Docker-Distribution-Api-Version: registry/2.0`.

pub mod access;
pub mod auth;
pub mod blobs;
pub mod cached;
pub mod context;
pub mod declared;
pub mod error;
pub mod flight;
pub mod fresh_tags;
pub mod known;
pub mod limits;
pub mod manifests;
pub mod path;
pub mod range;
pub mod redirect;
pub mod referrers;
pub mod resolved_tags;
pub mod response;
pub mod served_manifest;
mod stops;
pub mod tags;
pub mod tee;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::{Extension, Router};
use tower_http::set_header::SetResponseHeaderLayer;

use self::context::V2Context;
use self::error::V2Error;
use self::path::{Target, V2Path};
use super::AppState;
use shared::reference::MirrorRoute;

/// Every `/v2` route (mounted at the root by [`super::app`]), each with
/// its own [`V2Context`], behind [`auth::private_needs_token`].
pub fn routes(state: AppState) -> Router<AppState> {
    let settings = state.v2();
    let context = Arc::new(
        V2Context::default()
            .with_max_blob_size(settings.max_blob_size)
            .with_tag_ttl(settings.tag_ttl),
    );
    context.cached.restore(state.store());
    routes_with(context)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::same_site_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            auth::private_needs_token,
        ))
}

/// Every `/v2` route, sharing `context`.
pub fn routes_with(context: Arc<V2Context>) -> Router<AppState> {
    Router::new()
        .route("/v2/", any(base))
        .route("/v2", any(base))
        .route("/v2/{*rest}", any(dispatch))
        .layer(Extension(context))
        .layer(SetResponseHeaderLayer::overriding(
            API_VERSION_HEADER,
            HeaderValue::from_static("registry/2.0"),
        ))
}

/// The header every distribution API response carries.
pub const API_VERSION_HEADER: HeaderName =
    HeaderName::from_static("docker-distribution-api-version");

/// `GET /v2/`: the version check clients do before anything else: `200`
/// (unless the server is private and the token is missing, see [`auth`]).
pub async fn base(method: Method) -> Response<Body> {
    match method {
        Method::GET | Method::HEAD => {
            (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response()
        }
        other => V2Error::read_only(&other).into_response(),
    }
}

/// Every other `/v2` path: parse it, refuse writes, and hand it to its
/// handler.
pub async fn dispatch(
    State(state): State<AppState>,
    Extension(context): Extension<Arc<V2Context>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let head = match method {
        Method::GET => false,
        Method::HEAD => true,
        other => return V2Error::read_only(&other).into_response(),
    };
    let path = match V2Path::parse(uri.path(), uri.query(), &state.v2().mirror_default) {
        Ok(path) => path,
        Err(e) => return e.into_response(),
    };
    let result = match &path.target {
        Target::Manifest(reference) => {
            manifests::serve(&state, &context, &path.reference, reference, head, &headers).await
        }
        Target::Blob(digest) => {
            blobs::serve(&state, &context, &path.reference, digest, head, &headers).await
        }
        Target::Tags => tags::serve(&state, &context, &path, uri.query()).await,
        Target::Referrers(subject) => {
            referrers::serve(&state, &context, &path.reference, subject, uri.query()).await
        }
    };
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    // The distribution spec's "Registry Proxying": the namespace `ns` chose.
    if let MirrorRoute::Namespace(ns) = &path.route
        && let Ok(value) = HeaderValue::from_str(ns)
    {
        response.headers_mut().insert(OCI_NAMESPACE_HEADER, value);
    }
    response
}

/// The header naming the registry a mirror served a request from, when
/// the request's `ns` chose it.
pub const OCI_NAMESPACE_HEADER: HeaderName = HeaderName::from_static("oci-namespace");
