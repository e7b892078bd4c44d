//! cosign's payload for an image signature ("simple signing"): what the
//! signature says it signs.
//!
//! ```json
//! {"critical": {"identity": {"docker-reference": "host/repo"},
//!               "image": {"docker-manifest-digest": "sha256:…"},
//!               "type": "cosign container image signature"},
//!  "optional": {…}}
//! ```

use serde::Deserialize;

use crate::digest::Digest;

/// The media type of a simple-signing payload layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// The largest payload read.
pub const MAX_PAYLOAD: u64 = 1 << 20;

/// A simple-signing payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleSigning {
    /// The repository the signer named.
    pub docker_reference: String,
    /// The manifest digest signed.
    pub manifest_digest: String,
    /// The `optional` annotations, as text pairs.
    pub optional: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Raw {
    critical: Critical,
    #[serde(default)]
    optional: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference", default)]
    docker_reference: String,
}

#[derive(Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

impl SimpleSigning {
    /// Reads a payload.
    pub fn from_slice(bytes: &[u8]) -> Result<SimpleSigning, String> {
        let raw: Raw = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a cosign simple-signing payload: {e}"))?;
        if raw.critical.kind != "cosign container image signature"
            && raw.critical.kind != "atomic container signature"
        {
            return Err(format!(
                "the payload's type is {:?}, not a container image signature",
                raw.critical.kind
            ));
        }
        let optional = raw
            .optional
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k, text)
            })
            .collect();
        Ok(SimpleSigning {
            docker_reference: raw.critical.identity.docker_reference,
            manifest_digest: raw.critical.image.docker_manifest_digest,
            optional,
        })
    }

    /// Whether it signs `digest`.
    pub fn signs(&self, digest: &Digest) -> bool {
        self.manifest_digest == digest.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_cosign_payload_names_its_digest() {
        let digest = Digest::sha256_of(b"manifest");
        let payload = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r.example/app"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":{{"creator":"ci"}}}}"#
        );
        let parsed = SimpleSigning::from_slice(payload.as_bytes()).expect("payload");
        assert!(parsed.signs(&digest));
        assert!(!parsed.signs(&Digest::sha256_of(b"other")));
        assert_eq!(parsed.optional, vec![("creator".into(), "ci".into())]);
        assert!(SimpleSigning::from_slice(b"{}").is_err());
    }
}
