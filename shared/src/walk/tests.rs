//! The walk's table tests: documents made here with real digests, fed the
//! way a driver would.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{Value, json};

use super::*;
use crate::digest::{Digest, VerifyError};
use crate::platform::Platform;
use crate::reference::TagOrDigest;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A document's bytes and a descriptor of them.
#[derive(Clone)]
struct Doc {
    bytes: Vec<u8>,
    descriptor: Value,
}

impl Doc {
    fn new(media_type: &str, value: &Value) -> Doc {
        let bytes = serde_json::to_vec(value).expect("json");
        let descriptor = json!({
            "mediaType": media_type,
            "digest": Digest::sha256_of(&bytes).to_string(),
            "size": bytes.len(),
        });
        Doc { bytes, descriptor }
    }

    fn digest(&self) -> Digest {
        Digest::sha256_of(&self.bytes)
    }

    fn fetched(&self) -> Fetched {
        Fetched::new(self.bytes.clone())
    }

    fn entry(&self, platform: &str) -> Value {
        let mut d = self.descriptor.clone();
        let parts: Vec<&str> = platform.split('/').collect();
        d["platform"] = json!({"os": parts[0], "architecture": parts[1]});
        if let Some(v) = parts.get(2) {
            d["platform"]["variant"] = json!(v);
        }
        d
    }
}

fn config(arch: &str, layers: usize) -> Doc {
    let diff_ids: Vec<String> = (0..layers)
        .map(|i| Digest::sha256_of(format!("diff {i}").as_bytes()).to_string())
        .collect();
    Doc::new(
        OCI_CONFIG,
        &json!({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}),
    )
}

fn manifest_with(config: &Doc, layers: usize) -> Doc {
    let layers: Vec<Value> = (0..layers)
        .map(|i| {
            json!({"mediaType": GZIP_LAYER, "digest": Digest::sha256_of(format!("layer {i}").as_bytes()).to_string(), "size": 100 + i})
        })
        .collect();
    Doc::new(
        OCI_MANIFEST,
        &json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor, "layers": layers}),
    )
}

fn index_of(entries: Vec<Value>) -> Doc {
    Doc::new(
        OCI_INDEX,
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}),
    )
}

fn attestation(of: &Doc) -> Value {
    let attestation = Doc::new(
        OCI_MANIFEST,
        &json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": Digest::sha256_of(b"{}").to_string(), "size": 2}, "layers": []}),
    );
    let mut e = attestation.entry("unknown/unknown");
    e["annotations"] = json!({
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": of.digest().to_string(),
    });
    e
}

/// A multi-platform image: amd64 and arm64/v8, with an attestation listed
/// first (as some builders order them).
struct MultiArch {
    index: Doc,
    amd64: (Doc, Doc),
    arm64: (Doc, Doc),
}

fn multi_arch() -> MultiArch {
    let amd_config = config("amd64", 2);
    let amd = manifest_with(&amd_config, 2);
    let arm_config = config("arm64", 1);
    let arm = manifest_with(&arm_config, 1);
    let index = index_of(vec![
        attestation(&amd),
        amd.entry("linux/amd64"),
        arm.entry("linux/arm64/v8"),
    ]);
    MultiArch {
        index,
        amd64: (amd, amd_config),
        arm64: (arm, arm_config),
    }
}

fn tag() -> TagOrDigest {
    "latest".parse().expect("tag")
}

fn digest_of(doc: &Doc) -> TagOrDigest {
    TagOrDigest::Digest(doc.digest())
}

/// Feeds `docs` in order; the result of each feed.
fn drive(walk: &mut Walk, docs: Vec<Fetched>) -> Vec<Result<Option<Need>, WalkError>> {
    docs.into_iter().map(|d| walk.feed(d)).collect()
}

#[test]
fn a_single_manifest_by_tag_or_digest() {
    let config = config("amd64", 2);
    let manifest = manifest_with(&config, 2);
    for start in [tag(), digest_of(&manifest)] {
        let mut walk = Walk::new(start.clone(), PlatformChoice::page(None));
        assert_eq!(walk.need(), Some(Need::Top(start.clone())));
        let needs = drive(&mut walk, vec![manifest.fetched(), config.fetched()]);
        assert!(
            matches!(&needs[0], Ok(Some(Need::Config(d))) if d.digest == config.digest()),
            "{needs:?}"
        );
        assert_eq!(needs[1], Ok(None));
        let image = walk.finish().expect("verified");
        assert_eq!(image.digest(), &manifest.digest());
        assert_eq!(image.id(), &config.digest());
        assert!(image.index.is_none());
        assert_eq!(image.layers().count(), 2);
        assert_eq!(
            image.manifest_doc.bytes, manifest.bytes,
            "the exact bytes are kept"
        );
    }
}

