//! `GET|HEAD /v2/<name>/manifests/<tag or digest>`.
//!
//! - By digest: from the store if it holds a manifest under that digest
//!   that belongs to the repository ([`super::access`]); else fetched upstream by digest (the registry client checks the bytes
//!   against it and caps them at [`MANIFEST_LIMIT`]), stored, and served.
//!   Concurrent requests for one digest make one upstream request.
//!   Immutable caching.
//! - By tag: always asks upstream what the tag names now, with a `HEAD`
//!   (which Docker Hub does not count against its pull limit), then serves
//!   that digest as above. `HEAD` requests stop after the upstream `HEAD`.
//!   `Cache-Control: no-cache`.
//! - By tag, upstream down (unreachable, 5xx, rate-limiting): the manifest
//!   the store recorded for that tag at its last pull, if any, with a
//!   `Warning: 111` header saying so (and a log line).
//!
//! The `Content-Type` is the manifest's media type: as the upstream sent
//! it, or for a stored manifest, its own `mediaType` (the kind its shape
//! shows when it has none).

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Response, StatusCode};
use bytes::Bytes;
use serde_json::json;
use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::reference::{Reference, TagOrDigest};

use super::access;
use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::flight::Joined;
use super::response::{
    Caching, blocking, content_headers, etag_matches, not_modified, with_headers,
};
use super::served_manifest::ManifestBytes;
use crate::registry::{MANIFEST_LIMIT, ManifestHead};
use crate::serve::AppState;
use crate::serve::metrics::proxy::Kind;
use crate::store::{Provider, Store};

/// Rounds of joining a manifest fetch whose leader went away.
const ATTEMPTS: usize = 3;

/// A request header that asks `/v2` to serve and cache as usual but not to
/// record the image in the store ([`super::cached`]): the dashboard sends it
/// when it only looks at an image (its image page, Verify panel and layer
/// explorer), so looking is not pulling.
pub const NO_RECORD: &str = "x-strata-no-record";

/// Whether the image this request's manifest belongs to may be recorded.
fn records(request: &HeaderMap) -> bool {
    !request.contains_key(NO_RECORD)
}

/// Serves the manifest `reference` names in `repository` (which carries
/// the same tag or digest).
pub async fn serve(
    state: &AppState,
    context: &Arc<V2Context>,
    repository: &Reference,
    reference: &TagOrDigest,
    head: bool,
    request: &HeaderMap,
) -> Result<Response<Body>, V2Error> {
    match reference {
        TagOrDigest::Digest(digest) => {
            if etag_matches(request, digest) {
                return Ok(not_modified(digest, Caching::Immutable));
            }
            if head && stored(state.store(), digest).await?.is_none() {
                return head_upstream(state, context, repository, Caching::Immutable).await;
            }
            let manifest = by_digest(state, context, repository, digest).await?;
            context
                .declared
                .note(repository, &manifest.bytes, manifest.media_type.as_str());
            if !head && records(request) {
                // Resolved by a `HEAD` on its tag just before (containerd)?
                let tag = context.resolved.tag_for(repository, digest);
                context
                    .cached
                    .served(state, repository, tag.as_ref(), &manifest);
            }
            Ok(respond(&manifest, head, Caching::Immutable))
        }
        TagOrDigest::Tag(_) => by_tag(state, context, repository, head, request).await,
    }
}

