//! Fetching blobs: `GET /v2/<path>/blobs/<digest>` as a stream, whole or a
//! byte range.
//!
//! Registries often answer with a redirect to object storage; the transport
//! follows it without `Authorization`. Nothing here verifies the bytes: the
//! caller wraps the stream in a [`shared::digest::Verifier`], which also
//! caps it at the descriptor's size.
//!
//! A range is sent as `Range: bytes=START-(END-1)`. A `206` must start
//! where asked (`Content-Range`); a registry that ignores the range and
//! answers `200` with the whole blob is cut down to the range here, so the
//! caller always gets exactly the bytes it asked for. An empty range yields
//! an empty stream without a request.

use std::ops::Range;

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream;
use reqwest::header::{CONTENT_RANGE, HeaderMap, HeaderValue, RANGE};
use reqwest::{Method, StatusCode};
use shared::digest::Digest;
use shared::reference::Reference;

use super::BlobResponse;
use super::client::{Call, RegistryClient};
use super::error::RegistryError;
use super::token::Scope;

impl RegistryClient {
    /// `GET`s the blob `digest` of `reference`'s repository as a stream,
    /// all of it or the byte `range` (see the module doc). The stream is
    /// not verified.
    pub async fn get_blob(
        &self,
        reference: &Reference,
        digest: &Digest,
        range: Option<Range<u64>>,
    ) -> Result<BlobResponse, RegistryError> {
        if let Some(range) = &range
            && range.start >= range.end
        {
            return Ok(BlobResponse {
                size: Some(0),
                stream: stream::empty().boxed(),
            });
        }
        let registry = self.registry(reference.domain()).await?;
        let what = format!("blob {digest} of {}", reference.canonical_name());
        let url = registry
            .endpoint
            .url(&format!("/v2/{}/blobs/{digest}", reference.path()))?;
        let mut headers = HeaderMap::new();
        if let Some(range) = &range
            && let Ok(value) =
                HeaderValue::from_str(&format!("bytes={}-{}", range.start, range.end - 1))
        {
            headers.insert(RANGE, value);
        }
        let call = Call {
            method: Method::GET,
            url,
            headers,
            scope: Scope::Pull(reference.path().to_owned()),
            what: &what,
        };
        let response = self.execute_ok(&registry, call).await?;
        let status = response.status();
        let length = response.content_length();
        let (size, window) = match (&range, status) {
            (Some(range), StatusCode::PARTIAL_CONTENT) => {
                let start = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(content_range_start);
                if start != Some(range.start) {
                    return Err(RegistryError::InvalidResponse {
                        registry: registry.name.clone(),
                        what,
                        message: format!(
                            "asked for bytes from {}, got a 206 with Content-Range {:?}",
                            range.start,
                            response.headers().get(CONTENT_RANGE)
                        ),
                    });
                }
                (length, None)
            }
            (Some(range), _) => {
                let size = length.map(|total| total.min(range.end).saturating_sub(range.start));
                (size, Some(range.clone()))
            }
            (None, _) => (length, None),
        };

        let registry_name = registry.name.clone();
        let body = response.bytes_stream().map(move |chunk| {
            chunk.map_err(|e| RegistryError::Stream {
                registry: registry_name.clone(),
                what: what.clone(),
                reason: super::transport::error_chain(&e),
            })
        });
        let stream = match window {
            None => body.boxed(),
            Some(window) => cut_to(body, window).boxed(),
        };
        Ok(BlobResponse { size, stream })
    }
}

impl RegistryClient {
    /// `GET`s a small blob (a config) whole, reading no more than `limit`
    /// bytes plus one: a caller that checks the size then names the
    /// mismatch. The bytes are not verified.
    pub async fn get_blob_capped(
        &self,
        reference: &Reference,
        digest: &Digest,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let mut response = self.get_blob(reference, digest, None).await?;
        let limit = usize::try_from(limit).unwrap_or(0);
        let mut bytes = Vec::with_capacity(limit.min(1 << 20));
        while let Some(chunk) = response.stream.next().await {
            let chunk = chunk?;
            let room = (limit + 1).saturating_sub(bytes.len());
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if bytes.len() > limit {
                break;
            }
        }
        Ok(bytes)
    }
}

