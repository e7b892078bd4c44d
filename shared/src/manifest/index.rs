//! Image indexes: OCI `application/vnd.oci.image.index.v1+json` and Docker
//! manifest lists `application/vnd.docker.distribution.manifest.list.v2+json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Descriptor;
use crate::media_type::MediaType;
use crate::platform::{self, NoMatchingPlatform, Platform};

/// A list of manifests, usually one per platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageIndex {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// The index's own media type.
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// The artifact's type, for artifacts stored as indexes.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<MediaType>,
    /// The listed manifests (and attestation entries).
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Fields strata does not model, kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ImageIndex {
    /// The entry that best runs on `wanted` (see [`platform::select`]).
    pub fn manifest_for(&self, wanted: &Platform) -> Result<&Descriptor, NoMatchingPlatform> {
        platform::select(wanted, &self.manifests)
    }

    /// The platforms of the runnable entries, in index order (attestation
    /// and `unknown/unknown` entries left out).
    pub fn platforms(&self) -> Vec<&Platform> {
        self.manifests
            .iter()
            .filter(|d| !d.is_attestation())
            .filter_map(|d| d.platform.as_ref())
            .collect()
    }
}
