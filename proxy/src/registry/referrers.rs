//! Listing a manifest's referrers (OCI distribution 1.1): the registry's
//! referrers API, else the index its referrers tag names.
//!
//! - `GET /v2/<path>/referrers/<digest>` first, always unfiltered (the
//!   caller filters, so one answer serves every `artifactType`). The body
//!   is read under the manifest limit and deadline and must be an image
//!   index.
//! - A `404` there means the registry has no referrers API: the index
//!   tagged `sha256-<hex>` ([`referrers_tag`]) is fetched instead, as a
//!   manifest (verified like any other).
//! - Neither: `None`, nothing refers to the manifest.

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use shared::digest::Digest;
use shared::manifest::{ImageIndex, Manifest, referrers_tag};
use shared::reference::{Reference, TagOrDigest};

use super::client::{Call, RegistryClient};
use super::error::RegistryError;
use super::manifest::read_capped;
use super::token::Scope;

/// Where a referrers list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersSource {
    /// The registry's referrers API.
    Api,
    /// The index tagged with the referrers tag schema.
    TagSchema,
}

/// A manifest's referrers, as the registry listed them.
#[derive(Debug, Clone)]
pub struct Referrers {
    /// The list.
    pub index: ImageIndex,
    /// Where it came from.
    pub source: ReferrersSource,
}

impl RegistryClient {
    /// The referrers of `subject` in `repository`'s repository, or `None`
    /// when the registry lists none (see the module doc).
    pub async fn get_referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
    ) -> Result<Option<Referrers>, RegistryError> {
        let registry = self.registry(repository.domain()).await?;
        let what = format!("the referrers of {}@{subject}", repository.canonical_name());
        let url = registry
            .endpoint
            .url(&format!("/v2/{}/referrers/{subject}", repository.path()))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.oci.image.index.v1+json"),
        );
        let call = Call {
            method: Method::GET,
            url,
            headers,
            scope: Scope::Pull(repository.path().to_owned()),
            what: &what,
        };
        if let Some(response) = self.execute_found(&registry, call).await? {
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = read_capped(response, &registry.name, &what).await?;
            return match Manifest::from_slice(&bytes, content_type.as_deref()) {
                Ok(Manifest::Index(index)) => Ok(Some(Referrers {
                    index: *index,
                    source: ReferrersSource::Api,
                })),
                _ => Err(RegistryError::InvalidResponse {
                    registry: registry.name.clone(),
                    what,
                    message: "the referrers API answered with something other than an image index"
                        .to_owned(),
                }),
            };
        }
        let tagged = repository.with_tag_or_digest(TagOrDigest::Tag(referrers_tag(subject)));
        match self.get_manifest(&tagged).await {
            Ok(fetched) => match fetched.manifest {
                Manifest::Index(index) => Ok(Some(Referrers {
                    index: *index,
                    source: ReferrersSource::TagSchema,
                })),
                Manifest::Image(_) => Err(RegistryError::InvalidResponse {
                    registry: registry.name.clone(),
                    what,
                    message: format!(
                        "the referrers tag {} names an image manifest, not an index",
                        referrers_tag(subject)
                    ),
                }),
            },
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
