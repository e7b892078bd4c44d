//! Descriptors, image manifests and indexes (OCI and Docker schema2).
//!
//! [`Manifest::from_slice`] reads the bytes a registry returned for a
//! manifest request and decides what they are, in this order:
//!
//! 1. Docker schema1 (by `Content-Type`, `mediaType` or `schemaVersion: 1`)
//!    is refused with [`SCHEMA1_UNSUPPORTED`].
//! 2. `schemaVersion` must be 2.
//! 3. The document's own `mediaType` decides index or image manifest; when
//!    it is absent, a manifest-kind `Content-Type` decides; when both are
//!    absent, the shape does (`manifests` → index, `config`/`layers` →
//!    image manifest). A `Content-Type` that is not a manifest kind
//!    (`application/json`, `application/octet-stream`) is ignored, since
//!    some registries send those. A `Content-Type` and a `mediaType` of
//!    different kinds (index vs image manifest) are an error.
//!
//! Parsed types keep unknown fields (`extra`) so they serialise back to the
//! same JSON value, but never to the same bytes: digests are always taken
//! over the bytes as received, never over a re-serialisation.

mod descriptor;
mod image_manifest;
mod index;
mod referrers;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub use descriptor::Descriptor;
pub use image_manifest::ImageManifest;
pub use index::ImageIndex;
pub use referrers::{filter_referrers, no_referrers, referrers_tag};

use crate::digest::cut;
use crate::media_type::{MediaType, SCHEMA1_UNSUPPORTED};

/// Why bytes are not a manifest strata can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The bytes are not JSON.
    #[error("manifest is not valid JSON: {message}")]
    InvalidJson {
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// Valid JSON, but not an object.
    #[error("manifest is not a JSON object")]
    NotAnObject,
    /// A Docker schema1 manifest.
    #[error("{SCHEMA1_UNSUPPORTED}")]
    Schema1,
    /// A `schemaVersion` other than 2.
    #[error("unsupported manifest schemaVersion {version} (expected 2)")]
    UnsupportedSchemaVersion {
        /// The value found, as JSON (cut to 80 characters).
        version: String,
    },
    /// A `mediaType` that is neither an image manifest nor an index.
    #[error(
        "unsupported manifest media type {media_type:?}: expected an OCI or Docker schema2 image manifest or index"
    )]
    UnsupportedMediaType {
        /// The document's `mediaType`.
        media_type: MediaType,
    },
    /// `Content-Type` and `mediaType` name different kinds.
    #[error(
        "the registry sent Content-Type {content_type} but the manifest says mediaType {media_type}"
    )]
    KindConflict {
        /// The response's `Content-Type`.
        content_type: MediaType,
        /// The document's `mediaType`.
        media_type: MediaType,
    },
    /// No `mediaType`, and neither the shape of an index nor of a manifest.
    #[error(
        "unrecognised manifest: no mediaType, and neither \"manifests\" (an index) nor \"config\" and \"layers\" (an image manifest)"
    )]
    UnknownShape,
    /// No `mediaType`, and the shape of both an index and a manifest.
    #[error(
        "ambiguous manifest: no mediaType, and it has both \"manifests\" (an index) and \"config\" or \"layers\" (an image manifest)"
    )]
    Ambiguous,
    /// The right kind, but a field is missing or malformed.
    #[error("invalid {kind}: {message}")]
    Invalid {
        /// `image manifest` or `image index`.
        kind: &'static str,
        /// What is wrong, from the JSON decoder.
        message: String,
    },
}

/// An image manifest or an index, as a registry returns for a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// One image (or artifact): a config and layers. (Both variants are
    /// boxed: the structs hold whole descriptors and are large.)
    Image(Box<ImageManifest>),
    /// A list of manifests, usually one per platform.
    Index(Box<ImageIndex>),
}

#[derive(Clone, Copy)]
enum Kind {
    Image,
    Index,
}

