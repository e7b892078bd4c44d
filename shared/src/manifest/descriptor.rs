//! Content descriptors: what a manifest or index says about a blob.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::media_type::MediaType;
use crate::platform::Platform;

/// Points at content by digest: a config, a layer, or (in an index) a
/// manifest. JSON field names are the OCI ones (`mediaType`, `artifactType`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// What the content is.
    #[serde(rename = "mediaType")]
    pub media_type: MediaType,
    /// The digest of the content's bytes.
    pub digest: Digest,
    /// The content's length in bytes.
    pub size: u64,
    /// Where else the content can be fetched (foreign layers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The platform an index entry runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The artifact's type, when the content is an artifact manifest.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<MediaType>,
    /// Fields strata does not model (such as `data`), kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Descriptor {
    /// A descriptor with only the three required fields.
    pub fn new(media_type: MediaType, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type,
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
            extra: BTreeMap::new(),
        }
    }

    /// An index entry that is not an image to run: BuildKit's attestation
    /// manifests, annotated `vnd.docker.reference.type: attestation-manifest`
    /// and given the platform `unknown/unknown`.
    pub fn is_attestation(&self) -> bool {
        self.annotations
            .get(REFERENCE_TYPE)
            .is_some_and(|t| t == "attestation-manifest")
            || self.platform.as_ref().is_some_and(Platform::is_unknown)
    }
}

/// The annotation BuildKit puts on attestation entries of an index.
const REFERENCE_TYPE: &str = "vnd.docker.reference.type";

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const LAYER: &str = r#"{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"sha256:3889bb8d808bbae6fa5a33e07093e65c31371bcf9e4c38c21be6b9af52ad1548","size":1718332879,"urls":["https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:3889bb8d808bbae6fa5a33e07093e65c31371bcf9e4c38c21be6b9af52ad1548"],"data":"e30="}"#;

    #[test]
    fn parses_and_roundtrips() {
        let d: Descriptor = serde_json::from_str(LAYER).unwrap();
        assert_eq!(d.media_type, MediaType::DockerForeignLayerGzip);
        assert_eq!(d.size, 1_718_332_879);
        assert_eq!(d.urls.len(), 1);
        assert_eq!(d.extra.get("data"), Some(&serde_json::json!("e30=")));
        let back: serde_json::Value = serde_json::to_value(&d).unwrap();
        let orig: serde_json::Value = serde_json::from_str(LAYER).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn rejects_bad_descriptors() {
        let digest = "sha256:3889bb8d808bbae6fa5a33e07093e65c31371bcf9e4c38c21be6b9af52ad1548";
        #[rustfmt::skip]
        let cases = [
            (format!(r#"{{"digest":"{digest}","size":1}}"#), "missing field `mediaType`"),
            (r#"{"mediaType":"x","size":1}"#.to_owned(), "missing field `digest`"),
            (format!(r#"{{"mediaType":"x","digest":"{digest}"}}"#), "missing field `size`"),
            (format!(r#"{{"mediaType":"x","digest":"{digest}","size":-1}}"#), "invalid value"),
            (r#"{"mediaType":"x","digest":"sha256:abc","size":1}"#.to_owned(), "expected 64 hex"),
        ];
        for (json, message) in cases {
            let err = serde_json::from_str::<Descriptor>(&json)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(message), "{json}: {err}");
        }
    }
}
