//! Parsing real-world-shaped manifests and indexes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::media_type::Compression;
use crate::platform::Platform;

const OCI_INDEX: &str = include_str!("testdata/oci-index-with-attestations.json");
const DOCKER_LIST: &str = include_str!("testdata/docker-manifest-list.json");
const SCHEMA2: &str = include_str!("testdata/docker-schema2-manifest.json");
const OCI_ZSTD: &str = include_str!("testdata/oci-manifest-zstd.json");
const SCHEMA1: &str = include_str!("testdata/docker-schema1-manifest.json");

const OCI_INDEX_CT: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST_CT: &str = "application/vnd.oci.image.manifest.v1+json";
const LIST_CT: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const SCHEMA2_CT: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn parse(json: &str, content_type: Option<&str>) -> Result<Manifest, ManifestError> {
    Manifest::from_slice(json.as_bytes(), content_type)
}

#[test]
fn decides_the_kind() {
    // (document, Content-Type, index?, media type)
    let cases = [
        (OCI_INDEX, Some(OCI_INDEX_CT), true, MediaType::OciIndex),
        (OCI_INDEX, None, true, MediaType::OciIndex),
        (
            OCI_INDEX,
            Some("application/json"),
            true,
            MediaType::OciIndex,
        ),
        (
            DOCKER_LIST,
            Some(LIST_CT),
            true,
            MediaType::DockerManifestList,
        ),
        (
            DOCKER_LIST,
            Some(OCI_INDEX_CT),
            true,
            MediaType::DockerManifestList,
        ),
        (SCHEMA2, Some(SCHEMA2_CT), false, MediaType::DockerManifest),
        (
            SCHEMA2,
            Some("application/octet-stream"),
            false,
            MediaType::DockerManifest,
        ),
        (
            OCI_ZSTD,
            Some(OCI_MANIFEST_CT),
            false,
            MediaType::OciManifest,
        ),
        (OCI_ZSTD, Some(SCHEMA2_CT), false, MediaType::OciManifest),
        // No mediaType in the document: the header decides, then the shape.
        (
            r#"{"schemaVersion":2,"manifests":[]}"#,
            None,
            true,
            MediaType::OciIndex,
        ),
        (
            r#"{"schemaVersion":2,"manifests":[]}"#,
            Some(LIST_CT),
            true,
            MediaType::OciIndex,
        ),
        (
            r#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44ba554e17977b31413d531e0aa4e02e87a7a38115d3be3b33c95f85fac2a4f7","size":2},"layers":[]}"#,
            None,
            false,
            MediaType::OciManifest,
        ),
    ];
    for (json, content_type, index, media_type) in cases {
        let m = parse(json, content_type).unwrap_or_else(|e| panic!("{content_type:?}: {e}"));
        assert_eq!(m.as_index().is_some(), index, "{content_type:?}");
        assert_eq!(m.as_image().is_some(), !index, "{content_type:?}");
        assert_eq!(m.media_type(), media_type, "{content_type:?}");
    }
}