impl RegistryClient {
    /// `HEAD`s the blob `digest` of `reference`'s repository: its size
    /// (`Some(None)` when the registry does not say), or `None` when the
    /// repository has no such blob (404). Asks with the repository's pull
    /// scope, so the answer is the registry's own access decision.
    pub async fn head_blob(
        &self,
        reference: &Reference,
        digest: &Digest,
    ) -> Result<Option<Option<u64>>, RegistryError> {
        let registry = self.registry(reference.domain()).await?;
        let what = format!("blob {digest} of {}", reference.canonical_name());
        let url = registry
            .endpoint
            .url(&format!("/v2/{}/blobs/{digest}", reference.path()))?;
        let call = Call {
            method: Method::HEAD,
            url,
            headers: HeaderMap::new(),
            scope: Scope::Pull(reference.path().to_owned()),
            what: &what,
        };
        let Some(response) = self.execute_found(&registry, call).await? else {
            return Ok(None);
        };
        let size = response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Ok(Some(size))
    }
}

/// The first byte position of `Content-Range: bytes START-END/TOTAL`.
fn content_range_start(value: &str) -> Option<u64> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (start, _) = rest.split_once('-')?;
    start.trim().parse().ok()
}

/// The bytes of `stream` at positions `window`, then the end.
fn cut_to<S>(
    stream: S,
    window: Range<u64>,
) -> impl futures_util::Stream<Item = Result<Bytes, RegistryError>>
where
    S: futures_util::Stream<Item = Result<Bytes, RegistryError>>,
{
    stream
        .scan(0u64, move |position, chunk| {
            let item = match chunk {
                Err(e) => Some(Err(e)),
                Ok(_) if *position >= window.end => None,
                Ok(chunk) => {
                    let start = *position;
                    let end = start + chunk.len() as u64;
                    *position = end;
                    let from = window.start.clamp(start, end) - start;
                    let to = window.end.clamp(start, end) - start;
                    Some(Ok(chunk.slice(from as usize..to as usize)))
                }
            };
            std::future::ready(item)
        })
        .filter(|item| std::future::ready(!matches!(item, Ok(chunk) if chunk.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_starts() {
        #[rustfmt::skip]
        let cases = [
            ("bytes 0-99/1000", Some(0)),
            ("bytes 100-199/*", Some(100)),
            (" bytes  7-7/8", Some(7)),
            ("bytes */1000", None),
            ("items 0-1/2", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(content_range_start(value), want, "{value:?}");
        }
    }

    #[tokio::test]
    async fn cuts_a_full_body_to_the_range() {
        let content: Vec<u8> = (0..100u8).collect();
        #[rustfmt::skip]
        let cases: &[(&[usize], Range<u64>)] = &[
            (&[100], 0..100),
            (&[100], 10..20),
            (&[10, 10, 10, 70], 5..25),
            (&[1; 100], 99..100),
            (&[50, 50], 50..200),
            (&[30, 30, 40], 0..1),
        ];
        for (splits, window) in cases {
            let mut chunks = Vec::new();
            let mut rest = &content[..];
            for &n in *splits {
                let (head, tail) = rest.split_at(n.min(rest.len()));
                chunks.push(Ok(Bytes::copy_from_slice(head)));
                rest = tail;
            }
            let got: Vec<u8> = cut_to(stream::iter(chunks), window.clone())
                .map(|c| c.expect("chunk").to_vec())
                .concat()
                .await;
            let end = (window.end as usize).min(content.len());
            assert_eq!(
                got,
                content[window.start as usize..end],
                "{splits:?} {window:?}"
            );
        }
    }
}
