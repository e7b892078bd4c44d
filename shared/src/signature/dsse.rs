//! DSSE envelopes and the in-toto statements they carry.
//!
//! A DSSE signature signs the pre-authentication encoding ([`pae`]) of the
//! payload type and payload, never the payload alone, so a signature for
//! one type cannot be replayed as another.

use serde::{Deserialize, Serialize};

use super::bundle::b64;

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The payload, base64 in JSON.
    #[serde(with = "b64")]
    pub payload: Vec<u8>,
    /// What the payload is.
    pub payload_type: String,
    /// The signatures.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signature over [`pae`].
    #[serde(with = "b64")]
    pub sig: Vec<u8>,
    /// The key's ID, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
}

/// DSSE's pre-authentication encoding: what a signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// An in-toto statement (v0.1 or v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// `https://in-toto.io/Statement/v0.1` or `/v1`.
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    pub subject: Vec<Subject>,
    /// e.g. `https://slsa.dev/provenance/v1`.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// A statement's subject: a name and its digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// e.g. the image's repository.
    #[serde(default)]
    pub name: String,
    /// Algorithm → hex digest.
    #[serde(default)]
    pub digest: std::collections::BTreeMap<String, String>,
}

impl Statement {
    /// Reads a statement from a DSSE payload.
    pub fn from_slice(bytes: &[u8]) -> Result<Statement, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an in-toto statement: {e}"))
    }

    /// Whether a subject has the digest `sha256:<hex>`.
    pub fn names(&self, digest: &crate::digest::Digest) -> bool {
        let algorithm = digest.algorithm().to_string();
        self.subject
            .iter()
            .any(|s| s.digest.get(&algorithm).map(String::as_str) == Some(digest.encoded()))
    }

    /// The subjects' digests, for a failure message.
    pub fn subject_digests(&self) -> String {
        let all: Vec<String> = self
            .subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(a, h)| format!("{a}:{h}")))
            .collect();
        if all.is_empty() {
            "no subject".into()
        } else {
            all.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn pae_is_the_spec_example() {
        // The example in the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }
}
