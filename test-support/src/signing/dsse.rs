//! DSSE envelopes (Dead Simple Signing Envelope v1): the pre-authentication
//! encoding and envelopes signed by a test key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The payload type of in-toto statements.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// `PAE(type, body)`: `DSSEv1 <len(type)> <type> <len(body)> <body>`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope with one signature.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The payload type.
    pub payload_type: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The signature over [`pae`] of the two.
    pub signature: Vec<u8>,
    /// The key ID written next to the signature (often empty).
    pub keyid: String,
}

impl Envelope {
    /// Signs `payload` of `payload_type` with `sign` (a signer of raw bytes).
    pub fn sign(
        payload_type: &str,
        payload: &[u8],
        keyid: &str,
        sign: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> Self {
        Self {
            payload_type: payload_type.to_owned(),
            payload: payload.to_vec(),
            signature: sign(&pae(payload_type, payload)),
            keyid: keyid.to_owned(),
        }
    }

    /// The envelope as JSON (`payload`, `payloadType`, `signatures`).
    pub fn json(&self) -> Value {
        json!({
            "payload": STANDARD.encode(&self.payload),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": self.keyid, "sig": STANDARD.encode(&self.signature)}],
        })
    }

    /// The envelope JSON, compact.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.json()).expect("JSON values always serialize")
    }
}