#[test]
fn rejects_what_it_cannot_read() {
    use ManifestError::*;
    let digest = "sha256:44ba554e17977b31413d531e0aa4e02e87a7a38115d3be3b33c95f85fac2a4f7";
    let cases: Vec<(String, Option<&str>, ManifestError)> = vec![
        (SCHEMA1.into(), None, Schema1),
        (SCHEMA1.into(), Some("application/vnd.docker.distribution.manifest.v1+prettyjws"), Schema1),
        (OCI_INDEX.into(), Some("application/vnd.docker.distribution.manifest.v1+json"), Schema1),
        (r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+json"}"#.into(), None, Schema1),
        (r#"{"fsLayers":[]}"#.into(), None, Schema1),
        ("".into(), None, InvalidJson { message: "EOF while parsing a value at line 1 column 0".into() }),
        ("[]".into(), None, NotAnObject),
        ("null".into(), None, NotAnObject),
        (r#"{"schemaVersion":3,"manifests":[]}"#.into(), None, UnsupportedSchemaVersion { version: "3".into() }),
        (r#"{"schemaVersion":"2","manifests":[]}"#.into(), None, UnsupportedSchemaVersion { version: "\"2\"".into() }),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.config.v1+json"}"#.into(),
            None,
            UnsupportedMediaType { media_type: MediaType::OciConfig },
        ),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json"}"#.into(),
            None,
            UnsupportedMediaType { media_type: MediaType::Other("application/vnd.oci.artifact.manifest.v1+json".into()) },
        ),
        (
            OCI_INDEX.into(),
            Some(OCI_MANIFEST_CT),
            KindConflict { content_type: MediaType::OciManifest, media_type: MediaType::OciIndex },
        ),
        (
            SCHEMA2.into(),
            Some(LIST_CT),
            KindConflict { content_type: MediaType::DockerManifestList, media_type: MediaType::DockerManifest },
        ),
        (r#"{"schemaVersion":2}"#.into(), None, UnknownShape),
        (r#"{"schemaVersion":2,"manifests":[],"layers":[]}"#.into(), None, Ambiguous),
        (
            r#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.into(),
            None,
            Invalid { kind: "image index", message: "missing field `schemaVersion`".into() },
        ),
        (
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#.into(),
            None,
            Invalid { kind: "image manifest", message: "missing field `config`".into() },
        ),
        (
            format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{OCI_MANIFEST_CT}","digest":"{digest}"}}]}}"#),
            None,
            Invalid { kind: "image index", message: "missing field `size`".into() },
        ),
        (
            r#"{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:ABC","size":1}]}"#.into(),
            None,
            Invalid {
                kind: "image index",
                message: "invalid sha256 digest: 'A' at position 0 of the hex part is not lowercase hex [0-9a-f]".into(),
            },
        ),
    ];
    for (json, content_type, expected) in cases {
        assert_eq!(
            parse(&json, content_type),
            Err(expected),
            "{json} {content_type:?}"
        );
    }
}

#[test]
fn schema1_error_tells_the_user_what_to_do() {
    let err = parse(SCHEMA1, None)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "schema1 manifests are deprecated and not supported; re-push the image with a current client"
    );
}

#[test]
fn reads_an_oci_index_with_attestations() {
    let m = parse(OCI_INDEX, Some(OCI_INDEX_CT)).unwrap();
    let index = m.as_index().unwrap();
    assert_eq!(index.manifests.len(), 4);
    let platforms: Vec<String> = index.platforms().iter().map(|p| p.to_string()).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8"]);
    let attestations: Vec<bool> = index
        .manifests
        .iter()
        .map(Descriptor::is_attestation)
        .collect();
    assert_eq!(attestations, [false, true, false, true]);
    let cases = [
        (
            "linux/amd64",
            "sha256:18a549f7a09e210d1b0fea2c1e671bd4b07b04ca840e18054701ddc410fd661e",
        ),
        (
            "linux/arm64",
            "sha256:8e7bbfbd93d2603dd508963c49e0addba874e02446ef08d9bc36485b95677b0d",
        ),
        (
            "linux/aarch64/v8",
            "sha256:8e7bbfbd93d2603dd508963c49e0addba874e02446ef08d9bc36485b95677b0d",
        ),
    ];
    for (platform, digest) in cases {
        let wanted: Platform = platform.parse().unwrap();
        assert_eq!(
            index.manifest_for(&wanted).unwrap().digest.to_string(),
            digest,
            "{platform}"
        );
    }
    let wanted: Platform = "linux/arm/v7".parse().unwrap();
    assert!(index.manifest_for(&wanted).is_err());
    assert_eq!(
        index.manifests[0].annotations["org.opencontainers.image.version"],
        "7.2.4"
    );
}

#[test]
fn reads_a_docker_manifest_list() {
    let m = parse(DOCKER_LIST, Some(LIST_CT)).unwrap();
    let index = m.as_index().unwrap();
    let platforms: Vec<String> = index.platforms().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        platforms,
        [
            "linux/amd64",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm64/v8",
            "linux/386",
            "linux/ppc64le",
            "linux/s390x"
        ]
    );
    assert!(
        index
            .manifests
            .iter()
            .all(|d| d.media_type == MediaType::DockerManifest)
    );
    let wanted: Platform = "linux/armhf".parse().unwrap();
    assert_eq!(
        index.manifest_for(&wanted).unwrap().digest,
        index.manifests[2].digest
    );
    assert_eq!(m.descriptors().len(), 7);
}

#[test]
fn reads_a_schema2_manifest() {
    let m = parse(SCHEMA2, Some(SCHEMA2_CT)).unwrap();
    let image = m.as_image().unwrap();
    assert_eq!(image.schema_version, 2);
    assert_eq!(image.config.media_type, MediaType::DockerConfig);
    assert_eq!(image.config.size, 7111);
    assert_eq!(image.layers.len(), 6);
    assert!(
        image
            .layers
            .iter()
            .all(|l| l.media_type.compression() == Compression::Gzip)
    );
    assert_eq!(
        image.layers_size(),
        29_126_484 + 1079 + 1_206_876 + 10_936_592 + 98 + 576
    );
    assert_eq!(image.layers[0].digest.short(), "2804bad6fe94");
    assert_eq!(m.subject(), None);
    assert_eq!(m.descriptors().len(), 7);
}

#[test]
fn reads_an_oci_manifest_with_zstd_layers_and_a_subject() {
    let m = parse(OCI_ZSTD, None).unwrap();
    let image = m.as_image().unwrap();
    assert_eq!(image.config.media_type, MediaType::OciConfig);
    assert!(
        image
            .layers
            .iter()
            .all(|l| l.media_type.compression() == Compression::Zstd)
    );
    assert_eq!(
        m.annotations()["org.opencontainers.image.title"],
        "alpine-zstd"
    );
    assert_eq!(m.subject().map(|s| s.size), Some(1024));
    assert_eq!(m.artifact_type(), None);
    assert_eq!(m.descriptors().len(), 4);
}

#[test]
fn serialises_back_to_the_same_json_value() {
    for json in [OCI_INDEX, DOCKER_LIST, SCHEMA2, OCI_ZSTD] {
        let m = parse(json, None).unwrap();
        let back = serde_json::to_value(&m).unwrap();
        let orig: Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, orig);
        assert_eq!(serde_json::from_value::<Manifest>(back).unwrap(), m);
    }
}

#[test]
fn keeps_unknown_fields_and_artifact_types() {
    let json = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[],"x-vendor":{"a":1}}"#;
    let m = parse(json, None).unwrap();
    assert_eq!(
        m.artifact_type(),
        Some(&MediaType::Other(
            "application/vnd.example.sbom+json".into()
        ))
    );
    let image = m.as_image().unwrap();
    assert_eq!(image.config.media_type, MediaType::OciEmpty);
    assert_eq!(image.extra["x-vendor"], serde_json::json!({"a": 1}));
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        serde_json::from_str::<Value>(json).unwrap()
    );
}
