//! Sigstore bundle JSON (v0.1, v0.2 and v0.3), keyless or keyed, with a
//! message signature or a DSSE envelope.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::cert::Cert;
use super::dsse::Envelope;
use super::rekor::LogEntry;

/// The v0.3 bundle media type (also the referrer artifact type).
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// A bundle format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`: certificate
    /// chain; the inclusion promise is what counts.
    V01,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.2`: certificate chain.
    V02,
    /// `application/vnd.dev.sigstore.bundle.v0.3+json`: the leaf certificate only.
    V03,
}

impl BundleVersion {
    /// The bundle's `mediaType`.
    pub fn media_type(self) -> &'static str {
        match self {
            BundleVersion::V01 => "application/vnd.dev.sigstore.bundle+json;version=0.1",
            BundleVersion::V02 => "application/vnd.dev.sigstore.bundle+json;version=0.2",
            BundleVersion::V03 => BUNDLE_V03,
        }
    }
}

/// Who the verifier trusts for the signature.
#[derive(Debug, Clone)]
pub enum Material {
    /// A keyless signing certificate and the CA that issued it (v0.1 and
    /// v0.2 bundles list the leaf only in `x509CertificateChain`, since the
    /// root is in the trusted root).
    Certificate(Cert, Cert),
    /// A keyed signature: the key's hint.
    PublicKey(String),
}

/// What was signed.
#[derive(Debug, Clone)]
pub enum Content {
    /// A signature over an artifact whose SHA-256 is `digest`.
    MessageSignature {
        /// SHA-256 of the artifact.
        digest: Vec<u8>,
        /// The DER ECDSA signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope.
    Dsse(Envelope),
}

/// The bundle JSON.
pub fn bundle_json(
    version: BundleVersion,
    material: &Material,
    entry: Option<&LogEntry>,
    content: &Content,
) -> Value {
    let mut verification = json!({
        "tlogEntries": entry.map(LogEntry::bundle_json).into_iter().collect::<Vec<_>>(),
    });
    match material {
        Material::Certificate(leaf, _) if version == BundleVersion::V03 => {
            verification["certificate"] = json!({"rawBytes": STANDARD.encode(&leaf.der)});
        }
        Material::Certificate(leaf, _) => {
            verification["x509CertificateChain"] =
                json!({"certificates": [{"rawBytes": STANDARD.encode(&leaf.der)}]});
        }
        Material::PublicKey(hint) => verification["publicKey"] = json!({"hint": hint}),
    }
    let mut bundle = json!({
        "mediaType": version.media_type(),
        "verificationMaterial": verification,
    });
    match content {
        Content::MessageSignature { digest, signature } => {
            bundle["messageSignature"] = json!({
                "messageDigest": {"algorithm": "SHA2_256", "digest": STANDARD.encode(digest)},
                "signature": STANDARD.encode(signature),
            });
        }
        Content::Dsse(envelope) => bundle["dsseEnvelope"] = envelope.json(),
    }
    bundle
}
