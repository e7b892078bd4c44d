//! Fetching manifests: `GET` (bytes, verified) and `HEAD` (digest, type,
//! size) of `/v2/<path>/manifests/<tag or digest>`.
//!
//! Both send `Accept` for the OCI index and manifest and the Docker list
//! and schema2 ([`MANIFEST_ACCEPT`]). A `GET` reads at most
//! [`super::MANIFEST_LIMIT`] bytes, then:
//!
//! - by digest: the bytes must hash to it;
//! - by tag: the bytes are hashed (sha256, or the algorithm of
//!   `Docker-Content-Digest`), and must match that header when present;
//! - the bytes must parse as a manifest or index ([`Manifest::from_slice`]
//!   refuses schema1).
//!
//! The media type is the `Content-Type` when it names a manifest kind,
//! else the document's own `mediaType`.

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Response};
use shared::digest::{Digest, Verified, VerifyError};
use shared::manifest::Manifest;
use shared::media_type::{MANIFEST_ACCEPT, MediaType};
use shared::reference::Reference;

use super::client::{Call, RegistryClient, describe_manifest};
use super::error::RegistryError;
use super::token::Scope;
use super::{FetchedManifest, MANIFEST_LIMIT, ManifestHead};

/// The header registries put the manifest digest in.
pub(crate) const DOCKER_CONTENT_DIGEST: &str = "docker-content-digest";

impl RegistryClient {
    /// `GET`s the manifest named by `reference`'s digest if it has one,
    /// else its tag (`latest` when it has neither), and checks it as the
    /// module doc says.
    pub async fn get_manifest(
        &self,
        reference: &Reference,
    ) -> Result<FetchedManifest, RegistryError> {
        let registry = self.registry(reference.domain()).await?;
        let what = describe_manifest(reference);
        let call = manifest_call(&registry.endpoint, reference, Method::GET, &what)?;
        let response = self.execute_ok(&registry, call).await?;
        let content_type = header_str(response.headers(), CONTENT_TYPE.as_str());
        let header_digest = header_digest(&response, &registry.name, &what)?;
        let bytes = read_capped(response, &registry.name, &what).await?;

        let digest = match (reference.digest(), &header_digest) {
            (Some(expected), _) => {
                verify(&bytes, expected)?;
                expected.clone()
            }
            (None, Some(declared)) => {
                verify(&bytes, declared)?;
                declared.clone()
            }
            (None, None) => Digest::sha256_of(&bytes),
        };
        let manifest = Manifest::from_slice(&bytes, content_type.as_deref())
            .map_err(|source| RegistryError::InvalidManifest { what, source })?;
        let media_type = content_type
            .map(|c| MediaType::parse(&c))
            .filter(|m| m.is_index() || m.is_manifest())
            .unwrap_or_else(|| manifest.media_type());
        Ok(FetchedManifest {
            bytes,
            media_type,
            digest,
            manifest,
        })
    }

    /// `HEAD`s the manifest: its digest, media type and size, or `None`
    /// when the registry has no such manifest (404). When the registry
    /// leaves out `Docker-Content-Digest` or `Content-Length`, falls back
    /// to a `GET`.
    pub async fn head_manifest(
        &self,
        reference: &Reference,
    ) -> Result<Option<ManifestHead>, RegistryError> {
        let registry = self.registry(reference.domain()).await?;
        let what = describe_manifest(reference);
        let call = manifest_call(&registry.endpoint, reference, Method::HEAD, &what)?;
        let Some(response) = self.execute_found(&registry, call).await? else {
            return Ok(None);
        };
        let declared = header_digest(&response, &registry.name, &what)?;
        let size = header_str(response.headers(), CONTENT_LENGTH.as_str())
            .and_then(|v| v.parse::<u64>().ok());
        let media_type = header_str(response.headers(), CONTENT_TYPE.as_str())
            .map(|c| MediaType::parse(&c))
            .filter(|m| m.is_index() || m.is_manifest());
        // The registry's own word first: `/v2`'s access check compares it
        // with the digest asked for.
        match (declared.as_ref().or(reference.digest()), size, media_type) {
            (Some(digest), Some(size), Some(media_type)) => {
                if size > MANIFEST_LIMIT {
                    return Err(RegistryError::ManifestTooLarge {
                        what,
                        limit: MANIFEST_LIMIT,
                        size: Some(size),
                    });
                }
                Ok(Some(ManifestHead {
                    digest: digest.clone(),
                    media_type,
                    size,
                }))
            }
            _ => {
                tracing::debug!(%what, "HEAD lacks digest, size or type; falling back to GET");
                let fetched = self.get_manifest(reference).await?;
                Ok(Some(ManifestHead {
                    size: fetched.bytes.len() as u64,
                    digest: fetched.digest,
                    media_type: fetched.media_type,
                }))
            }
        }
    }
}

fn manifest_call<'a>(
    endpoint: &super::endpoint::Endpoint,
    reference: &Reference,
    method: Method,
    what: &'a str,
) -> Result<Call<'a>, RegistryError> {
    let url = endpoint.url(&format!(
        "/v2/{}/manifests/{}",
        reference.path(),
        reference.manifest_reference()
    ))?;
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(MANIFEST_ACCEPT));
    Ok(Call {
        method,
        url,
        headers,
        scope: Scope::Pull(reference.path().to_owned()),
        what,
    })
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(|s| s.trim().to_owned())
}

/// `Docker-Content-Digest`, if present; an unparseable one is an error.
fn header_digest(
    response: &Response,
    registry: &str,
    what: &str,
) -> Result<Option<Digest>, RegistryError> {
    let Some(value) = header_str(response.headers(), DOCKER_CONTENT_DIGEST) else {
        return Ok(None);
    };
    value
        .parse()
        .map(Some)
        .map_err(|e| RegistryError::InvalidResponse {
            registry: registry.to_owned(),
            what: what.to_owned(),
            message: format!("Docker-Content-Digest {value:?} is not a digest: {e}"),
        })
}

/// The bytes must hash to `expected` (under its algorithm).
fn verify(bytes: &[u8], expected: &Digest) -> Result<(), RegistryError> {
    let mut verified = Verified::new((), expected.clone(), None);
    match verified.pass(bytes).and_then(|()| verified.end()) {
        Ok(_) => Ok(()),
        Err(VerifyError::DigestMismatch { expected, actual }) => {
            Err(RegistryError::DigestMismatch { expected, actual })
        }
        Err(e) => unreachable!("no size was declared, so only the digest can differ: {e}"),
    }
}

/// Reads the body, refusing it once it passes [`MANIFEST_LIMIT`] (at once
/// when `Content-Length` says so) or [`super::BODY_DEADLINE`].
pub(super) async fn read_capped(
    mut response: Response,
    registry: &str,
    what: &str,
) -> Result<Bytes, RegistryError> {
    let too_large = |size: Option<u64>| RegistryError::ManifestTooLarge {
        what: what.to_owned(),
        limit: MANIFEST_LIMIT,
        size,
    };
    let declared = response.content_length();
    if let Some(size) = declared.filter(|&s| s > MANIFEST_LIMIT) {
        return Err(too_large(Some(size)));
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(MANIFEST_LIMIT) as usize);
    let deadline = tokio::time::Instant::now() + super::BODY_DEADLINE;
    while let Some(chunk) = super::chunk_before(&mut response, deadline, registry, what).await? {
        if (body.len() + chunk.len()) as u64 > MANIFEST_LIMIT {
            return Err(too_large(None));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
