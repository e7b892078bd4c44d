//! Sigstore bundles, v0.1 to v0.3: the signature, the material to check it
//! (a certificate chain, a certificate, or a key hint) and the transparency
//! log entries, as cosign v3 attaches them through the referrers API
//! (artifact type `application/vnd.dev.sigstore.bundle.v0.3+json`).
//!
//! This is the protobuf-specs JSON form: camelCase fields, bytes in
//! standard base64, 64-bit integers as strings (numbers are accepted too).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize};

use super::dsse::Envelope;

/// The artifact type of a v0.3 bundle in a registry.
pub const BUNDLE_V03_ARTIFACT: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The media types strata reads, oldest first.
pub const BUNDLE_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    BUNDLE_V03_ARTIFACT,
];

/// The largest bundle read (a bundle is a few kilobytes; DSSE payloads of
/// SBOMs can be large).
pub const MAX_BUNDLE: usize = 64 << 20;

/// A Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Its version, one of [`BUNDLE_MEDIA_TYPES`].
    pub media_type: String,
    /// What verifies it.
    pub verification_material: VerificationMaterial,
    /// A signature over a message (cosign's image signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    /// A DSSE envelope (attestations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
}

/// The certificate, chain or key hint, and the log entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// v0.3: the signing certificate alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawBytes>,
    /// v0.1, v0.2: the signing certificate first, then its issuers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<CertificateChain>,
    /// A keyed signature: a hint naming the key (never the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<KeyHint>,
    /// The transparency log entries.
    #[serde(default)]
    pub tlog_entries: Vec<TlogEntry>,
}

/// DER bytes, base64 in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBytes {
    /// The bytes.
    #[serde(with = "b64")]
    pub raw_bytes: Vec<u8>,
}

/// A certificate chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateChain {
    /// Leaf first.
    pub certificates: Vec<RawBytes>,
}

/// A key hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHint {
    /// Free text naming the key.
    #[serde(default)]
    pub hint: String,
}

/// A signature over a message, and the message's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    /// The message's digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    /// The signature.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
}

/// A digest and its algorithm (`SHA2_256`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashOutput {
    /// e.g. `SHA2_256`.
    pub algorithm: String,
    /// The digest.
    #[serde(with = "b64")]
    pub digest: Vec<u8>,
}

/// One transparency log (Rekor) entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlogEntry {
    /// The entry's index in the log.
    #[serde(deserialize_with = "int64")]
    pub log_index: i64,
    /// Which log: the SHA-256 of its public key.
    pub log_id: LogId,
    /// The entry's kind, e.g. `hashedrekord` `0.0.1`.
    pub kind_version: KindVersion,
    /// When the log took the entry, in Unix seconds.
    #[serde(deserialize_with = "int64")]
    pub integrated_time: i64,
    /// The signed entry timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    /// The Merkle inclusion proof and the checkpoint it ends in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// The entry's body as the log holds it (canonical JSON).
    #[serde(with = "b64")]
    pub canonicalized_body: Vec<u8>,
}

/// A log's ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    /// SHA-256 of the log's DER public key.
    #[serde(with = "b64")]
    pub key_id: Vec<u8>,
}

/// An entry's kind and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindVersion {
    /// e.g. `hashedrekord`, `dsse`, `intoto`.
    pub kind: String,
    /// e.g. `0.0.1`.
    pub version: String,
}

/// A signed entry timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    /// The log's signature over the entry (see `rekor::set_message`).
    #[serde(with = "b64")]
    pub signed_entry_timestamp: Vec<u8>,
}

/// A Merkle inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// The entry's index in the tree.
    #[serde(deserialize_with = "int64")]
    pub log_index: i64,
    /// The tree's root hash.
    #[serde(with = "b64")]
    pub root_hash: Vec<u8>,
    /// The tree's size.
    #[serde(deserialize_with = "int64")]
    pub tree_size: i64,
    /// The audit path, leaf to root.
    #[serde(default, with = "b64_list")]
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint (a signed note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
}

/// A signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The signed note's text.
    pub envelope: String,
}

/// What went wrong reading a bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not bundle JSON.
    #[error("not a Sigstore bundle: {0}")]
    Malformed(String),
    /// A version strata does not read.
    #[error("unsupported Sigstore bundle media type {0:?}; strata reads v0.1 to v0.3")]
    Version(String),
    /// Neither a message signature nor a DSSE envelope.
    #[error("the bundle holds no signature (neither messageSignature nor dsseEnvelope)")]
    NoSignature,
}

impl Bundle {
    /// Reads a bundle from its JSON bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Bundle, BundleError> {
        if bytes.len() > MAX_BUNDLE {
            return Err(BundleError::Malformed(format!(
                "{} bytes, more than the {MAX_BUNDLE} a bundle may have",
                bytes.len()
            )));
        }
        let bundle: Bundle =
            serde_json::from_slice(bytes).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if !BUNDLE_MEDIA_TYPES.contains(&bundle.media_type.as_str()) {
            return Err(BundleError::Version(bundle.media_type));
        }
        if bundle.message_signature.is_none() && bundle.dsse_envelope.is_none() {
            return Err(BundleError::NoSignature);
        }
        Ok(bundle)
    }

    /// The signing certificate then its issuers (DER), if keyless.
    pub fn certificates(&self) -> Vec<&[u8]> {
        let m = &self.verification_material;
        if let Some(c) = &m.certificate {
            return vec![c.raw_bytes.as_slice()];
        }
        m.x509_certificate_chain
            .as_ref()
            .map(|c| {
                c.certificates
                    .iter()
                    .map(|r| r.raw_bytes.as_slice())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The signature bytes: the message signature's, or the DSSE envelope's first.
    pub fn signature(&self) -> Option<&[u8]> {
        if let Some(m) = &self.message_signature {
            return Some(&m.signature);
        }
        self.dsse_envelope
            .as_ref()
            .and_then(|e| e.signatures.first())
            .map(|s| s.sig.as_slice())
    }
}

fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        N(i64),
        S(String),
    }
    match Int::deserialize(d)? {
        Int::N(n) => Ok(n),
        Int::S(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

/// Base64 (standard alphabet) bytes in JSON.
pub(crate) mod b64 {
    use super::{Engine, STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::decode_b64(&text).map_err(serde::de::Error::custom)
    }
}

mod b64_list {
    use super::{Engine, STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|b| STANDARD.encode(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| super::decode_b64(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Base64 in either alphabet, padded or not.
pub fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = text.trim().trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .map_err(|e| format!("bad base64: {e}"))
}
