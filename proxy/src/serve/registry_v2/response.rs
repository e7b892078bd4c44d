//! The headers every content response carries, and bodies streamed out of
//! the store.
//!
//! Content named by a digest never changes, so responses by digest are
//! `Cache-Control: max-age=31536000, immutable`; responses by tag are
//! `no-cache` (a tag moves). Both carry `ETag: "<digest>"` and
//! `Docker-Content-Digest`, and a request whose `If-None-Match` holds that
//! ETag gets `304 Not Modified`.

use std::io::{self, Read};

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Response, StatusCode};
use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use shared::digest::{Digest, Verifier};
use tokio::sync::mpsc;

use super::error::V2Error;
use crate::store::content::s3::ByteStream;
use crate::store::{BlobReader, Provider, Store, StoreError};

/// The header holding the digest of the content sent.
pub const DOCKER_CONTENT_DIGEST: HeaderName = HeaderName::from_static("docker-content-digest");

/// Bytes read from the store per chunk.
const READ_CHUNK: usize = 256 * 1024;

/// How long a response may be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caching {
    /// Named by digest: forever.
    Immutable,
    /// Named by tag: revalidate every time.
    Revalidate,
}

impl Caching {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Caching::Immutable => "max-age=31536000, immutable",
            Caching::Revalidate => "no-cache",
        })
    }
}

/// `Docker-Content-Digest`, `ETag`, `Cache-Control`, `Content-Type`, and
/// `Content-Length` when `length` is known.
pub fn content_headers(
    digest: &Digest,
    content_type: &str,
    length: Option<u64>,
    caching: Caching,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    // A digest is `algorithm:hex`, always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&digest.to_string()) {
        headers.insert(DOCKER_CONTENT_DIGEST, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, caching.header());
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers
}

/// Whether the request's `If-None-Match` names `digest`'s ETag. `*` ("if
/// it exists at all") does not count: answering it would take a lookup
/// and the access check, so such a request is served in full instead.
pub fn etag_matches(request: &HeaderMap, digest: &Digest) -> bool {
    let wanted = format!("\"{digest}\"");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == wanted)
}

/// `304 Not Modified` for `digest`.
pub fn not_modified(digest: &Digest, caching: Caching) -> Response<Body> {
    let mut headers = content_headers(digest, "application/octet-stream", None, caching);
    headers.remove(header::CONTENT_TYPE);
    with_headers(StatusCode::NOT_MODIFIED, headers, Body::empty())
}

/// A response from its parts.
pub fn with_headers(status: StatusCode, headers: HeaderMap, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    context: &str,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, V2Error> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(V2Error::store(context, &e)),
        Err(e) => Err(V2Error::task(context, &e)),
    }
}

/// The stored blob's size, or `None`.
pub async fn stored_size(store: &Store, digest: &Digest) -> Result<Option<u64>, V2Error> {
    let (store, digest) = (store.clone(), digest.clone());
    blocking("looking up a blob", move || store.content().info(&digest)).await
}