impl Manifest {
    /// Parses manifest bytes, given the response's `Content-Type` if any.
    /// See the module doc for how the kind is decided.
    pub fn from_slice(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest, ManifestError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::InvalidJson {
                message: e.to_string(),
            })?;
        Manifest::from_value(value, content_type)
    }

    /// Like [`Manifest::from_slice`], for a document already decoded.
    pub fn from_value(value: Value, content_type: Option<&str>) -> Result<Manifest, ManifestError> {
        let Value::Object(object) = &value else {
            return Err(ManifestError::NotAnObject);
        };
        let content_type = content_type
            .map(MediaType::parse)
            .filter(|m| m.is_index() || m.is_manifest() || m.is_schema1());
        let media_type = object
            .get("mediaType")
            .and_then(Value::as_str)
            .map(MediaType::parse);
        let version = object.get("schemaVersion");

        let schema1 = content_type.as_ref().is_some_and(MediaType::is_schema1)
            || media_type.as_ref().is_some_and(MediaType::is_schema1)
            || version.and_then(Value::as_u64) == Some(1)
            || object.contains_key("fsLayers");
        if schema1 {
            return Err(ManifestError::Schema1);
        }
        if let Some(version) = version
            && version.as_u64() != Some(2)
        {
            return Err(ManifestError::UnsupportedSchemaVersion {
                version: cut(&version.to_string()),
            });
        }

        let kind = match (media_type, content_type) {
            (Some(media_type), content_type) => {
                let kind =
                    kind_of(&media_type).ok_or_else(|| ManifestError::UnsupportedMediaType {
                        media_type: media_type.clone(),
                    })?;
                if let Some(content_type) = content_type
                    && content_type.is_index() != media_type.is_index()
                {
                    return Err(ManifestError::KindConflict {
                        content_type,
                        media_type,
                    });
                }
                kind
            }
            (None, Some(content_type)) => {
                kind_of(&content_type).ok_or(ManifestError::UnknownShape)?
            }
            (None, None) => {
                let index = object.contains_key("manifests");
                let image = object.contains_key("config") || object.contains_key("layers");
                match (index, image) {
                    (true, false) => Kind::Index,
                    (false, true) => Kind::Image,
                    (true, true) => return Err(ManifestError::Ambiguous),
                    (false, false) => return Err(ManifestError::UnknownShape),
                }
            }
        };

        let invalid = |kind: &'static str| {
            move |e: serde_json::Error| ManifestError::Invalid {
                kind,
                message: e.to_string(),
            }
        };
        match kind {
            Kind::Image => serde_json::from_value(value)
                .map(|m| Manifest::Image(Box::new(m)))
                .map_err(invalid("image manifest")),
            Kind::Index => serde_json::from_value(value)
                .map(|i| Manifest::Index(Box::new(i)))
                .map_err(invalid("image index")),
        }
    }

    /// The manifest's declared `mediaType`, or the OCI type of its kind when
    /// it declares none.
    pub fn media_type(&self) -> MediaType {
        let (declared, default) = match self {
            Manifest::Image(m) => (&m.media_type, MediaType::OciManifest),
            Manifest::Index(i) => (&i.media_type, MediaType::OciIndex),
        };
        declared.clone().unwrap_or(default)
    }

    /// The image manifest, if this is one.
    pub fn as_image(&self) -> Option<&ImageManifest> {
        match self {
            Manifest::Image(m) => Some(m),
            Manifest::Index(_) => None,
        }
    }

    /// The index, if this is one.
    pub fn as_index(&self) -> Option<&ImageIndex> {
        match self {
            Manifest::Index(i) => Some(i),
            Manifest::Image(_) => None,
        }
    }

    /// The manifest this one refers to (`subject`).
    pub fn subject(&self) -> Option<&Descriptor> {
        match self {
            Manifest::Image(m) => m.subject.as_ref(),
            Manifest::Index(i) => i.subject.as_ref(),
        }
    }

    /// The `artifactType`, if any.
    pub fn artifact_type(&self) -> Option<&MediaType> {
        match self {
            Manifest::Image(m) => m.artifact_type.as_ref(),
            Manifest::Index(i) => i.artifact_type.as_ref(),
        }
    }

    /// The annotations.
    pub fn annotations(&self) -> &BTreeMap<String, String> {
        match self {
            Manifest::Image(m) => &m.annotations,
            Manifest::Index(i) => &i.annotations,
        }
    }

    /// Every descriptor this manifest points at: config then layers, or
    /// the index entries; then the subject.
    pub fn descriptors(&self) -> Vec<&Descriptor> {
        let mut out: Vec<&Descriptor> = match self {
            Manifest::Image(m) => std::iter::once(&m.config).chain(&m.layers).collect(),
            Manifest::Index(i) => i.manifests.iter().collect(),
        };
        out.extend(self.subject());
        out
    }
}

fn kind_of(media_type: &MediaType) -> Option<Kind> {
    if media_type.is_index() {
        Some(Kind::Index)
    } else if media_type.is_manifest() {
        Some(Kind::Image)
    } else {
        None
    }
}

impl Serialize for Manifest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Manifest::Image(m) => m.serialize(serializer),
            Manifest::Index(i) => i.serialize(serializer),
        }
    }
}

/// Decodes like [`Manifest::from_value`] with no `Content-Type`.
impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Manifest::from_value(value, None).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
