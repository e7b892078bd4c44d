//! `strata verify`'s engine: drives [`shared::signature::Discovery`] over
//! the registry client. The checks are the browser's; only the fetching is
//! here.
//!
//! Each manifest is read under the manifest limit and verified against its
//! digest by the client; each layer under its role's limit, and verified by
//! the shared checks (`payload digest`).

use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::reference::{Reference, TagOrDigest};
use shared::signature::{Discovery, Need, Policy, TrustedRoot};

use crate::registry::{RegistryClient, RegistryError};

/// An image and what was found attached to it.
#[derive(Debug)]
pub struct Checked {
    /// The image's digest (the index's, when the reference names one).
    pub digest: Digest,
    /// The finished discovery: findings, problems, summary.
    pub discovery: Discovery,
}

/// Why an image could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The registry has no such image.
    #[error("{reference}: no such image in its registry ({source}); check the name and tag")]
    NotFound {
        /// The reference as given.
        reference: String,
        /// The registry's answer.
        source: RegistryError,
    },
    /// The registry could not be asked.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// Finds and verifies the signatures and attestations of `reference`.
pub async fn check_image(
    client: &RegistryClient,
    reference: &Reference,
    policy: Option<Policy>,
    root: TrustedRoot,
    predicate_type: Option<String>,
) -> Result<Checked, VerifyError> {
    let top = client.get_manifest(reference).await.map_err(|e| match e {
        RegistryError::NotFound { .. } => VerifyError::NotFound {
            reference: reference.to_string(),
            source: e,
        },
        e => VerifyError::Registry(e),
    })?;
    let mut discovery =
        Discovery::new(top.digest.clone(), policy, root).with_predicate_type(predicate_type);
    if let Manifest::Index(index) = &top.manifest {
        discovery = discovery.with_index_attestations(&index.manifests);
    }
    let repository = reference.name_only();
    while let Some(need) = discovery.next_need() {
        match &need {
            Need::Referrers => match client.get_referrers(&repository, &top.digest).await {
                Ok(found) => discovery.referrers(found.as_ref().map(|r| &r.index)),
                Err(e) => discovery.failed(&need, e.to_string()),
            },
            Need::Tag { tag, .. } => {
                let tagged = repository.with_tag_or_digest(TagOrDigest::Tag(tag.clone()));
                match client.get_manifest(&tagged).await {
                    Ok(fetched) => discovery.artifact(&need, &fetched.bytes),
                    Err(RegistryError::NotFound { .. }) => discovery.absent(&need),
                    Err(e) => discovery.failed(&need, e.to_string()),
                }
            }
            Need::Artifact { descriptor, .. } => {
                let named =
                    repository.with_tag_or_digest(TagOrDigest::Digest(descriptor.digest.clone()));
                match client.get_manifest(&named).await {
                    Ok(fetched) => discovery.artifact(&need, &fetched.bytes),
                    Err(e) => discovery.failed(&need, e.to_string()),
                }
            }
            Need::Layer {
                descriptor, limit, ..
            } => {
                if descriptor.size > *limit {
                    discovery.failed(
                        &need,
                        format!(
                            "{} bytes, more than the {limit} strata reads for this kind of layer",
                            descriptor.size
                        ),
                    );
                    continue;
                }
                match client
                    .get_blob_capped(&repository, &descriptor.digest, *limit)
                    .await
                {
                    Ok(bytes) => discovery.layer(&need, &bytes),
                    Err(e) => discovery.failed(&need, e.to_string()),
                }
            }
        }
    }
    Ok(Checked {
        digest: top.digest,
        discovery,
    })
}
