//! OCI and Docker media types.
//!
//! A [`MediaType`] is parsed from a `mediaType` field or a `Content-Type`
//! header. Known types compare by their essence: parameters after `;` are
//! dropped, surrounding whitespace is trimmed and case is ignored (RFC 6838
//! names are case-insensitive). Anything else is kept exactly as given in
//! [`MediaType::Other`], so it serialises back unchanged.
//!
//! Docker schema1 (`application/vnd.docker.distribution.manifest.v1+json`
//! and `+prettyjws`) is recognised so that parsing a manifest can reject it
//! with a clear message ([`SCHEMA1_UNSUPPORTED`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why schema1 manifests are refused, for every error that meets one.
pub const SCHEMA1_UNSUPPORTED: &str =
    "schema1 manifests are deprecated and not supported; re-push the image with a current client";

/// The `Accept` header a client sends when fetching a manifest: indexes and
/// image manifests, OCI and Docker schema2. Schema1 is left out on purpose.
pub const MANIFEST_ACCEPT: &str = concat!(
    "application/vnd.oci.image.index.v1+json, ",
    "application/vnd.docker.distribution.manifest.list.v2+json, ",
    "application/vnd.oci.image.manifest.v1+json, ",
    "application/vnd.docker.distribution.manifest.v2+json",
);

/// How a layer's bytes are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain tar (or not a layer at all).
    None,
    /// gzip (RFC 1952).
    Gzip,
    /// Zstandard (RFC 8878).
    Zstd,
}