/// `len` bytes (all the rest for `None`) of the stored blob from `offset`,
/// or `None` if the store does not hold it (any more).
pub async fn open_stored(
    store: &Store,
    digest: &Digest,
    offset: u64,
    len: Option<u64>,
) -> Result<Option<BlobReader>, V2Error> {
    let (store, digest) = (store.clone(), digest.clone());
    blocking("opening a blob", move || {
        match store.content().open_range(&digest, offset, len) {
            Ok(reader) => Ok(Some(reader)),
            Err(StoreError::BlobNotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

/// A body streaming `reader`, one chunk at a time, each read on the
/// blocking pool. Nothing is read ahead of the client, so memory stays the
/// same whatever the blob's size, and a slow client holds no thread while
/// it is not reading.
pub fn reader_body(reader: BlobReader) -> Body {
    let chunks = futures_util::stream::unfold(Some(reader.reader), |reader| async move {
        let mut reader = reader?;
        let read = tokio::task::spawn_blocking(move || {
            // Read into spare capacity: no zeroing of a buffer the read
            // overwrites anyway.
            let mut buf = Vec::with_capacity(READ_CHUNK);
            let read = (&mut reader).take(READ_CHUNK as u64).read_to_end(&mut buf);
            (reader, read.map(|_| Bytes::from(buf)))
        })
        .await;
        match read {
            Ok((_, Ok(chunk))) if chunk.is_empty() => None,
            Ok((reader, Ok(chunk))) => Some((Ok(chunk), Some(reader))),
            Ok((_, Err(e))) => Some((Err(e), None)),
            Err(e) => Some((Err(io::Error::other(e.to_string())), None)),
        }
    });
    // Fused: compression layers poll again after the end.
    Body::from_stream(chunks.fuse())
}

/// Chunks queued for the thread that hashes a verified body.
const VERIFY_QUEUE: usize = 32;

/// A body streaming the whole blob `digest` (of `size` bytes) from
/// `stream`, hashing every byte on the way out on a thread of its own (so
/// the hash runs beside the transfer, not in turns with it): the last
/// chunk is sent only once the bytes verify, and on a mismatch the body
/// ends with an error instead, so the client's transfer is aborted rather
/// than completed with the wrong bytes. For stores whose bytes strata does
/// not hold itself (a bucket another party can write to).
pub fn verified_body(stream: ByteStream, digest: &Digest, size: u64) -> Body {
    let (to_hash, mut hash_rx) = mpsc::channel::<Bytes>(VERIFY_QUEUE);
    let mut verifier = Verifier::new(digest.clone(), Some(size));
    let hashing = tokio::task::spawn_blocking(move || {
        while let Some(chunk) = hash_rx.blocking_recv() {
            verifier.update(&chunk).map_err(io::Error::other)?;
        }
        verifier.finish().map_err(io::Error::other)
    });
    struct State {
        stream: ByteStream,
        to_hash: mpsc::Sender<Bytes>,
        hashing: tokio::task::JoinHandle<io::Result<Digest>>,
        held: Option<Bytes>,
    }
    let start = State {
        stream,
        to_hash,
        hashing,
        held: None,
    };
    let chunks = futures_util::stream::unfold(Some(start), |state| async move {
        let mut state = state?;
        loop {
            match state.stream.next().await {
                Some(Ok(chunk)) if chunk.is_empty() => {}
                Some(Ok(chunk)) => {
                    if state.to_hash.send(chunk.clone()).await.is_err() {
                        // The hash stopped early: more bytes than the size.
                        let verdict = verdict(state.hashing).await;
                        return Some((Err(verdict.err().unwrap_or_else(too_long)), None));
                    }
                    if let Some(previous) = state.held.replace(chunk) {
                        return Some((Ok(previous), Some(state)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    // The end: the held-back chunk goes out only if every
                    // byte verified.
                    let State {
                        to_hash,
                        hashing,
                        held,
                        ..
                    } = state;
                    drop(to_hash);
                    return match (verdict(hashing).await, held) {
                        (Err(e), _) => {
                            tracing::error!(error = %e, "a stored blob does not match its digest; run `strata fsck`");
                            Some((Err(e), None))
                        }
                        (Ok(_), Some(last)) => Some((Ok(last), None)),
                        (Ok(_), None) => None,
                    };
                }
            }
        }
    });
    Body::from_stream(chunks.fuse())
}

/// The hashing thread's verdict.
async fn verdict(hashing: tokio::task::JoinHandle<io::Result<Digest>>) -> io::Result<Digest> {
    hashing
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e.to_string())))
}

fn too_long() -> io::Error {
    io::Error::other("the stored blob is longer than its size")
}

/// The items of `rx` as a stream (which may be polled again after its
/// end, as compression layers do).
pub fn receiver_stream<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
) -> impl Stream<Item = T> + Send {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match() {
        let digest = Digest::sha256_of(b"x");
        let tag = format!("\"{digest}\"");
        #[rustfmt::skip]
        let cases = [
            (vec![], false),
            (vec![tag.clone()], true),
            (vec![format!("W/{tag}")], true),
            (vec![format!("\"sha256:{}\", {tag}", "0".repeat(64))], true),
            (vec!["\"other\"".to_owned(), tag.clone()], true),
            (vec!["*".to_owned()], false),
            (vec![digest.to_string()], false),
        ];
        for (values, want) in cases {
            let mut headers = HeaderMap::new();
            for v in &values {
                headers.append(
                    header::IF_NONE_MATCH,
                    HeaderValue::from_str(v).expect("value"),
                );
            }
            assert_eq!(etag_matches(&headers, &digest), want, "{values:?}");
        }
    }

    #[test]
    fn headers_by_caching() {
        let digest = Digest::sha256_of(b"x");
        let h = content_headers(
            &digest,
            "application/vnd.oci.image.manifest.v1+json",
            Some(7),
            Caching::Immutable,
        );
        assert_eq!(h[DOCKER_CONTENT_DIGEST], digest.to_string());
        assert_eq!(h[header::ETAG], format!("\"{digest}\""));
        assert_eq!(h[header::CACHE_CONTROL], "max-age=31536000, immutable");
        assert_eq!(h[header::CONTENT_LENGTH], "7");
        let h = content_headers(&digest, "bad\ntype", None, Caching::Revalidate);
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert!(!h.contains_key(header::CONTENT_LENGTH));
    }
}
