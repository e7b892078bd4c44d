//! Presigned GET URLs for stored blobs, which `strata serve
//! --redirect-blobs` hands to clients instead of the bytes.
//!
//! A presigned URL is the object's path-style URL
//! (`ENDPOINT/BUCKET/[PREFIX/]blobs/sha256/<hex>`) with a SigV4
//! query-string signature (`X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-Expires`, `X-Amz-SignedHeaders=host`, `X-Amz-Signature`):
//! whoever holds it may `GET` that one object, with or without `Range`,
//! without credentials, until it expires. Signing is local (HMAC with the
//! configured secret); it sends no request and does not check that the
//! blob is there.
//!
//! # Where it may point
//! The URL goes to clients, so it is checked to name the configured
//! endpoint (`--s3-endpoint`, `AWS_ENDPOINT_URL`, else AWS's regional
//! endpoint): same scheme, host and port, and a path under the bucket.
//! Anything else is refused ([`ForeignUrl`]) rather than handed out.

use std::time::Duration;

use object_store::signer::Signer;
use reqwest::Method;
use shared::digest::Digest;
use url::Url;

use super::S3Content;
use crate::store::StoreError;

/// A signed URL that does not point where the bucket is configured to be.
/// Names origins only: the signature never appears in a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the presigned URL points at {found}, not under the configured endpoint {endpoint}; check --s3-endpoint (or AWS_ENDPOINT_URL)"
)]
pub struct ForeignUrl {
    /// The scheme, host and port (and bucket path) the URL names.
    pub found: String,
    /// Where the bucket's objects are: `ENDPOINT/BUCKET/`.
    pub endpoint: String,
}

impl S3Content {
    /// A URL that `GET`s the blob `digest` without credentials for
    /// `expires` (at most seven days, SigV4's limit), pointing at the
    /// configured endpoint only. Whether the blob is there is not checked.
    pub fn presigned_get(&self, digest: &Digest, expires: Duration) -> Result<Url, StoreError> {
        let key = self.bucket.blob_key(digest);
        let url = self
            .bucket
            .bridge
            .block_on(self.bucket.client.signed_url(Method::GET, &key, expires))
            .map_err(self.bucket.error("presigning", &key))?;
        points_at(&url, &self.bucket.endpoint, &self.bucket.bucket).map_err(|e| {
            StoreError::BlobStore {
                action: "presigning",
                key: self.bucket.url(&key),
                source: Box::new(e),
            }
        })?;
        Ok(url)
    }
}

/// Checks that `url` names an object of `bucket` at `endpoint`.
fn points_at(url: &Url, endpoint: &str, bucket: &str) -> Result<(), ForeignUrl> {
    let base = format!("{}/{bucket}/", endpoint.trim_end_matches('/'));
    let foreign = || ForeignUrl {
        found: format!(
            "{}{}",
            url.origin().ascii_serialization(),
            url.path().split_inclusive('/').take(2).collect::<String>()
        ),
        endpoint: base.clone(),
    };
    let base_url = Url::parse(&base).map_err(|_| foreign())?;
    if url.origin() != base_url.origin()
        || !url.path().starts_with(base_url.path())
        || url.path().len() == base_url.path().len()
    {
        return Err(foreign());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_urls_point_at_the_configured_endpoint_only() {
        let signed = "?X-Amz-Signature=abc";
        #[rustfmt::skip]
        let cases: &[(&str, &str, bool)] = &[
            ("http://127.0.0.1:8333/b/p/blobs/sha256/aa", "http://127.0.0.1:8333", true),
            ("http://127.0.0.1:8333/b/p/blobs/sha256/aa", "http://127.0.0.1:8333/", true),
            ("http://s3.lan/base/b/blobs/sha256/aa", "http://s3.lan/base", true),
            ("https://s3.eu-west-1.amazonaws.com/b/k", "https://s3.eu-west-1.amazonaws.com", true),
            ("https://s3.lan:443/b/k", "https://s3.lan", true),
            // Another host, port or scheme.
            ("http://169.254.169.254/b/k", "http://127.0.0.1:8333", false),
            ("http://127.0.0.1:8334/b/k", "http://127.0.0.1:8333", false),
            ("https://127.0.0.1:8333/b/k", "http://127.0.0.1:8333", false),
            ("http://b.s3.lan/k", "http://s3.lan", false),
            // Another bucket, or no object.
            ("http://127.0.0.1:8333/other/k", "http://127.0.0.1:8333", false),
            ("http://127.0.0.1:8333/bb/k", "http://127.0.0.1:8333", false),
            ("http://127.0.0.1:8333/b/", "http://127.0.0.1:8333", false),
            ("http://s3.lan/k", "http://s3.lan/base", false),
            // An endpoint that is no URL.
            ("http://127.0.0.1:8333/b/k", "127.0.0.1:8333", false),
        ];
        for (url, endpoint, ok) in cases {
            let parsed = Url::parse(&format!("{url}{signed}")).expect("url");
            let got = points_at(&parsed, endpoint, "b");
            assert_eq!(got.is_ok(), *ok, "{url} at {endpoint}: {got:?}");
            if let Err(e) = got {
                assert!(!e.to_string().contains("abc"), "no signature: {e}");
            }
        }
    }
}