impl Compression {
    /// How bytes starting with `magic` (a blob's first four bytes, or
    /// fewer if it is shorter) are compressed: the gzip or zstd magic
    /// number, else [`Compression::None`].
    pub fn sniff(magic: &[u8]) -> Compression {
        match magic {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// A media type, typed where strata knows what it means.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `application/vnd.oci.image.manifest.v1+json`
    OciManifest,
    /// `application/vnd.oci.image.index.v1+json`
    OciIndex,
    /// `application/vnd.oci.image.config.v1+json`
    OciConfig,
    /// `application/vnd.oci.empty.v1+json`, the `{}` blob of artifacts.
    OciEmpty,
    /// `application/vnd.oci.image.layer.v1.tar`
    OciLayer,
    /// `application/vnd.oci.image.layer.v1.tar+gzip`
    OciLayerGzip,
    /// `application/vnd.oci.image.layer.v1.tar+zstd`
    OciLayerZstd,
    /// `application/vnd.oci.image.layer.nondistributable.v1.tar`
    OciLayerNonDistributable,
    /// `application/vnd.oci.image.layer.nondistributable.v1.tar+gzip`
    OciLayerNonDistributableGzip,
    /// `application/vnd.oci.image.layer.nondistributable.v1.tar+zstd`
    OciLayerNonDistributableZstd,
    /// `application/vnd.docker.distribution.manifest.v2+json` (schema2)
    DockerManifest,
    /// `application/vnd.docker.distribution.manifest.list.v2+json`
    DockerManifestList,
    /// `application/vnd.docker.container.image.v1+json`
    DockerConfig,
    /// `application/vnd.docker.image.rootfs.diff.tar`
    DockerLayer,
    /// `application/vnd.docker.image.rootfs.diff.tar.gzip`
    DockerLayerGzip,
    /// `application/vnd.docker.image.rootfs.foreign.diff.tar.gzip`
    /// (Windows base layers fetched from `urls`).
    DockerForeignLayerGzip,
    /// `application/vnd.docker.distribution.manifest.v1+json`: recognised,
    /// never supported.
    DockerSchema1Manifest,
    /// `application/vnd.docker.distribution.manifest.v1+prettyjws`:
    /// recognised, never supported.
    DockerSchema1SignedManifest,
    /// Any other media type, kept exactly as given.
    Other(String),
}

/// Every known type with its canonical string, in one table.
const KNOWN: &[(MediaType, &str)] = &[
    (
        MediaType::OciManifest,
        "application/vnd.oci.image.manifest.v1+json",
    ),
    (
        MediaType::OciIndex,
        "application/vnd.oci.image.index.v1+json",
    ),
    (
        MediaType::OciConfig,
        "application/vnd.oci.image.config.v1+json",
    ),
    (MediaType::OciEmpty, "application/vnd.oci.empty.v1+json"),
    (
        MediaType::OciLayer,
        "application/vnd.oci.image.layer.v1.tar",
    ),
    (
        MediaType::OciLayerGzip,
        "application/vnd.oci.image.layer.v1.tar+gzip",
    ),
    (
        MediaType::OciLayerZstd,
        "application/vnd.oci.image.layer.v1.tar+zstd",
    ),
    (
        MediaType::OciLayerNonDistributable,
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
    ),
    (
        MediaType::OciLayerNonDistributableGzip,
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    ),
    (
        MediaType::OciLayerNonDistributableZstd,
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ),
    (
        MediaType::DockerManifest,
        "application/vnd.docker.distribution.manifest.v2+json",
    ),
    (
        MediaType::DockerManifestList,
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ),
    (
        MediaType::DockerConfig,
        "application/vnd.docker.container.image.v1+json",
    ),
    (
        MediaType::DockerLayer,
        "application/vnd.docker.image.rootfs.diff.tar",
    ),
    (
        MediaType::DockerLayerGzip,
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ),
    (
        MediaType::DockerForeignLayerGzip,
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ),
    (
        MediaType::DockerSchema1Manifest,
        "application/vnd.docker.distribution.manifest.v1+json",
    ),
    (
        MediaType::DockerSchema1SignedManifest,
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    ),
];

impl MediaType {
    /// Parses a `mediaType` value or a `Content-Type` header. Never fails:
    /// unknown types become [`MediaType::Other`] with the input unchanged.
    pub fn parse(s: &str) -> MediaType {
        let essence = s.split(';').next().unwrap_or_default().trim();
        KNOWN
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(essence))
            .map(|(known, _)| known.clone())
            .unwrap_or_else(|| MediaType::Other(s.to_owned()))
    }

    /// The media type string.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::Other(s) => s,
            known => KNOWN
                .iter()
                .find(|(k, _)| k == known)
                .map(|(_, name)| *name)
                .unwrap_or_default(),
        }
    }

    /// An OCI index or a Docker manifest list.
    pub fn is_index(&self) -> bool {
        matches!(self, MediaType::OciIndex | MediaType::DockerManifestList)
    }

    /// An OCI image manifest or a Docker schema2 manifest (not schema1).
    pub fn is_manifest(&self) -> bool {
        matches!(self, MediaType::OciManifest | MediaType::DockerManifest)
    }

    /// Docker schema1, signed or not.
    pub fn is_schema1(&self) -> bool {
        matches!(
            self,
            MediaType::DockerSchema1Manifest | MediaType::DockerSchema1SignedManifest
        )
    }

    /// An image config (OCI or Docker).
    pub fn is_config(&self) -> bool {
        matches!(self, MediaType::OciConfig | MediaType::DockerConfig)
    }

    /// A filesystem layer: a tar, compressed or not, distributable or not.
    pub fn is_layer(&self) -> bool {
        matches!(
            self,
            MediaType::OciLayer
                | MediaType::OciLayerGzip
                | MediaType::OciLayerZstd
                | MediaType::OciLayerNonDistributable
                | MediaType::OciLayerNonDistributableGzip
                | MediaType::OciLayerNonDistributableZstd
                | MediaType::DockerLayer
                | MediaType::DockerLayerGzip
                | MediaType::DockerForeignLayerGzip
        )
    }

    /// A layer that registries may refuse to host; its blob is usually
    /// fetched from the descriptor's `urls` instead.
    pub fn is_foreign(&self) -> bool {
        matches!(
            self,
            MediaType::OciLayerNonDistributable
                | MediaType::OciLayerNonDistributableGzip
                | MediaType::OciLayerNonDistributableZstd
                | MediaType::DockerForeignLayerGzip
        )
    }

    /// How the blob is compressed. Unknown types ending in `+gzip` or
    /// `+zstd` (artifact layers, say) count as compressed that way.
    pub fn compression(&self) -> Compression {
        match self {
            MediaType::OciLayerGzip
            | MediaType::OciLayerNonDistributableGzip
            | MediaType::DockerLayerGzip
            | MediaType::DockerForeignLayerGzip => Compression::Gzip,
            MediaType::OciLayerZstd | MediaType::OciLayerNonDistributableZstd => Compression::Zstd,
            MediaType::Other(s) => {
                let essence = s.split(';').next().unwrap_or_default().trim();
                let lower = essence.to_ascii_lowercase();
                if lower.ends_with("+gzip") || lower.ends_with(".tar.gzip") {
                    Compression::Gzip
                } else if lower.ends_with("+zstd") {
                    Compression::Zstd
                } else {
                    Compression::None
                }
            }
            _ => Compression::None,
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MediaType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(MediaType::parse(s))
    }
}

impl From<&str> for MediaType {
    fn from(s: &str) -> Self {
        MediaType::parse(s)
    }
}