async fn by_tag(
    state: &AppState,
    context: &Arc<V2Context>,
    repository: &Reference,
    head: bool,
    request: &HeaderMap,
) -> Result<Response<Body>, V2Error> {
    let found = match fresh(state, context, repository).await? {
        Some(found) => Ok(Some(found)),
        None => {
            let found = context
                .short_call(state.client().head_manifest(repository))
                .await?;
            if let (Ok(Some(found)), Some(tag)) = (&found, repository.tag()) {
                context.fresh_tags.confirmed(repository, tag, &found.digest);
            }
            found
        }
    };
    match found {
        Ok(Some(found)) => {
            // The upstream said the repository holds it (now, or within
            // the tag's TTL).
            context.known.insert(repository, &found.digest);
            if etag_matches(request, &found.digest) {
                return Ok(not_modified(&found.digest, Caching::Revalidate));
            }
            if head {
                if let (Some(tag), true) = (repository.tag(), records(request)) {
                    context.resolved.note(repository, tag, &found.digest);
                }
                return Ok(head_response(&found, Caching::Revalidate));
            }
            let pinned = repository.with_digest(found.digest.clone());
            let manifest = by_digest(state, context, &pinned, &found.digest).await?;
            context
                .declared
                .note(repository, &manifest.bytes, manifest.media_type.as_str());
            if records(request) {
                context
                    .cached
                    .served(state, repository, repository.tag(), &manifest);
            }
            Ok(respond(&manifest, false, Caching::Revalidate))
        }
        Ok(None) => Err(unknown(repository)),
        Err(e) if V2Error::upstream_is_down(&e) => {
            match stored_for_tag(state.store(), repository).await? {
                Some(manifest) => {
                    tracing::warn!(
                        reference = %repository, digest = %manifest.digest, error = %e,
                        "upstream is down; serving the manifest stored for this tag at its last pull"
                    );
                    let mut response = respond(&manifest, head, Caching::Revalidate);
                    response.headers_mut().insert(
                    header::WARNING,
                    HeaderValue::from_static(
                        "111 strata \"upstream unreachable; served the manifest stored for this tag at its last pull\"",
                    ),
                );
                    Ok(response)
                }
                None => Err(V2Error::upstream(&e, Subject::Manifest)),
            }
        }
        Err(e) => Err(V2Error::upstream(&e, Subject::Manifest)),
    }
}

/// The stored manifest `repository`'s tag named when the upstream
/// confirmed it within `--tag-ttl` ([`super::fresh_tags`]), described as a
/// `HEAD` would; `None` when the upstream must be asked.
async fn fresh(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
) -> Result<Option<ManifestHead>, V2Error> {
    let Some(digest) = repository
        .tag()
        .and_then(|tag| context.fresh_tags.fresh(repository, tag))
    else {
        return Ok(None);
    };
    Ok(stored(state.store(), &digest)
        .await?
        .map(|manifest| ManifestHead {
            size: manifest.bytes.len() as u64,
            media_type: manifest.media_type,
            digest: manifest.digest,
        }))
}

/// The manifest `digest`, from the store (if it belongs to `repository`:
/// [`access`]) or else fetched upstream (once for all concurrent requests)
/// and stored.
async fn by_digest(
    state: &AppState,
    context: &Arc<V2Context>,
    repository: &Reference,
    digest: &Digest,
) -> Result<ManifestBytes, V2Error> {
    let tally = state.metrics().tally(Kind::Manifest);
    for _ in 0..ATTEMPTS {
        if let Some(manifest) = stored(state.store(), digest).await? {
            access::check(state, context, repository, digest, Subject::Manifest).await?;
            tally.hit(manifest.bytes.len() as u64);
            return Ok(manifest);
        }
        let key = (repository.canonical_name(), digest.clone());
        let waiter = match context.manifests.join(&key) {
            Joined::Leader(completion) => {
                tally.miss();
                let waiter = completion.waiter();
                let (state, context, repository, digest) = (
                    state.clone(),
                    context.clone(),
                    repository.clone(),
                    digest.clone(),
                );
                // On a task, so the fetch ends (and its waiters hear) even if this request is cancelled.
                tokio::spawn(async move {
                    // A flight for this digest may have stored it and ended
                    // between this request's look in the store and its join.
                    let result = match stored(state.store(), &digest).await {
                        Ok(Some(manifest)) => Ok(manifest),
                        _ => fetch(&state, &context, &repository).await,
                    };
                    completion.finish(result);
                });
                waiter
            }
            Joined::Follower(waiter) => tally.joined(waiter),
        };
        match waiter.wait().await {
            Err(e) if e.is_abandoned() => continue,
            Ok(manifest) => {
                // The fetch may have been another repository's.
                access::check(state, context, repository, digest, Subject::Manifest).await?;
                return Ok(manifest);
            }
            Err(e) => return Err(e),
        }
    }
    Err(V2Error::abandoned())
}