#[test]
fn index_entries_are_chosen_by_one_rule() {
    let m = multi_arch();
    let arm = Platform::new("linux", "arm64");
    let (amd_digest, arm_digest) = (m.amd64.0.digest(), m.arm64.0.digest());
    #[rustfmt::skip]
    let cases: Vec<(&str, PlatformChoice, Result<Digest, &str>)> = vec![
        ("CLI, host amd64", PlatformChoice::host(Platform::new("linux", "amd64")), Ok(amd_digest.clone())),
        ("CLI, --platform arm64 (no variant means v8)", PlatformChoice::RunsOn { platform: arm.clone(), named: true }, Ok(arm_digest.clone())),
        ("CLI, a platform the index lacks", PlatformChoice::host(Platform::new("linux", "s390x")), Err("no manifest for platform linux/s390x")),
        ("page, no platform: the first runnable, not the attestation", PlatformChoice::page(None), Ok(amd_digest.clone())),
        ("page, ?platform=linux/arm64", PlatformChoice::page(Some(arm.clone())), Ok(arm_digest.clone())),
        ("page, pointed at the arm64 entry", PlatformChoice::Page { wanted: None, preferred: Some(arm_digest.clone()) }, Ok(arm_digest.clone())),
        ("page, pointed at an entry that is not there", PlatformChoice::Page { wanted: None, preferred: Some(m.index.digest()) }, Ok(amd_digest.clone())),
        ("page, ?platform= the index lacks", PlatformChoice::page(Some(Platform::new("windows", "amd64"))), Err("available platforms: linux/amd64, linux/arm64/v8")),
    ];
    for (name, choice, expected) in cases {
        let mut walk = Walk::new(tag(), choice);
        let first = walk.feed(m.index.fetched());
        match expected {
            Ok(digest) => {
                assert!(
                    matches!(&first, Ok(Some(Need::Manifest(d))) if d.digest == digest),
                    "{name}: {first:?}"
                );
                assert_eq!(walk.chosen().map(|d| &d.digest), Some(&digest), "{name}");
            }
            Err(text) => {
                let error = first.expect_err(name);
                assert!(
                    matches!(error, WalkError::NoPlatform(_)),
                    "{name}: {error:?}"
                );
                assert!(error.to_string().contains(text), "{name}: {error}");
                assert!(
                    walk.index().is_some(),
                    "{name}: the verified index stays readable"
                );
                assert_eq!(walk.need(), None, "{name}");
            }
        }
    }
}

#[test]
fn a_whole_index_walk() {
    let m = multi_arch();
    let mut walk = Walk::new(
        digest_of(&m.index),
        PlatformChoice::page(Some(Platform::new("linux", "arm64"))),
    );
    let needs = drive(
        &mut walk,
        vec![m.index.fetched(), m.arm64.0.fetched(), m.arm64.1.fetched()],
    );
    assert_eq!(needs.last(), Some(&Ok(None)), "{needs:?}");
    let image = walk.finish().expect("verified");
    assert_eq!(
        image.digest(),
        &m.index.digest(),
        "the repo digest is the index's"
    );
    assert_eq!(image.manifest_doc.digest, m.arm64.0.digest());
    assert_eq!(image.id(), &m.arm64.1.digest());
    assert_eq!(image.top().media_type.as_str(), OCI_INDEX);
}

fn with_header(doc: &Doc, digest: Digest) -> Fetched {
    Fetched {
        digest: Some(digest),
        ..doc.fetched()
    }
}

fn tampered(doc: &Doc) -> Fetched {
    let mut bytes = doc.bytes.clone();
    let at = bytes.len() - 2;
    bytes[at] = b' ';
    Fetched::new(bytes)
}

