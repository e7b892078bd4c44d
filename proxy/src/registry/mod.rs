//! The registry client: the OCI distribution API of any registry, with
//! Docker's auth, over http(s).
//!
//! | file | concept |
//! | --- | --- |
//! | [`config`] | [`ClientConfig`]: insecure registries, the Hub override, credentials, retries, destination policy |
//! | `endpoint` | domain → base URL (`docker.io` → `https://registry-1.docker.io`; http only for insecure registries) |
//! | `client` | [`RegistryClient`]: ping, credentials, the authenticated request path |
//! | `challenge` | `WWW-Authenticate` parsing |
//! | `token` | bearer tokens: fetch, cache per (registry, repository, actions), at most `MAX_TOKEN_SLOTS` scopes |
//! | `registries` | the bound on the registries a client remembers |
//! | `rate_limits` | the latest `ratelimit-*` headers per registry (Docker Hub's pull limit) |
//! | [`transport`] | retries, redirects, and the destination check ([`DestinationPolicy`]) |
//! | `manifest`, `blob`, `listing`, `login` | the operations |
//! | [`error`] | [`RegistryError`] |
//! | `retry` | [`RetryPolicy`] and `Retry-After`, for the transport (which also speaks to loopback registries with untrusted certificates) |
//!
//! What the client verifies: manifest bytes against the digest they were
//! fetched by (or `Docker-Content-Digest`), and their size
//! ([`MANIFEST_LIMIT`]). Blob streams are not verified here; callers wrap
//! them in a [`shared::digest::Verifier`].
//!
//! Secrets (passwords, identity tokens, bearer tokens) are
//! [`crate::credentials::Secret`]s and sensitive header values: they never
//! appear in `Debug` output, errors or logs.

mod blob;
mod challenge;
mod client;
pub mod config;
mod destination;
mod endpoint;
pub mod error;
mod listing;
mod login;
mod manifest;
pub mod pace;
mod rate_limits;
mod referrers;
mod registries;
mod token;
pub mod transport;

// The transport's retries, in a file of their own.
mod retry;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::media_type::MediaType;

pub use client::RegistryClient;
pub use config::{ClientConfig, HUB_REGISTRY_ENV, INSECURE_REGISTRIES_ENV};
pub use endpoint::HUB_REGISTRY;
pub use error::RegistryError;
pub use listing::{MAX_ENTRIES, MAX_LISTING_BYTES, MAX_PAGES};
pub use referrers::{Referrers, ReferrersSource};
pub use transport::{AllowAll, DestinationPolicy, MAX_REDIRECTS, RetryPolicy};

/// The largest manifest or index read: 4 MiB, as containerd and the
/// distribution registry cap them.
pub const MANIFEST_LIMIT: u64 = shared::walk::MAX_MANIFEST;

/// How long the body of a manifest, or of one page of a listing, may take
/// to arrive once the registry answered: a registry that trickles one
/// cannot hold a pull (or a search) for ever.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads `response`'s next chunk, failing once `deadline` has passed.
pub(crate) async fn chunk_before(
    response: &mut reqwest::Response,
    deadline: tokio::time::Instant,
    registry: &str,
    what: &str,
) -> Result<Option<Bytes>, RegistryError> {
    let stream_error = |reason: String| RegistryError::Stream {
        registry: registry.to_owned(),
        what: what.to_owned(),
        reason,
    };
    tokio::time::timeout_at(deadline, response.chunk())
        .await
        .map_err(|_| {
            stream_error(format!(
                "the body did not arrive within {} s",
                BODY_DEADLINE.as_secs()
            ))
        })?
        .map_err(|e| stream_error(transport::error_chain(&e)))
}

/// A manifest as fetched: its exact bytes, checked against its digest.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    /// The bytes as received (digests are over these, never a re-encoding).
    pub bytes: Bytes,
    /// The `Content-Type` when it names a manifest kind, else the
    /// document's `mediaType`.
    pub media_type: MediaType,
    /// The digest of `bytes`: the one asked for, `Docker-Content-Digest`,
    /// or computed (sha256).
    pub digest: Digest,
    /// The parsed manifest or index.
    pub manifest: Manifest,
}

impl From<FetchedManifest> for shared::walk::Fetched {
    /// The bytes for a walk, with the type and digest the registry gave.
    fn from(fetched: FetchedManifest) -> Self {
        shared::walk::Fetched {
            bytes: fetched.bytes.to_vec(),
            content_type: Some(fetched.media_type.as_str().to_owned()),
            digest: Some(fetched.digest),
        }
    }
}

/// What a `HEAD` of a manifest tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHead {
    /// The manifest's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: MediaType,
    /// Its size in bytes.
    pub size: u64,
}

/// A blob being fetched.
pub struct BlobResponse {
    /// The number of bytes the stream will yield, when the registry said.
    pub size: Option<u64>,
    /// The bytes, unverified.
    pub stream: BoxStream<'static, Result<Bytes, RegistryError>>,
}

impl std::fmt::Debug for BlobResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobResponse")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest body that trickles (a byte a second, from the real
    /// registry behind the faulty proxy) fails at the deadline.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_trickling_body_fails_at_its_deadline() {
        let registry = test_support::Registry::start(test_support::Auth::Open).expect("registry");
        let pushed = registry
            .push_fixture("library/redis:latest")
            .expect("push redis");
        let faulty = test_support::faulty::FaultyRegistry::start(
            &registry.url(),
            vec![test_support::faulty::Fault::TrickleManifest(
                "/manifests/".to_owned(),
                std::time::Duration::from_secs(1),
            )],
        )
        .expect("faulty");
        let url = format!(
            "http://{}/v2/library/redis/manifests/{}",
            faulty.host(),
            pushed.digest
        );
        let mut response = reqwest::Client::new()
            .get(&url)
            .header(reqwest::header::ACCEPT, shared::media_type::MANIFEST_ACCEPT)
            .send()
            .await
            .expect("headers");
        assert!(response.status().is_success(), "{}", response.status());
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        let mut read = 0;
        let error = loop {
            match chunk_before(&mut response, deadline, "faulty", "a manifest").await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => panic!("the whole body arrived ({read} bytes)"),
                Err(e) => break e,
            }
        };
        assert!(read < 10, "{read} bytes");
        assert!(
            error.to_string().contains("did not arrive within"),
            "{error}"
        );
    }
}
