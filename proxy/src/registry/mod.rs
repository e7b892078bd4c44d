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
//! | [`transport`] | retries, redirects, and the destination check ([`DestinationPolicy`]) |
//! | `manifest`, `blob`, `listing`, `login` | the operations |
//! | [`error`] | [`RegistryError`] |
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
mod registries;
mod token;
pub mod transport;

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
pub use transport::{AllowAll, DestinationPolicy, MAX_REDIRECTS, RetryPolicy};

/// The largest manifest or index read: 4 MiB, as containerd and the
/// distribution registry cap them.
pub const MANIFEST_LIMIT: u64 = shared::walk::MAX_MANIFEST;

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
