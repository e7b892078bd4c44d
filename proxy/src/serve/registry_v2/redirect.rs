//! `strata serve --redirect-blobs`: a warm blob's `GET` answered with
//! `307 Temporary Redirect` to a presigned URL of its object in the S3
//! bucket, as distribution's `redirect` storage option does, so the bytes
//! go from the bucket to the client without passing through strata.
//!
//! - Only for a blob the store holds and the repository may serve (the
//!   caller has run [`super::access::check`]). A `HEAD`, a blob not yet
//!   in the store (fetched through [`super::tee`]) and a store whose blobs
//!   are in the local folder are answered as without the flag.
//! - `Range`: the redirect is the same for a range. A client resends its
//!   `Range` to the new location (a 307 keeps the method and the request),
//!   and the bucket answers `206`.
//! - The response carries `Location`, `Docker-Content-Digest`,
//!   `Content-Length: 0` and `Cache-Control: no-store`: the URL expires
//!   after [`REDIRECT_EXPIRY`], so no cache may keep the 307.
//! - The bytes are not verified on the way out, as strata never sees
//!   them: only verified blobs are ever committed under `blobs/`, and the
//!   client checks the digest it asked for.
//! - The URL names the configured S3 endpoint only (checked in
//!   `store/content/s3/presign.rs`), which clients must be able to reach.
//!   Whoever holds it may read that one blob until it expires, token or
//!   not (`--private`).
//! - If signing fails, the error is logged and the blob is streamed from
//!   the store instead.
//! - Counted as a hit, with no bytes sent.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Response, StatusCode};
use shared::digest::Digest;

use super::response::{DOCKER_CONTENT_DIGEST, blocking, with_headers};
use crate::serve::AppState;

/// How long a presigned URL handed out in a redirect works. A client
/// follows the redirect at once; the expiry only has to cover that (S3
/// checks it when the request starts, so a long download is not cut), and
/// a leaked URL stops working soon.
pub const REDIRECT_EXPIRY: Duration = Duration::from_secs(20 * 60);

/// The `307` to the stored blob's presigned URL, or `None` when the store
/// has no such URL (the local folder) or signing failed (logged).
pub async fn to_bucket(state: &AppState, digest: &Digest) -> Option<Response<Body>> {
    let (store, blob) = (state.store().clone(), digest.clone());
    let url = blocking("presigning a blob's URL", move || {
        store.content().presigned_get(&blob, REDIRECT_EXPIRY)
    })
    .await
    .ok()??;
    let mut headers = HeaderMap::new();
    headers.insert(header::LOCATION, HeaderValue::from_str(url.as_str()).ok()?);
    headers.insert(
        DOCKER_CONTENT_DIGEST,
        HeaderValue::from_str(&digest.to_string()).ok()?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
    Some(with_headers(
        StatusCode::TEMPORARY_REDIRECT,
        headers,
        Body::empty(),
    ))
}