#[test]
fn every_document_is_checked() {
    let m = multi_arch();
    let (amd, amd_config) = m.amd64.clone();
    let amd64 = || PlatformChoice::host(Platform::new("linux", "amd64"));
    let big_config = {
        let mut c = config("amd64", 1);
        c.descriptor["size"] = json!(MAX_CONFIG + 1);
        c
    };
    let artifact_config = {
        let mut c = config("amd64", 1);
        c.descriptor["mediaType"] = json!("application/vnd.cncf.helm.config.v1+json");
        c
    };
    let nested = {
        let mut e = m.index.entry("linux/amd64");
        e["mediaType"] = json!(OCI_INDEX);
        index_of(vec![e])
    };
    let short_entry = {
        let mut e = amd.entry("linux/amd64");
        e["size"] = json!(amd.bytes.len() + 1);
        index_of(vec![e])
    };
    let one_layer_config = config("amd64", 1);
    let huge = Fetched::new(vec![b' '; MAX_MANIFEST as usize + 1]);
    type Case = (&'static str, TagOrDigest, Vec<Fetched>, Part, &'static str);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("by digest, altered", digest_of(&amd), vec![tampered(&amd)], Part::Manifest, "failed verification: digest mismatch"),
        ("by tag, the registry's digest is not the bytes'", tag(), vec![with_header(&amd, m.index.digest())], Part::Manifest, "failed verification: digest mismatch"),
        ("by tag, over the manifest limit", tag(), vec![huge], Part::Manifest, "over the 4194304-byte limit"),
        ("by digest, not a manifest", digest_of(&amd_config), vec![amd_config.fetched()], Part::Manifest, "is not valid"),
        ("an entry that is an index", tag(), vec![nested.fetched()], Part::Manifest, "nested indexes are not supported"),
        ("an entry that is shorter than declared", tag(), vec![short_entry.fetched(), amd.fetched()], Part::Manifest, "size mismatch"),
        ("an entry whose bytes are altered", tag(), vec![m.index.fetched(), tampered(&amd)], Part::Manifest, "failed verification"),
        ("a config over the limit", tag(), vec![manifest_with(&big_config, 1).fetched()], Part::Config, "over the 16777216-byte limit"),
        ("an artifact, not an image", tag(), vec![manifest_with(&artifact_config, 1).fetched()], Part::Config, "not an image to run"),
        ("a config whose bytes are altered", tag(), vec![amd.fetched(), tampered(&amd_config)], Part::Config, "failed verification"),
        ("more layers than diff_ids", tag(), vec![manifest_with(&one_layer_config, 3).fetched(), one_layer_config.fetched()], Part::Manifest, "lists 3 layers but its config lists 1 diff_ids"),
    ];
    for (name, start, docs, part, text) in cases {
        let mut walk = Walk::new(start, amd64());
        let results = drive(&mut walk, docs);
        let error = results.into_iter().find_map(Result::err).expect(name);
        assert_eq!(error.part(), Some(part), "{name}: {error}");
        assert!(error.to_string().contains(text), "{name}: {error}");
        assert_eq!(walk.failure(), Some(&error), "{name}");
        assert_eq!(walk.need(), None, "{name}: a failed walk needs nothing");
        assert_eq!(walk.finish(), Err(error), "{name}");
    }
}

#[test]
fn what_was_verified_before_a_failure_stays_readable() {
    let config = config("amd64", 1);
    let manifest = manifest_with(&config, 1);
    let mut walk = Walk::new(tag(), PlatformChoice::page(None));
    walk.feed(manifest.fetched()).expect("manifest");
    let error = walk.feed(tampered(&config)).expect_err("config");
    assert!(matches!(
        error,
        WalkError::Verify {
            source: VerifyError::DigestMismatch { .. },
            ..
        }
    ));
    assert_eq!(
        walk.manifest().map(|(d, _)| d.digest.clone()),
        Some(manifest.digest())
    );
    assert_eq!(walk.top_digest(), Some(&manifest.digest()));
    assert!(walk.config().is_none());
}

#[test]
fn a_named_platform_a_single_platform_image_lacks_is_a_warning() {
    let config = config("arm64", 1);
    let manifest = manifest_with(&config, 1);
    #[rustfmt::skip]
    let cases = [
        ("named, not matching", PlatformChoice::RunsOn { platform: Platform::new("linux", "amd64"), named: true }, true),
        ("the host's, not matching", PlatformChoice::host(Platform::new("linux", "amd64")), false),
        ("named, matching", PlatformChoice::RunsOn { platform: Platform::new("linux", "arm64"), named: true }, false),
        ("page, none named", PlatformChoice::page(None), false),
    ];
    for (name, choice, warns) in cases {
        let mut walk = Walk::new(tag(), choice);
        drive(&mut walk, vec![manifest.fetched(), config.fetched()]);
        let image = walk.finish().expect(name);
        assert_eq!(image.platform_warning.is_some(), warns, "{name}");
    }
}

#[test]
fn feeding_what_was_not_asked_for_is_an_error() {
    let config = config("amd64", 1);
    let manifest = manifest_with(&config, 1);
    let mut walk = Walk::new(tag(), PlatformChoice::page(None));
    drive(&mut walk, vec![manifest.fetched(), config.fetched()]);
    assert!(matches!(
        walk.feed(config.fetched()),
        Err(WalkError::NotNeeded { .. })
    ));
    assert!(
        walk.clone().finish().is_ok(),
        "the finished walk is unharmed"
    );
}

#[test]
fn the_drivers_read_limit() {
    let config = config("amd64", 1);
    let manifest = manifest_with(&config, 1);
    let mut walk = Walk::new(tag(), PlatformChoice::page(None));
    assert_eq!(walk.need().map(|n| n.limit()), Some(MAX_MANIFEST));
    let next = walk.feed(manifest.fetched()).expect("manifest");
    assert_eq!(next.map(|n| n.limit()), Some(config.bytes.len() as u64));
}
