//! Where an image's signatures and attestations are found, and what each
//! layer of an artifact is, so a driver knows what to fetch and how much.
//!
//! An image's artifacts are found in four places ([`Source`]):
//! - its referrers (OCI 1.1: the referrers API, else the referrers tag
//!   `sha256-<hex>`), which hold Sigstore bundles, SBOMs and anything else
//!   whose `subject` names the image;
//! - cosign's legacy tags `sha256-<hex>.sig`, `.att` and `.sbom`
//!   ([`legacy_tag`]);
//! - for an image in an index, BuildKit's attestation manifests beside it.

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageManifest};
use crate::reference::Tag;

use super::bundle::{BUNDLE_MEDIA_TYPES, MAX_BUNDLE};
use super::simple_signing::{MAX_PAYLOAD, SIMPLE_SIGNING_MEDIA_TYPE};

/// A DSSE envelope layer (cosign's `.att`).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// An in-toto statement layer (BuildKit's attestation manifests).
pub const IN_TOTO_MEDIA_TYPE: &str = "application/vnd.in-toto+json";
/// BuildKit's annotation naming a statement layer's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "in-toto.io/predicate-type";
/// cosign's annotations on legacy layers.
pub const COSIGN_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// The PEM certificate of a keyless legacy signature.
pub const COSIGN_CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
/// The PEM chain of a keyless legacy signature.
pub const COSIGN_CHAIN: &str = "dev.sigstore.cosign/chain";
/// The Rekor bundle (signed entry timestamp) of a legacy signature.
pub const COSIGN_BUNDLE: &str = "dev.sigstore.cosign/bundle";

/// The largest SBOM or statement layer read (a 10,000-package SPDX
/// document is a few megabytes).
pub const MAX_DOCUMENT: u64 = 64 << 20;

/// Where an artifact was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The image's referrers (API or tag schema).
    Referrers,
    /// cosign's `sha256-<hex>.sig` tag.
    SignatureTag,
    /// cosign's `sha256-<hex>.att` tag.
    AttestationTag,
    /// cosign's `sha256-<hex>.sbom` tag.
    SbomTag,
    /// A BuildKit attestation manifest in the image's index.
    IndexAttestation,
}

impl Source {
    /// How a page names it.
    pub fn title(self) -> &'static str {
        match self {
            Source::Referrers => "referrers",
            Source::SignatureTag => "cosign .sig tag",
            Source::AttestationTag => "cosign .att tag",
            Source::SbomTag => "cosign .sbom tag",
            Source::IndexAttestation => "attestation manifest in the index",
        }
    }
}

/// cosign's legacy tag for `subject`: `sha256-<hex>.<suffix>`.
pub fn legacy_tag(subject: &Digest, source: Source) -> Option<Tag> {
    let suffix = match source {
        Source::SignatureTag => "sig",
        Source::AttestationTag => "att",
        Source::SbomTag => "sbom",
        _ => return None,
    };
    format!("{}-{}.{suffix}", subject.algorithm(), subject.encoded())
        .parse()
        .ok()
}

/// What a layer of an artifact holds, and so how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A cosign simple-signing payload with its signature in annotations.
    CosignSignature,
    /// A DSSE envelope (cosign's `.att`).
    DsseEnvelope,
    /// A Sigstore bundle.
    Bundle,
    /// An unsigned in-toto statement (BuildKit).
    Statement,
    /// An unsigned SBOM document (SPDX or CycloneDX).
    Sbom,
    /// Something strata does not read.
    Other,
}

/// What `layer` of `artifact` (found at `source`) holds.
pub fn role(source: Source, artifact: &ImageManifest, layer: &Descriptor) -> Role {
    let media = layer.media_type.as_str();
    let artifact_type = artifact
        .artifact_type
        .as_ref()
        .map(|m| m.as_str())
        .unwrap_or(artifact.config.media_type.as_str());
    if BUNDLE_MEDIA_TYPES.contains(&media) || BUNDLE_MEDIA_TYPES.contains(&artifact_type) {
        Role::Bundle
    } else if media == SIMPLE_SIGNING_MEDIA_TYPE
        || (source == Source::SignatureTag && layer.annotations.contains_key(COSIGN_SIGNATURE))
    {
        Role::CosignSignature
    } else if media == DSSE_MEDIA_TYPE {
        Role::DsseEnvelope
    } else if media == IN_TOTO_MEDIA_TYPE
        || layer.annotations.contains_key(PREDICATE_TYPE_ANNOTATION)
    {
        Role::Statement
    } else if is_sbom_type(media) || is_sbom_type(artifact_type) {
        Role::Sbom
    } else {
        Role::Other
    }
}

fn is_sbom_type(media: &str) -> bool {
    media.starts_with("application/spdx")
        || media.starts_with("text/spdx")
        || media.starts_with("application/vnd.cyclonedx")
        || media == "application/vnd.syft+json"
}

/// The most of a layer of `role` a driver reads; `None`: none of it.
pub fn limit(role: Role) -> Option<u64> {
    match role {
        Role::CosignSignature => Some(MAX_PAYLOAD),
        Role::Bundle => Some(MAX_BUNDLE as u64),
        Role::DsseEnvelope | Role::Statement | Role::Sbom => Some(MAX_DOCUMENT),
        Role::Other => None,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn legacy_tags_are_cosigns() {
        let d = Digest::sha256_of(b"x");
        assert_eq!(
            legacy_tag(&d, Source::SignatureTag).expect("tag").as_str(),
            format!("sha256-{}.sig", d.encoded())
        );
        assert!(legacy_tag(&d, Source::Referrers).is_none());
    }
}
