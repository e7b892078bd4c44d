//! `GET /v2/<name>/referrers/<digest>[?artifactType=…]`: the artifacts
//! (signatures, attestations, SBOMs) that refer to a manifest, passed
//! through from the upstream and cached.
//!
//! - The upstream is asked every time (its referrers API, else its
//!   referrers tag, see [`crate::registry::RegistryClient::get_referrers`]),
//!   unfiltered; `artifactType` is applied here, and the answer then says
//!   so with `OCI-Filters-Applied: artifactType`.
//! - The answer is always `200` with an image index, empty when nothing
//!   refers to the manifest, as the distribution spec asks of a registry
//!   with the referrers API.
//! - The latest non-empty list per repository and manifest is kept in the
//!   store (a small blob, named in the metadata:
//!   [`crate::store::ReferrerLists`], the last 10,000): when the upstream
//!   is down, that list is served with a `Warning`, across restarts too,
//!   so `cosign verify` or `notation verify` pointed at strata work for a
//!   cached image. Garbage collection keeps kept lists; the artifacts they
//!   name are cache until they are pulled as images.

use axum::body::Body;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Response, StatusCode};
use shared::digest::Digest;
use shared::manifest::{ImageIndex, filter_referrers, no_referrers};
use shared::media_type::MediaType;
use shared::reference::Reference;

use super::context::V2Context;
use super::error::{Subject, V2Error};
use super::response::blocking;
use crate::serve::AppState;

/// The header saying which filters an answer applied.
pub const FILTERS_APPLIED: HeaderName = HeaderName::from_static("oci-filters-applied");

/// Serves the referrers of `subject` in `repository`; `query` may carry
/// `artifactType`.
pub async fn serve(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    subject: &Digest,
    query: Option<&str>,
) -> Result<Response<Body>, V2Error> {
    let artifact_type = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(key, _)| key == "artifactType")
            .map(|(_, value)| MediaType::parse(&value))
    });
    let fetched = context
        .short_call(state.client().get_referrers(repository, subject))
        .await?;
    let (index, stale) = match fetched {
        Ok(found) => {
            let index = found.map_or_else(no_referrers, |r| r.index);
            keep(state, repository, subject, &index).await;
            (index, false)
        }
        Err(e) if V2Error::upstream_is_down(&e) => match kept(state, repository, subject).await {
            Some(index) => {
                tracing::warn!(repository = %repository, subject = %subject, error = %e, "upstream is down; serving the referrers listed at the last request");
                (index, true)
            }
            None => return Err(V2Error::upstream(&e, Subject::Manifest)),
        },
        Err(e) => return Err(V2Error::upstream(&e, Subject::Manifest)),
    };
    let answer = filter_referrers(&index, artifact_type.as_ref());
    let body = serde_json::to_vec(&answer).map_err(|e| {
        V2Error::new(
            super::error::ErrorCode::Unknown,
            format!("cannot write the referrers list: {e}"),
        )
    })?;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.oci.image.index.v1+json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if artifact_type.is_some() {
        headers.insert(FILTERS_APPLIED, HeaderValue::from_static("artifactType"));
    }
    if stale {
        headers.insert(
            header::WARNING,
            HeaderValue::from_static(
                "111 strata \"upstream unreachable; listed the referrers stored at the last request\"",
            ),
        );
    }
    Ok(response)
}

/// Keeps `index` as the list of `subject` (forgets it when empty); a
/// failure is logged, never the client's.
async fn keep(state: &AppState, repository: &Reference, subject: &Digest, index: &ImageIndex) {
    let Ok(bytes) = serde_json::to_vec(index) else {
        return;
    };
    let empty = index.manifests.is_empty();
    let (store, name, key) = (state.store().clone(), repository.clone(), subject.clone());
    let kept = blocking("keeping a referrers list", move || {
        store.keep_referrers(&name, &key, &bytes, empty)
    })
    .await;
    if let Err(e) = kept {
        tracing::warn!(repository = %repository, subject = %subject, error = %e, "a referrers list could not be kept; it is not served while the upstream is down");
    }
}

/// The list kept for `subject`, if the store still has it and it reads
/// as an index.
async fn kept(state: &AppState, repository: &Reference, subject: &Digest) -> Option<ImageIndex> {
    let (store, name, key) = (state.store().clone(), repository.clone(), subject.clone());
    let bytes = blocking("reading a referrers list", move || {
        store.kept_referrers(&name, &key)
    })
    .await
    .ok()
    .flatten()?;
    serde_json::from_slice(&bytes).ok()
}
