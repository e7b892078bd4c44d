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
//! - The latest list per repository and manifest is stored (a small blob,
//!   named by its digest) and remembered in memory ([`CachedReferrers`],
//!   bounded): when the upstream is down, that list is served with a
//!   `Warning`, so `cosign verify` or `notation verify` pointed at strata
//!   work for a cached image. After a restart, or once `strata gc`
//!   collected the list, an upstream that is down gets the client an error.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

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

/// Most `(repository, manifest)` lists remembered.
pub const REFERRERS_LIMIT: usize = 4096;

/// The header saying which filters an answer applied.
pub const FILTERS_APPLIED: HeaderName = HeaderName::from_static("oci-filters-applied");

/// The latest referrers list of each `(repository, manifest)`: the digest
/// of its stored copy.
#[derive(Debug, Default)]
pub struct CachedReferrers {
    lists: Mutex<VecDeque<(String, Digest, Digest)>>,
}

impl CachedReferrers {
    fn remember(&self, repository: &Reference, subject: &Digest, list: Digest) {
        let name = repository.canonical_name();
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        lists.retain(|(n, s, _)| !(*n == name && s == subject));
        while lists.len() >= REFERRERS_LIMIT {
            lists.pop_front();
        }
        lists.push_back((name, subject.clone(), list));
    }

    fn stored(&self, repository: &Reference, subject: &Digest) -> Option<Digest> {
        let name = repository.canonical_name();
        self.lists
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(n, s, _)| *n == name && s == subject)
            .map(|(_, _, list)| list.clone())
    }
}

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
            keep(state, context, repository, subject, &index).await;
            (index, false)
        }
        Err(e) if V2Error::upstream_is_down(&e) => {
            match kept(state, context, repository, subject).await {
                Some(index) => {
                    tracing::warn!(repository = %repository, subject = %subject, error = %e, "upstream is down; serving the referrers listed at the last request");
                    (index, true)
                }
                None => return Err(V2Error::upstream(&e, Subject::Manifest)),
            }
        }
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

/// Stores `index` and remembers it as the list of `subject`; a failure
/// is logged, never the client's.
async fn keep(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    subject: &Digest,
    index: &ImageIndex,
) {
    let Ok(bytes) = serde_json::to_vec(index) else {
        return;
    };
    let digest = Digest::sha256_of(&bytes);
    let (store, key) = (state.store().clone(), digest.clone());
    match blocking("storing a referrers list", move || {
        store.put_small(&key, &bytes)
    })
    .await
    {
        Ok(_) => context.referrers.remember(repository, subject, digest),
        Err(e) => {
            tracing::warn!(repository = %repository, subject = %subject, error = %e, "a referrers list could not be stored; it is not served while the upstream is down")
        }
    }
}

/// The list stored for `subject` at the last request, if it is still
/// in the store and reads as an index.
async fn kept(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    subject: &Digest,
) -> Option<ImageIndex> {
    let digest = context.referrers.stored(repository, subject)?;
    let store = state.store().clone();
    let bytes = blocking("reading a referrers list", move || {
        store.read_small(&digest)
    })
    .await
    .ok()
    .flatten()?;
    serde_json::from_slice(&bytes).ok()
}
