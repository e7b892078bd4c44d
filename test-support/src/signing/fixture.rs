//! [`push_signed`]: the signed image and everything about it, uploaded
//! into a real registry, and the [`SignedFixture`] describing where.

use std::path::PathBuf;

use super::build::{
    EMAIL_IDENTITY, EMAIL_ISSUER, OTHER_IDENTITY, WORKFLOW_IDENTITY, WORKFLOW_ISSUER,
};
pub use super::build::{MultiPlatform, Referrer, SignedSet, TamperVariant};
use super::cosign;

/// The public keys and certificates, PEM.
#[derive(Debug, Clone)]
pub struct Pems {
    /// The keyed signer's public key (P-256).
    pub signer: String,
    /// The other P-256 key's public key.
    pub other: String,
    /// The Ed25519 key's public key.
    pub ed25519: String,
    /// The Rekor log's public key.
    pub rekor: String,
    /// The CT log's public key.
    pub ct_log: String,
    /// The root CA certificate.
    pub ca: String,
}

/// A tamper variant as pushed.
#[derive(Debug, Clone)]
pub struct PushedVariant {
    /// `payload-changed`, `other-key`, `other-identity`,
    /// `bad-inclusion-proof` or `replay`.
    pub name: String,
    /// What is wrong with it.
    pub what: String,
    /// Its repository: the same image (same digest, tag `latest`), its
    /// `.sig` tag holding the bad cosign signature, and its referrers tag
    /// listing the bad bundle.
    pub repo: String,
    /// The bad Sigstore bundle JSON.
    pub bundle: Option<Vec<u8>>,
}

/// The signed image, pushed.
#[derive(Debug)]
pub struct SignedFixture {
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// The repository.
    pub repo: String,
    /// The image's tag (`latest`).
    pub tag: String,
    /// The image manifest's digest (what every good signature covers).
    pub digest: String,
    /// The image manifest's bytes.
    pub manifest: Vec<u8>,
    /// `host/repo`, as the simple-signing payloads name it.
    pub docker_reference: String,
    /// The other image (tag `other` in the same repository), whose
    /// signature the `replay` variant attaches.
    pub other_digest: String,
    /// The cosign signature tag `sha256-<hex>.sig` (a keyed and a keyless layer).
    pub sig_tag: String,
    /// Its manifest digest.
    pub sig_digest: String,
    /// The cosign attestation tag `sha256-<hex>.att` (SLSA provenance
    /// signed with the P-256 signer key, an SPDX SBOM with the Ed25519 key).
    pub att_tag: String,
    /// Its manifest digest.
    pub att_digest: String,
    /// The referrers tag `sha256-<hex>`.
    pub referrers_tag: String,
    /// The referrers index's digest.
    pub referrers_index_digest: String,
    /// The referrers in index order: the v0.3 bundles (message signature,
    /// provenance DSSE, keyed), SPDX, CycloneDX and the 10,000-package SPDX SBOM.
    pub referrers: Vec<Referrer>,
    /// The BuildKit-style index (tag `multi`).
    pub multi: MultiPlatform,
    /// Keys and certificates.
    pub pems: Pems,
    /// The trusted root JSON (Sigstore trusted root v0.1) of the test Sigstore.
    pub trusted_root_json: String,
    /// The identity of the good keyless message signatures (email SAN).
    pub identity: String,
    /// Its OIDC issuer.
    pub issuer: String,
    /// The identity of the keyless provenance DSSE bundle (URI SAN).
    pub workflow_identity: String,
    /// Its OIDC issuer.
    pub workflow_issuer: String,
    /// The identity of the `other-identity` variant.
    pub other_identity: String,
    /// The tamper variants, each in its own repository.
    pub variants: Vec<PushedVariant>,
    /// The folder holding the files written for peers (`cases.json`,
    /// `trusted_root.json`, `image-manifest.json`, `bundles/`, `keys/`,
    /// `cosign/`), deleted on drop.
    pub files: PathBuf,
    _dir: tempfile::TempDir,
}

impl SignedFixture {
    /// `host/repo:tag`.
    pub fn reference(&self) -> String {
        format!("{}/{}:{}", self.host, self.repo, self.tag)
    }

    /// The variant named `name`.
    pub fn variant(&self, name: &str) -> Option<&PushedVariant> {
        self.variants.iter().find(|v| v.name == name)
    }
}

/// Builds the signed fixtures for `repo` of `registry` (an open registry)
/// and uploads them all: the image, `.sig`, `.att`, referrers with their
/// index at the referrers tag, the BuildKit-style index, the other image,
/// and each tamper variant into `<repo>-<variant>`.
pub async fn push_signed(registry: &crate::Registry, repo: &str) -> crate::Result<SignedFixture> {
    let dir = crate::scratch::dir("strata-signed")?;
    let docker_reference = format!("{}/{repo}", registry.host());
    let set = SignedSet::build(&docker_reference, dir.path())?;
    let files = dir.path().join("peers");
    set.write_peer_files(&files)?;
    let http = reqwest::Client::new();
    set.plan.push(&http, registry, repo).await?;
    let mut variants = Vec::new();
    for variant in &set.variants {
        let variant_repo = format!("{repo}{}", variant.repo_suffix);
        variant.plan.push(&http, registry, &variant_repo).await?;
        variants.push(PushedVariant {
            name: variant.name.clone(),
            what: variant.what.clone(),
            repo: variant_repo,
            bundle: variant.bundle.clone(),
        });
    }
    Ok(SignedFixture {
        host: registry.host(),
        repo: repo.to_owned(),
        tag: "latest".to_owned(),
        digest: set.digest.clone(),
        manifest: set.manifest.clone(),
        docker_reference,
        other_digest: set.other_digest.clone(),
        sig_tag: cosign::sig_tag(&set.digest),
        sig_digest: set.sig_digest.clone(),
        att_tag: cosign::att_tag(&set.digest),
        att_digest: set.att_digest.clone(),
        referrers_tag: cosign::referrers_tag(&set.digest),
        referrers_index_digest: set.referrers_index_digest.clone(),
        referrers: set.referrers.clone(),
        multi: set.multi.clone(),
        pems: Pems {
            signer: set.keys.signer.public_pem(),
            other: set.keys.other.public_pem(),
            ed25519: set.keys.ed25519.public_pem(),
            rekor: set.sigstore.log.key().public_pem(),
            ct_log: set.sigstore.ct_log.public_pem(),
            ca: set.sigstore.ca.cert().pem(),
        },
        trusted_root_json: set.sigstore.trusted_root_json(),
        identity: EMAIL_IDENTITY.to_owned(),
        issuer: EMAIL_ISSUER.to_owned(),
        workflow_identity: WORKFLOW_IDENTITY.to_owned(),
        workflow_issuer: WORKFLOW_ISSUER.to_owned(),
        other_identity: OTHER_IDENTITY.to_owned(),
        variants,
        files,
        _dir: dir,
    })
}
