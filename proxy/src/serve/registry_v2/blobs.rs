//! `GET|HEAD /v2/<name>/blobs/<digest>`, with `Range`.
//!
//! - In the store, and known to belong to the repository
//!   ([`super::access`]): served from the store, whole or the one range
//!   asked for (`206` with `Content-Range`; `416` when it starts past the
//!   end). In the store but not known there: the upstream is asked first,
//!   and its `404`, `401` or `403` is the answer. With `--redirect-blobs`
//!   and the blobs in S3, a `GET` is a `307` to the bucket instead
//!   ([`super::redirect`]).
//! - Not in the store, `GET` without `Range`: the first request fetches it
//!   from upstream and gets the bytes as they arrive while they are
//!   written to the store ([`super::tee`]); requests for the same blob
//!   meanwhile wait for that fetch and are then served from the store.
//! - Not in the store, with `Range`: the whole blob is fetched into the
//!   store (or the fetch in flight awaited), then the range is served from
//!   there, so every byte sent has been verified.
//! - `HEAD`, not in the store: the upstream's size, without fetching.
//!
//! Every response from the store is immutable (`Cache-Control`, `ETag`).
//! One streamed as it arrives from upstream is `no-store`, without `ETag`
//! or ranges: its bytes verify only at its end, and a browser that kept a
//! cut copy would resume it with a range of verified bytes behind an
//! unverified start (the soak test caught Chromium doing so).

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Response, StatusCode};
use shared::digest::Digest;
use shared::reference::Reference;

use super::access;
use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::flight::Joined;
use super::range::Span;
use super::redirect;
use super::response::{
    Caching, blocking, content_headers, etag_matches, not_modified, open_stored, reader_body,
    receiver_stream, stored_size, verified_body, with_headers,
};
use super::tee::{self, Fetch, Start};
use crate::serve::AppState;
use crate::serve::metrics::proxy::Kind;
use crate::store::Content;

/// Rounds of "look in the store, else fetch or wait" before giving up
/// (a fetch abandoned by its client, a blob deleted right after its fetch).
const ATTEMPTS: usize = 3;