impl Serialize for MediaType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MediaType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(MediaType::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn compression_is_sniffed_from_the_magic_number() {
        #[rustfmt::skip]
        let cases: [(&[u8], Compression); 7] = [
            (&[0x1f, 0x8b, 0x08, 0x00], Compression::Gzip),
            (&[0x1f, 0x8b], Compression::Gzip),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
            (&[0x28, 0xb5, 0x2f], Compression::None),
            (b"etc/", Compression::None),
            (&[0x1f], Compression::None),
            (&[], Compression::None),
        ];
        for (magic, want) in cases {
            assert_eq!(Compression::sniff(magic), want, "{magic:?}");
        }
    }

    #[test]
    fn every_known_type_roundtrips() {
        for (known, name) in KNOWN {
            assert_eq!(MediaType::parse(name), *known, "{name}");
            assert_eq!(known.as_str(), *name);
            assert_eq!(known.to_string(), *name);
            let json = serde_json::to_string(known).unwrap();
            assert_eq!(serde_json::from_str::<MediaType>(&json).unwrap(), *known);
        }
    }

    #[test]
    fn parses_header_forms() {
        let other = |s: &str| MediaType::Other(s.to_owned());
        #[rustfmt::skip]
        let cases = [
            ("application/vnd.oci.image.index.v1+json", MediaType::OciIndex),
            ("application/vnd.oci.image.index.v1+json; charset=utf-8", MediaType::OciIndex),
            ("  APPLICATION/VND.DOCKER.DISTRIBUTION.MANIFEST.V2+JSON ", MediaType::DockerManifest),
            ("application/json", other("application/json")),
            ("", other("")),
            ("application/vnd.in-toto+json", other("application/vnd.in-toto+json")),
            ("Weird/Case; x=1", other("Weird/Case; x=1")),
        ];
        for (input, expected) in cases {
            assert_eq!(MediaType::parse(input), expected, "{input:?}");
            assert_eq!(input.parse::<MediaType>(), Ok(expected.clone()));
        }
        assert_eq!(
            MediaType::parse("Weird/Case; x=1").as_str(),
            "Weird/Case; x=1"
        );
    }

    #[test]
    fn classifies() {
        use Compression::*;
        use MediaType::*;
        // (type, is_index, is_manifest, is_config, is_layer, is_foreign, is_schema1, compression)
        let other = |s: &str| Other(s.to_owned());
        #[rustfmt::skip]
        let cases = [
            (OciManifest,                  false, true,  false, false, false, false, None),
            (DockerManifest,               false, true,  false, false, false, false, None),
            (OciIndex,                     true,  false, false, false, false, false, None),
            (DockerManifestList,           true,  false, false, false, false, false, None),
            (OciConfig,                    false, false, true,  false, false, false, None),
            (DockerConfig,                 false, false, true,  false, false, false, None),
            (OciEmpty,                     false, false, false, false, false, false, None),
            (OciLayer,                     false, false, false, true,  false, false, None),
            (OciLayerGzip,                 false, false, false, true,  false, false, Gzip),
            (OciLayerZstd,                 false, false, false, true,  false, false, Zstd),
            (OciLayerNonDistributable,     false, false, false, true,  true,  false, None),
            (OciLayerNonDistributableGzip, false, false, false, true,  true,  false, Gzip),
            (OciLayerNonDistributableZstd, false, false, false, true,  true,  false, Zstd),
            (DockerLayer,                  false, false, false, true,  false, false, None),
            (DockerLayerGzip,              false, false, false, true,  false, false, Gzip),
            (DockerForeignLayerGzip,       false, false, false, true,  true,  false, Gzip),
            (DockerSchema1Manifest,        false, false, false, false, false, true,  None),
            (DockerSchema1SignedManifest,  false, false, false, false, false, true,  None),
            (other("application/vnd.cncf.helm.chart.content.v1.tar+gzip"), false, false, false, false, false, false, Gzip),
            (other("application/x-thing+zstd"), false, false, false, false, false, false, Zstd),
            (other("application/json"),    false, false, false, false, false, false, None),
        ];
        for (mt, index, manifest, config, layer, foreign, schema1, compression) in cases {
            assert_eq!(mt.is_index(), index, "{mt}");
            assert_eq!(mt.is_manifest(), manifest, "{mt}");
            assert_eq!(mt.is_config(), config, "{mt}");
            assert_eq!(mt.is_layer(), layer, "{mt}");
            assert_eq!(mt.is_foreign(), foreign, "{mt}");
            assert_eq!(mt.is_schema1(), schema1, "{mt}");
            assert_eq!(mt.compression(), compression, "{mt}");
        }
    }

    #[test]
    fn accept_header_lists_every_manifest_kind_but_schema1() {
        let accepted: Vec<MediaType> = MANIFEST_ACCEPT.split(',').map(MediaType::parse).collect();
        for (known, _) in KNOWN {
            let wanted = known.is_index() || known.is_manifest();
            assert_eq!(accepted.contains(known), wanted, "{known}");
        }
        assert_eq!(accepted.len(), 4);
    }
}
