//! What reading a layer by parts calls: a blob's byte range through
//! `/v2`, and the server's index of a stored layer
//! (`/api/v1/layers/{digest}/index`).

use gloo_net::http::Request;
use shared::digest::Digest;
use shared::reference::Reference;

use super::{AbortOnDrop, ApiError, BlobStream, ORIGIN, check_status, encode_path, v2_blob_url};

/// `GET /v2/{proxy_path}/blobs/{digest}` with `Range: bytes=…` for
/// `range` (end exclusive): the stream and the blob offset its first byte
/// is at (0 when the server sent the whole blob instead of a `206`).
pub async fn v2_blob_range(
    reference: &Reference,
    digest: &Digest,
    range: std::ops::Range<u64>,
) -> Result<(BlobStream, u64), ApiError> {
    let abort = AbortOnDrop::new();
    let url = ORIGIN.with_borrow(|origin| format!("{origin}{}", v2_blob_url(reference, digest)));
    let last = range.end.saturating_sub(1).max(range.start);
    let response = Request::get(&url)
        .header("Range", &format!("bytes={}-{last}", range.start))
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = check_status(response).await?;
    let start = if response.status() == 206 {
        let content_range = response.headers().get("Content-Range").unwrap_or_default();
        let first = content_range
            .strip_prefix("bytes ")
            .and_then(|r| r.split('-').next())
            .and_then(|n| n.parse::<u64>().ok());
        match first {
            Some(first) if first == range.start => first,
            _ => {
                return Err(ApiError::Decode(format!(
                    "asked for bytes from {}, the server sent `{content_range}`",
                    range.start
                )));
            }
        }
    } else {
        0
    };
    Ok((BlobStream::of(&response, abort)?, start))
}

/// `/api/v1/layers/{digest}/index`: the server's index of a stored layer.
fn layer_index_url(digest: &Digest) -> String {
    format!("/api/v1/layers/{}/index", encode_path(&digest.to_string()))
}

/// `GET /api/v1/layers/{digest}/index`: the server's index of a layer it
/// stores, as bytes (a hint, checked by the caller; at most `max` bytes
/// are read).
pub async fn layer_index(digest: &Digest, max: u64) -> Result<Vec<u8>, ApiError> {
    let abort = AbortOnDrop::new();
    let response = Request::get(&layer_index_url(digest))
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = check_status(response).await?;
    let mut stream = BlobStream::of(&response, abort)?;
    let mut bytes = Vec::new();
    while let Some(array) = stream.next().await? {
        if bytes.len() as u64 + u64::from(array.length()) > max {
            return Err(ApiError::Decode(format!(
                "the layer index is larger than {} MiB",
                max >> 20
            )));
        }
        let start = bytes.len();
        bytes.resize(start + array.length() as usize, 0);
        array.copy_to(&mut bytes[start..]);
    }
    Ok(bytes)
}
