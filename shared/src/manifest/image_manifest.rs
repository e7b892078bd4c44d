//! Image manifests: OCI `application/vnd.oci.image.manifest.v1+json` and
//! Docker schema2 `application/vnd.docker.distribution.manifest.v2+json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Descriptor;
use crate::media_type::MediaType;

/// An image (or artifact) manifest: one config and a list of layers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageManifest {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// The manifest's own media type. Docker always writes it; OCI makes it
    /// optional.
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// The artifact's type, for artifacts stored as manifests.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<MediaType>,
    /// The image config blob.
    pub config: Descriptor,
    /// The layers, base first.
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (signatures, SBOMs, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Fields strata does not model, kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ImageManifest {
    /// The sum of the layers' compressed sizes.
    pub fn layers_size(&self) -> u64 {
        self.layers
            .iter()
            .fold(0, |sum, l| sum.saturating_add(l.size))
    }
}
