//! `GET /api/v1/version`.

use serde::{Deserialize, Serialize};

/// What `GET /api/v1/version` answers: which strata is serving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Always `strata`.
    pub name: String,
    /// The proxy's crate version, e.g. `0.1.0`.
    pub version: String,
    /// The OCI distribution API version the `/v2` surface speaks.
    pub api_version: String,
}

impl VersionInfo {
    /// The version record for a proxy built from `version`.
    pub fn new(version: &str) -> Self {
        Self {
            name: "strata".to_owned(),
            version: version.to_owned(),
            api_version: "registry/2.0".to_owned(),
        }
    }
}