/// Serves the blob `digest` of `repository`.
pub async fn serve(
    state: &AppState,
    context: &Arc<V2Context>,
    repository: &Reference,
    digest: &Digest,
    head: bool,
    request: &HeaderMap,
) -> Result<Response<Body>, V2Error> {
    if etag_matches(request, digest) {
        return Ok(not_modified(digest, Caching::Immutable));
    }
    let range = match head {
        true => None,
        false => request.get(header::RANGE).and_then(|v| v.to_str().ok()),
    };
    let tally = state.metrics().tally(Kind::Blob);
    for _ in 0..ATTEMPTS {
        if let Some(size) = stored_size(state.store(), digest).await? {
            access::check(state, context, repository, digest, Subject::Blob).await?;
            if !head
                && state.v2().redirect_blobs
                && let Some(response) = redirect::to_bucket(state, digest).await
            {
                tally.hit(0);
                return Ok(response);
            }
            if let Some(response) = from_store(state, digest, size, head, range).await? {
                tally.hit_response(&response, head);
                return Ok(response);
            }
        }
        if head && let Some(size) = upstream_size(state, context, repository, digest).await? {
            return Ok(with_headers(
                StatusCode::OK,
                blob_headers(digest, Some(size)),
                Body::empty(),
            ));
        }
        let fetch = Fetch {
            state: state.clone(),
            context: context.clone(),
            repository: repository.clone(),
            digest: digest.clone(),
        };
        let key = (repository.canonical_name(), digest.clone());
        let waiter = match context.blobs.join(&key) {
            Joined::Leader(completion) if range.is_none() && !head => {
                tally.miss();
                match tee::spawn_live(fetch, completion).await {
                    Ok(Ok(Start::Live { size, body })) => {
                        let body = Body::from_stream(receiver_stream(body));
                        return Ok(with_headers(
                            StatusCode::OK,
                            live_headers(digest, size),
                            body,
                        ));
                    }
                    Ok(Ok(Start::Stored)) => continue,
                    Ok(Err(e)) if !e.is_abandoned() => return Err(e),
                    Ok(Err(_)) | Err(_) => continue,
                }
            }
            Joined::Leader(completion) => {
                tally.miss();
                let waiter = completion.waiter();
                tee::spawn_detached(fetch, completion);
                waiter
            }
            Joined::Follower(waiter) => tally.joined(waiter),
        };
        match waiter.wait().await {
            Ok(_) => continue,
            Err(e) if e.is_abandoned() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(V2Error::new(
        ErrorCode::BlobUnknown,
        format!("{digest} could not be fetched and kept in the store; try again"),
    )
    .bad_gateway())
}

/// The blob's headers: digest, ETag, immutable, octet-stream, ranges.
fn blob_headers(digest: &Digest, length: Option<u64>) -> HeaderMap {
    let mut headers = content_headers(
        digest,
        "application/octet-stream",
        length,
        Caching::Immutable,
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers
}

/// The headers of a blob streamed as it arrives from upstream: those of
/// [`blob_headers`], but never to be kept (`no-store`, no `ETag`, no
/// ranges). Its bytes are verified only at the end, where a mismatch cuts
/// the body; a cache that kept the cut response (Chromium keeps
/// truncated entries with a validator and resumes them with a `Range`
/// request) would join its unverified start to a verified rest.
fn live_headers(digest: &Digest, length: Option<u64>) -> HeaderMap {
    let mut headers = blob_headers(digest, length);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.remove(header::ETAG);
    headers.remove(header::ACCEPT_RANGES);
    headers
}

/// The stored blob (of `size` bytes) as asked for, or `None` if it was
/// deleted meanwhile.
async fn from_store(
    state: &AppState,
    digest: &Digest,
    size: u64,
    head: bool,
    range: Option<&str>,
) -> Result<Option<Response<Body>>, V2Error> {
    let mut headers = blob_headers(digest, Some(size));
    if head {
        return Ok(Some(with_headers(StatusCode::OK, headers, Body::empty())));
    }
    let span = Span::of(range, size);
    if let Some(value) = span
        .content_range(size)
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        headers.insert(header::CONTENT_RANGE, value);
    }
    let (status, offset, len) = match span {
        Span::Whole => (StatusCode::OK, 0, None),
        Span::Part { start, len } => (StatusCode::PARTIAL_CONTENT, start, Some(len)),
        Span::Unsatisfiable => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
            headers.remove(header::CONTENT_TYPE);
            return Ok(Some(with_headers(
                StatusCode::RANGE_NOT_SATISFIABLE,
                headers,
                Body::empty(),
            )));
        }
    };
    // A whole blob from a bucket streams straight from its GET, hashed on
    // the way out: its bytes are not in strata's keeping. (A range cannot
    // be checked on its own.)
    if let (Span::Whole, Content::S3(bucket)) = (&span, state.store().content()) {
        let (bucket, wanted) = (bucket.clone(), digest.clone());
        let opened = blocking("opening a blob", move || bucket.stream(&wanted)).await?;
        let Some((size, stream)) = opened else {
            return Ok(None);
        };
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        let body = verified_body(stream, digest, size);
        return Ok(Some(with_headers(status, headers, body)));
    }
    let Some(reader) = open_stored(state.store(), digest, offset, len).await? else {
        return Ok(None);
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(reader.size));
    Ok(Some(with_headers(status, headers, reader_body(reader))))
}

/// The blob's size as the upstream declares it, without fetching it
/// (the response is dropped after its headers); `None` if it does not say.
async fn upstream_size(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    digest: &Digest,
) -> Result<Option<u64>, V2Error> {
    let response = context
        .short_call(state.client().get_blob(repository, digest, None))
        .await?
        .map_err(|e| V2Error::upstream(&e, Subject::Blob))?;
    Ok(response.size)
}
