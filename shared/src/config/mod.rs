//! The image config: the JSON blob a manifest's `config` descriptor names
//! (`application/vnd.oci.image.config.v1+json` or
//! `application/vnd.docker.container.image.v1+json`).
//!
//! Field names are the ones images carry: lowercase at the top level
//! (`created`, `rootfs`, `history`), Docker's capitalised names inside
//! `config` (`Env`, `Cmd`, `ExposedPorts`, …). Times are RFC 3339 with any
//! number of fractional digits (Docker writes nanoseconds); `null` reads as
//! absent, since Docker writes `"Entrypoint": null` and `"Labels": null`.
//! Fields strata does not model (`container_config`, `docker_version`, …)
//! are kept in `extra` and serialised back.

mod runtime;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

pub use runtime::{Healthcheck, RuntimeConfig};

use crate::digest::Digest;
use crate::platform::Platform;

/// An image config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// When the image was built.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<OffsetDateTime>,
    /// Who built it (Dockerfile `MAINTAINER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// CPU architecture (`amd64`). Empty if the config omits it.
    #[serde(default)]
    pub architecture: String,
    /// Operating system (`linux`). Empty if the config omits it.
    #[serde(default)]
    pub os: String,
    /// Operating system version (Windows).
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// Required OS features (Windows).
    #[serde(
        rename = "os.features",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub os_features: Vec<String>,
    /// CPU variant (`v8`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// How a container of this image runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RuntimeConfig>,
    /// The layers' uncompressed digests.
    pub rootfs: RootFs,
    /// One entry per build step, oldest first.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub history: Vec<History>,
    /// Fields strata does not model, kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The config's `rootfs`: the uncompressed layers, as diff IDs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type")]
    pub fs_type: String,
    /// The sha256 of each layer's uncompressed tar, base first (Docker's
    /// `RootFS.Layers`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub diff_ids: Vec<Digest>,
}

/// One build step, as `docker history` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// When the step ran.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<OffsetDateTime>,
    /// The command (`/bin/sh -c #(nop)  CMD ["redis-server"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// A comment (`buildkit.dockerfile.v0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The step changed only metadata and made no layer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Why bytes are not an image config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The bytes are not JSON.
    #[error("image config is not valid JSON: {message}")]
    InvalidJson {
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// JSON, but a field is missing or malformed.
    #[error("invalid image config: {message}")]
    Invalid {
        /// What is wrong, with line and column.
        message: String,
    },
}

impl ImageConfig {
    /// Parses a config blob.
    pub fn from_slice(bytes: &[u8]) -> Result<ImageConfig, ConfigError> {
        serde_json::from_slice(bytes).map_err(|e| {
            let message = e.to_string();
            match e.classify() {
                serde_json::error::Category::Data => ConfigError::Invalid { message },
                _ => ConfigError::InvalidJson { message },
            }
        })
    }

    /// The platform the image was built for.
    pub fn platform(&self) -> Platform {
        Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
            variant: self.variant.clone(),
        }
    }

    /// Each history entry with the diff ID of the layer it made (`None` for
    /// empty layers), in build order. Non-empty entries take the diff IDs in
    /// order; entries past the last diff ID get `None`.
    pub fn layer_history(&self) -> Vec<(&History, Option<&Digest>)> {
        let mut diff_ids = self.rootfs.diff_ids.iter();
        self.history
            .iter()
            .map(|h| (h, if h.empty_layer { None } else { diff_ids.next() }))
            .collect()
    }
}

/// Reads `null` as the type's default (Docker writes `null` for empty lists
/// and maps).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