/// Fetches the manifest `repository` names by digest, and stores it.
async fn fetch(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
) -> Result<ManifestBytes, V2Error> {
    let fetched = context
        .short_call(state.client().get_manifest(repository))
        .await?
        .map_err(|e| V2Error::upstream(&e, Subject::Manifest))?;
    let manifest = ManifestBytes {
        bytes: fetched.bytes,
        media_type: fetched.media_type,
        digest: fetched.digest,
    };
    context.known.insert(repository, &manifest.digest);
    let (store, digest, bytes) = (
        state.store().clone(),
        manifest.digest.clone(),
        manifest.bytes.clone(),
    );
    // The bytes are verified; failing to keep them is no reason not to serve them.
    if let Err(e) = blocking("storing a manifest", move || {
        store.put_small(&digest, &bytes)
    })
    .await
    {
        tracing::warn!(digest = %manifest.digest, error = %e, "serving a manifest that could not be stored");
    } else {
        state.metrics().proxy().pulled(manifest.bytes.len() as u64);
    }
    Ok(manifest)
}

/// The manifest stored under `digest`, or `None` if the store holds no
/// blob there, or one that is not a manifest strata can read.
async fn stored(store: &Store, digest: &Digest) -> Result<Option<ManifestBytes>, V2Error> {
    let (store, digest) = (store.clone(), digest.clone());
    blocking("reading a manifest", move || {
        match store.content().info(&digest)? {
            Some(size) if size <= MANIFEST_LIMIT => {}
            _ => return Ok(None),
        }
        let Some(bytes) = store.read_small(&digest)? else {
            return Ok(None);
        };
        Ok(Manifest::from_slice(&bytes, None)
            .ok()
            .map(|manifest| ManifestBytes {
                media_type: manifest.media_type(),
                bytes: Bytes::from(bytes),
                digest,
            }))
    })
    .await
}

/// The manifest the store recorded for `repository`'s tag, if any.
async fn stored_for_tag(
    store: &Store,
    repository: &Reference,
) -> Result<Option<ManifestBytes>, V2Error> {
    let (store2, repository) = (store.clone(), repository.clone());
    let target = blocking("looking up a stored tag", move || {
        store2.tag_target(&repository)
    })
    .await?;
    match target {
        Some(digest) => stored(store, &digest).await,
        None => Ok(None),
    }
}

/// `HEAD` by digest of a manifest the store does not hold: the upstream's
/// answer, without fetching.
async fn head_upstream(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    caching: Caching,
) -> Result<Response<Body>, V2Error> {
    let found = context
        .short_call(state.client().head_manifest(repository))
        .await?
        .map_err(|e| V2Error::upstream(&e, Subject::Manifest))?;
    match found {
        Some(found) => Ok(head_response(&found, caching)),
        None => Err(unknown(repository)),
    }
}

fn head_response(found: &ManifestHead, caching: Caching) -> Response<Body> {
    let headers = content_headers(
        &found.digest,
        found.media_type.as_str(),
        Some(found.size),
        caching,
    );
    with_headers(StatusCode::OK, headers, Body::empty())
}

fn respond(manifest: &ManifestBytes, head: bool, caching: Caching) -> Response<Body> {
    let headers = content_headers(
        &manifest.digest,
        manifest.media_type.as_str(),
        Some(manifest.bytes.len() as u64),
        caching,
    );
    let body = if head {
        Body::empty()
    } else {
        Body::from(manifest.bytes.clone())
    };
    with_headers(StatusCode::OK, headers, body)
}

fn unknown(repository: &Reference) -> V2Error {
    V2Error::new(
        ErrorCode::ManifestUnknown,
        format!("manifest unknown: {} has no manifest {}", repository.domain(), repository),
    )
    .with_detail(json!({ "name": repository.proxy_path(), "reference": repository.manifest_reference().to_string() }))
}
