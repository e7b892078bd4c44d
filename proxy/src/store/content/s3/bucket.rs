//! [`Bucket`]: the client for one `s3://BUCKET[/PREFIX]`, its key layout
//! and its errors.
//!
//! ```text
//! [PREFIX/]blobs/<algorithm>/<hex>            verified blobs only
//! [PREFIX/]ingest/<algorithm>-<hex>.<tag>     multipart uploads in progress,
//!                                             and completed ones being copied
//! [PREFIX/]indexes/<algorithm>/<hex>          a layer blob's index (`indexes.rs`)
//! ```

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, S3ConditionalPut, S3CopyIfNotExists};
use object_store::path::Path as Key;
use object_store::{ClientOptions, RetryConfig};
use shared::digest::{Algorithm, Digest};

use super::bridge::Bridge;
use super::config::S3Config;
use crate::store::StoreError;

/// One bucket and prefix, with the runtime its requests run on. Cheap to
/// clone.
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    pub(crate) client: Arc<AmazonS3>,
    pub(crate) bridge: Bridge,
    /// Where requests go: the configured endpoint, else AWS's regional
    /// one (what a presigned URL must point at, `presign.rs`).
    pub(crate) endpoint: String,
    pub(crate) bucket: String,
    prefix: String,
    /// Blobs declared larger than this are uploaded straight to their
    /// final key (see `writer.rs`): [`COPY_MAX`], or less in tests.
    pub(crate) copy_limit: u64,
}

/// The largest object one `CopyObject` copies (AWS's limit: 5 GiB).
pub const COPY_MAX: u64 = 5 << 30;

impl Bucket {
    pub(crate) fn connect(config: &S3Config) -> Result<Bucket, StoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(config.location.bucket())
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            // `If-None-Match: *` on puts (`PutMode::Create`), and on the
            // copy that publishes a verified upload.
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_copy_if_not_exists(S3CopyIfNotExists::Header(
                "If-None-Match".to_owned(),
                "*".to_owned(),
            ))
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(60),
                ..RetryConfig::default()
            })
            .with_client_options(
                // A whole request may take as long as strata lets any
                // transfer take (`registry/pace.rs`): a large blob's GET
                // streams for minutes.
                ClientOptions::new()
                    .with_allow_http(true)
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_timeout(Duration::from_secs(3 * 3600)),
            );
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        let client = builder.build().map_err(|e| StoreError::BlobStore {
            action: "configuring",
            key: config.location.to_string(),
            source: Box::new(e),
        })?;
        Ok(Bucket {
            client: Arc::new(client),
            bridge: Bridge::new()?,
            endpoint: config.endpoint.clone().unwrap_or_else(|| {
                // As object_store addresses AWS, path-style.
                format!("https://s3.{}.amazonaws.com", config.region)
            }),
            bucket: config.location.bucket().to_owned(),
            prefix: config.location.prefix().to_owned(),
            copy_limit: COPY_MAX,
        })
    }

    pub(crate) fn key(&self, rest: &str) -> Key {
        match self.prefix.as_str() {
            "" => Key::from(rest),
            prefix => Key::from(format!("{prefix}/{rest}")),
        }
    }

    /// Where the verified blob lives.
    pub(crate) fn blob_key(&self, digest: &Digest) -> Key {
        self.key(&format!(
            "blobs/{}/{}",
            digest.algorithm(),
            digest.encoded()
        ))
    }

    /// The folder of one algorithm's blobs.
    pub(crate) fn blobs_prefix(&self, algorithm: Algorithm) -> Key {
        self.key(&format!("blobs/{algorithm}"))
    }

    /// The folder of uploads in progress.
    pub(crate) fn ingest_prefix(&self) -> Key {
        self.key("ingest")
    }

    /// A fresh ingest key for `digest`, unique to this writer.
    pub(crate) fn ingest_key(&self, digest: &Digest) -> Key {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        self.key(&format!(
            "ingest/{}-{}.{}-{}-{nanos:08x}",
            digest.algorithm(),
            digest.encoded(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
        ))
    }

    /// `s3://bucket/key`, for messages.
    pub(crate) fn url(&self, key: &Key) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// The store error for a failed `action` on `key`.
    pub(crate) fn error(
        &self,
        action: &'static str,
        key: &Key,
    ) -> impl FnOnce(object_store::Error) -> StoreError + use<> {
        let key = self.url(key);
        move |source| StoreError::BlobStore {
            action,
            key,
            source: Box::new(source),
        }
    }
}
