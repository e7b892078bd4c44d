//! Building every signed fixture into upload plans, without a registry:
//! the image, its `.sig`/`.att` tags, its referrers, a BuildKit-style
//! index, and the tamper variants, plus the files and cases the peer
//! verifiers read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::attest;
use super::bundle::{BUNDLE_V03, BundleVersion};
use super::cert::Identity;
use super::cosign::{self, CosignLayer};
use super::dsse::{Envelope, IN_TOTO};
use super::keys::TestKeys;
use super::plan::Plan;
use super::sigstore::{Payload, Signed, TestSigstore};
pub use super::variants::TamperVariant;
use crate::fixtures::image::{ImageSpec, media};
use crate::fixtures::layer::{Layer, sha256};
use crate::fixtures::layout::Layout;

/// The email identity of the good keyless signatures.
pub const EMAIL_IDENTITY: &str = "signer@strata.test";
/// The issuer vouching for [`EMAIL_IDENTITY`].
pub const EMAIL_ISSUER: &str = "https://accounts.strata.test";
/// The CI workload identity of the keyless provenance attestation.
pub const WORKFLOW_IDENTITY: &str =
    "https://github.com/strata-test/app/.github/workflows/build.yml@refs/heads/main";
/// The issuer vouching for [`WORKFLOW_IDENTITY`].
pub const WORKFLOW_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The identity of the "someone else signed it" variant.
pub const OTHER_IDENTITY: &str = "mallory@strata.test";
/// The SPDX media type of SBOM referrers.
pub const SPDX_JSON: &str = "application/spdx+json";
/// The CycloneDX media type of SBOM referrers.
pub const CYCLONEDX_JSON: &str = "application/vnd.cyclonedx+json";
/// The empty descriptor's media type (OCI 1.1).
pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The packages of the large SPDX SBOM referrer.
pub const LARGE_SBOM_PACKAGES: usize = 10_000;

/// A referrer of the image, as pushed.
#[derive(Debug, Clone)]
pub struct Referrer {
    /// A short name (`bundle-message`, `sbom-spdx`, …).
    pub name: String,
    /// The artifact type.
    pub artifact_type: String,
    /// The artifact manifest's digest.
    pub digest: String,
    /// The one layer's bytes (the bundle or SBOM JSON).
    pub content: Vec<u8>,
}

/// The BuildKit-style index.
#[derive(Debug, Clone)]
pub struct MultiPlatform {
    /// Its tag in the repository.
    pub tag: String,
    /// The index digest.
    pub digest: String,
    /// `(os/arch, manifest digest)` of the two platforms.
    pub platforms: Vec<(String, String)>,
    /// `(attestation manifest digest, platform manifest digest it describes)`.
    pub attestations: Vec<(String, String)>,
}

/// Everything built for one image, before pushing.
#[derive(Debug)]
pub struct SignedSet {
    /// `host/repo` named in the simple-signing payloads.
    pub docker_reference: String,
    /// The image manifest bytes (what the message signatures sign).
    pub manifest: Vec<u8>,
    /// Its digest.
    pub digest: String,
    /// The other image (the replay variant's signature is for it).
    pub other_manifest: Vec<u8>,
    /// Its digest.
    pub other_digest: String,
    /// The `.sig` manifest's digest.
    pub sig_digest: String,
    /// The `.att` manifest's digest.
    pub att_digest: String,
    /// The referrers index's digest.
    pub referrers_index_digest: String,
    /// The referrers, in index order.
    pub referrers: Vec<Referrer>,
    /// The BuildKit-style index.
    pub multi: MultiPlatform,
    /// The keys.
    pub keys: TestKeys,
    /// The test Sigstore (CA, logs).
    pub sigstore: TestSigstore,
    /// The main repository's uploads.
    pub plan: Plan,
    /// The tamper variants.
    pub variants: Vec<TamperVariant>,
    /// Files for the peer verifiers: relative path and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// The peer verifier cases (`cases.json`).
    pub cases: Vec<Value>,
}

/// An artifact manifest (OCI 1.1) of `artifact_type` whose one layer is
/// `content`, referring to `subject`; added to `plan`, its descriptor as a
/// referrers index lists it (with artifactType and annotations).
pub(super) fn artifact(
    plan: &mut Plan,
    artifact_type: &str,
    content: &[u8],
    subject: &Value,
    annotations: Value,
) -> Value {
    let config = plan.blob(EMPTY, b"{}");
    let layer = plan.blob(artifact_type, content);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": media::MANIFEST,
        "artifactType": artifact_type,
        "config": config,
        "layers": [layer],
        "subject": subject,
        "annotations": annotations,
    });
    let mut desc = plan.manifest(media::MANIFEST, &manifest, None);
    desc["artifactType"] = json!(artifact_type);
    desc["annotations"] = annotations;
    desc
}

/// The referrers tag index listing `descriptors`.
pub(super) fn referrers_index(plan: &mut Plan, digest: &str, descriptors: Vec<Value>) -> Value {
    plan.manifest(
        media::INDEX,
        &json!({"schemaVersion": 2, "mediaType": media::INDEX, "manifests": descriptors}),
        Some(&cosign::referrers_tag(digest)),
    )
}

pub(super) const CREATED: &str = "org.opencontainers.image.created";
pub(super) const STAMP: &str = "2023-11-14T22:13:20Z";

pub(super) fn digest_of(desc: &Value) -> String {
    desc["digest"].as_str().unwrap_or_default().to_owned()
}

/// A `.sig` layer: `payload` signed by keyed `signature`.
pub(super) fn keyed_sig_layer(payload: &[u8], signature: &[u8]) -> CosignLayer {
    CosignLayer {
        media_type: cosign::SIMPLE_SIGNING.to_owned(),
        bytes: payload.to_vec(),
        annotations: json!({cosign::SIGNATURE_ANNOTATION: STANDARD.encode(signature)}),
    }
}

/// A keyless `.sig` layer from `signed` (a message signature over `payload`).
pub(super) fn keyless_sig_layer(payload: &[u8], signed: &Signed, chain_pem: &str) -> CosignLayer {
    let cert = signed.cert.as_ref().map(|c| c.pem()).unwrap_or_default();
    let bundle = signed
        .entry
        .as_ref()
        .map(|e| e.cosign_bundle_json().to_string())
        .unwrap_or_default();
    CosignLayer {
        media_type: cosign::SIMPLE_SIGNING.to_owned(),
        bytes: payload.to_vec(),
        annotations: json!({
            cosign::SIGNATURE_ANNOTATION: STANDARD.encode(&signed.signature),
            cosign::CERTIFICATE_ANNOTATION: cert,
            cosign::CHAIN_ANNOTATION: chain_pem,
            cosign::BUNDLE_ANNOTATION: bundle,
        }),
    }
}

/// Adds the cosign manifest with `layers` under `tag`; its descriptor.
pub(super) fn cosign_manifest(plan: &mut Plan, layers: &[CosignLayer], tag: &str) -> Value {
    plan.blob(media::CONFIG, cosign::EMPTY_CONFIG);
    for layer in layers {
        plan.blob(&layer.media_type, &layer.bytes);
    }
    plan.manifest(media::MANIFEST, &cosign::manifest(layers), Some(tag))
}

fn read_blob(layout: &Layout, digest: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(
        layout
            .dir()
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
}

/// A BuildKit attestation manifest for `subject` (platform manifest).
fn attestation_manifest(plan: &mut Plan, reference: &str, subject: &Value) -> Value {
    let subject_digest = digest_of(subject);
    let config = plan.blob(
        media::CONFIG,
        &serde_json::to_vec(&json!({
            "architecture": "unknown", "os": "unknown", "config": {},
            "rootfs": {"type": "layers", "diff_ids": []},
        }))
        .expect("JSON"),
    );
    let mut layers = Vec::new();
    for (predicate_type, predicate) in [
        (attest::SPDX_PREDICATE, attest::spdx("multi", 5)),
        (attest::SLSA_PROVENANCE_V1, attest::slsa_provenance()),
    ] {
        let statement = attest::statement(reference, &subject_digest, predicate_type, predicate);
        let mut layer = plan.blob(IN_TOTO, &serde_json::to_vec(&statement).expect("JSON"));
        layer["annotations"] = json!({"in-toto.io/predicate-type": predicate_type});
        layers.push(layer);
    }
    plan.manifest(
        media::MANIFEST,
        &json!({"schemaVersion": 2, "mediaType": media::MANIFEST, "config": config, "layers": layers}),
        None,
    )
}

impl SignedSet {
    /// Builds everything for an image at `docker_reference` (`host/repo`),
    /// using `scratch` for the image layout.
    pub fn build(docker_reference: &str, scratch: &std::path::Path) -> std::io::Result<Self> {
        let layout = Layout::create(&scratch.join("layout"))?;
        let image = ImageSpec::new("2023-11-14T22:00:00Z")
            .layer(Layer::new("ADD app /").file("app/signed.txt", "signed by strata-test\n"))
            .config(json!({"Cmd": ["/app/run"]}))
            .write(&layout)?;
        let other = ImageSpec::new("2023-11-14T22:00:00Z")
            .layer(Layer::new("ADD app /").file("app/other.txt", "another image\n"))
            .write(&layout)?;
        let amd64 = ImageSpec::new("2023-11-14T22:00:00Z")
            .layer(Layer::new("ADD rootfs /").file("etc/arch", "amd64\n"));
        let arm64 = ImageSpec::new("2023-11-14T22:00:00Z")
            .platform("arm64", Some("v8"))
            .layer(Layer::new("ADD rootfs /").file("etc/arch", "arm64\n"));
        let amd64_desc = amd64.write(&layout)?;
        let arm64_desc = arm64.write(&layout)?;
        let manifest = read_blob(&layout, &image.digest)?;
        let other_manifest = read_blob(&layout, &other.digest)?;
        let digest = image.digest.clone();
        let other_digest = other.digest.clone();
        let subject = image.json();

        let keys = TestKeys::new();
        let mut sigstore = TestSigstore::new();
        let email = Identity::Email(EMAIL_IDENTITY.to_owned());
        let workflow = Identity::Uri(WORKFLOW_IDENTITY.to_owned());
        let ca_pem = sigstore.ca.cert().pem();

        let mut plan = Plan::default();
        plan.layout_blobs(layout.dir())?;
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut cases: Vec<Value> = Vec::new();
        plan.manifest_bytes(media::MANIFEST, manifest.clone(), Some("latest"));
        plan.manifest_bytes(media::MANIFEST, other_manifest.clone(), Some("other"));

        files.push(("image-manifest.json".into(), manifest.clone()));
        files.push(("other-manifest.json".into(), other_manifest.clone()));
        files.push((
            "trusted_root.json".into(),
            sigstore.trusted_root_json().into_bytes(),
        ));
        files.push((
            "keys/signer.pem".into(),
            keys.signer.public_pem().into_bytes(),
        ));
        files.push((
            "keys/other.pem".into(),
            keys.other.public_pem().into_bytes(),
        ));
        files.push((
            "keys/ed25519.pem".into(),
            keys.ed25519.public_pem().into_bytes(),
        ));
        files.push((
            "keys/rekor.pem".into(),
            sigstore.log.key().public_pem().into_bytes(),
        ));
        files.push((
            "keys/ctlog.pem".into(),
            sigstore.ct_log.public_pem().into_bytes(),
        ));
        files.push(("keys/ca.pem".into(), ca_pem.clone().into_bytes()));

        let sigstore_case = |name: &str, mode: &str, identity: &str, issuer: &str, ok: bool| {
            json!({
                "peer": "sigstore", "name": name, "mode": mode,
                "bundle": format!("bundles/{name}.json"), "artifact": "image-manifest.json",
                "identity": identity, "issuer": issuer, "expect": ok,
            })
        };

        // Sigstore bundles: keyless message signatures over the manifest
        // in all three versions, a keyless DSSE provenance, a keyed one.
        let provenance = serde_json::to_vec(&attest::statement(
            docker_reference,
            &digest,
            attest::SLSA_PROVENANCE_V1,
            attest::slsa_provenance(),
        ))
        .expect("JSON");
        let mut bundles: Vec<(&str, Signed)> = Vec::new();
        for (name, version) in [
            ("message-v03", BundleVersion::V03),
            ("message-v02", BundleVersion::V02),
            ("message-v01", BundleVersion::V01),
        ] {
            let signed =
                sigstore.sign_keyless(Payload::Artifact(&manifest), &email, EMAIL_ISSUER, version);
            cases.push(sigstore_case(
                name,
                "artifact",
                EMAIL_IDENTITY,
                EMAIL_ISSUER,
                true,
            ));
            bundles.push((name, signed));
        }
        let dsse_signed = sigstore.sign_keyless(
            Payload::Dsse(IN_TOTO, &provenance),
            &workflow,
            WORKFLOW_ISSUER,
            BundleVersion::V03,
        );
        cases.push(sigstore_case(
            "provenance-dsse-v03",
            "dsse",
            WORKFLOW_IDENTITY,
            WORKFLOW_ISSUER,
            true,
        ));
        bundles.push(("provenance-dsse-v03", dsse_signed.clone()));
        let keyed_bundle = sigstore.sign_keyed(
            Payload::Artifact(&manifest),
            &keys.signer,
            true,
            BundleVersion::V03,
        );
        cases.push(json!({
            "peer": "keyed", "name": "keyed-bundle", "alg": "ecdsa", "key": "keys/signer.pem",
            "message": "image-manifest.json",
            "signature": keyed_bundle.bundle["messageSignature"]["signature"],
            "rekor_entry": keyed_bundle.entry.as_ref().map(|e| e.cosign_bundle_json()),
            "expect": true,
        }));
        bundles.push(("keyed-v03", keyed_bundle));
        for (name, signed) in &bundles {
            files.push((format!("bundles/{name}.json"), signed.bundle_bytes()));
        }

        // cosign .sig: a keyed and a keyless simple-signing layer.
        let payload = cosign::simple_signing_payload(docker_reference, &digest);
        files.push(("cosign/payload.json".into(), payload.clone()));
        let keyed_sig = keys.signer.sign(&payload);
        let keyless_sig = sigstore.sign_keyless(
            Payload::Artifact(&payload),
            &email,
            EMAIL_ISSUER,
            BundleVersion::V03,
        );
        let keyless_cert = keyless_sig
            .cert
            .as_ref()
            .map(|c| c.pem())
            .unwrap_or_default();
        files.push((
            "cosign/keyless-cert.pem".into(),
            keyless_cert.clone().into_bytes(),
        ));
        cases.push(json!({
            "peer": "keyed", "name": "sig-keyed", "alg": "ecdsa", "key": "keys/signer.pem",
            "message": "cosign/payload.json", "signature": STANDARD.encode(&keyed_sig),
            "expect_digest": digest, "expect": true,
        }));
        cases.push(json!({
            "peer": "keyed", "name": "sig-keyless", "alg": "ecdsa",
            "certificate": "cosign/keyless-cert.pem", "ca": "keys/ca.pem",
            "message": "cosign/payload.json", "signature": STANDARD.encode(&keyless_sig.signature),
            "rekor_entry": keyless_sig.entry.as_ref().map(|e| e.cosign_bundle_json()),
            "expect_digest": digest, "expect": true,
        }));
        let sig_desc = cosign_manifest(
            &mut plan,
            &[
                keyed_sig_layer(&payload, &keyed_sig),
                keyless_sig_layer(&payload, &keyless_sig, &ca_pem),
            ],
            &cosign::sig_tag(&digest),
        );

        // cosign .att: SLSA provenance (P-256) and an SPDX SBOM (Ed25519).
        let spdx_statement = serde_json::to_vec(&attest::statement(
            docker_reference,
            &digest,
            attest::SPDX_PREDICATE,
            attest::spdx("signed", 3),
        ))
        .expect("JSON");
        let att_provenance = Envelope::sign(IN_TOTO, &provenance, "", |m| keys.signer.sign(m));
        let att_spdx = Envelope::sign(IN_TOTO, &spdx_statement, "", |m| keys.ed25519.sign(m));
        for (name, envelope, alg, key) in [
            (
                "att-provenance",
                &att_provenance,
                "ecdsa",
                "keys/signer.pem",
            ),
            ("att-spdx", &att_spdx, "ed25519", "keys/ed25519.pem"),
        ] {
            files.push((format!("cosign/{name}.dsse.json"), envelope.to_bytes()));
            cases.push(json!({
                "peer": "keyed", "name": name, "alg": alg, "key": key,
                "envelope": format!("cosign/{name}.dsse.json"),
                "expect_digest": digest, "expect": true,
            }));
        }
        let att_layers: Vec<CosignLayer> = [
            (&att_provenance, attest::SLSA_PROVENANCE_V1),
            (&att_spdx, attest::SPDX_PREDICATE),
        ]
        .iter()
        .map(|(envelope, predicate)| CosignLayer {
            media_type: cosign::DSSE_ENVELOPE.to_owned(),
            bytes: envelope.to_bytes(),
            annotations: json!({"predicateType": predicate}),
        })
        .collect();
        let att_desc = cosign_manifest(&mut plan, &att_layers, &cosign::att_tag(&digest));

        // OCI 1.1 referrers: the v0.3 bundles and SBOMs.
        let mut referrers = Vec::new();
        let mut descriptors = Vec::new();
        for (name, signed) in bundles
            .iter()
            .filter(|(_, s)| s.bundle["mediaType"] == BUNDLE_V03)
        {
            let content = signed.bundle_bytes();
            let predicate = if signed.envelope.is_some() {
                attest::SLSA_PROVENANCE_V1
            } else {
                "https://sigstore.dev/cosign/sign/v1"
            };
            let desc = artifact(
                &mut plan,
                BUNDLE_V03,
                &content,
                &subject,
                json!({CREATED: STAMP, "dev.sigstore.bundle.content": if signed.envelope.is_some() {"dsse-envelope"} else {"message-signature"}, "dev.sigstore.bundle.predicateType": predicate}),
            );
            referrers.push(Referrer {
                name: format!("bundle-{name}"),
                artifact_type: BUNDLE_V03.to_owned(),
                digest: digest_of(&desc),
                content,
            });
            descriptors.push(desc);
        }
        for (name, artifact_type, content) in [
            (
                "sbom-spdx",
                SPDX_JSON,
                serde_json::to_vec(&attest::spdx("signed", 25)).expect("JSON"),
            ),
            (
                "sbom-cyclonedx",
                CYCLONEDX_JSON,
                serde_json::to_vec(&attest::cyclonedx("signed", 25)).expect("JSON"),
            ),
            (
                "sbom-spdx-large",
                SPDX_JSON,
                serde_json::to_vec(&attest::spdx("signed-large", LARGE_SBOM_PACKAGES))
                    .expect("JSON"),
            ),
        ] {
            let desc = artifact(
                &mut plan,
                artifact_type,
                &content,
                &subject,
                json!({CREATED: STAMP, "strata.test/name": name}),
            );
            referrers.push(Referrer {
                name: name.to_owned(),
                artifact_type: artifact_type.to_owned(),
                digest: digest_of(&desc),
                content,
            });
            descriptors.push(desc);
        }
        let index_desc = referrers_index(&mut plan, &digest, descriptors);

        // The BuildKit-style index.
        let mut entries = Vec::new();
        let mut platforms = Vec::new();
        let mut attestations = Vec::new();
        for (desc, spec) in [(&amd64_desc, &amd64), (&arm64_desc, &arm64)] {
            let manifest_bytes = read_blob(&layout, &desc.digest)?;
            plan.manifest_bytes(media::MANIFEST, manifest_bytes, None);
            let mut entry = desc.json();
            entry["platform"] = spec.platform_json();
            entries.push(entry);
            platforms.push((
                format!("{}/{}", spec.os, spec.architecture),
                desc.digest.clone(),
            ));
        }
        for desc in [&amd64_desc, &arm64_desc] {
            let att = attestation_manifest(&mut plan, docker_reference, &desc.json());
            let mut entry = att.clone();
            entry["platform"] = json!({"architecture": "unknown", "os": "unknown"});
            entry["annotations"] = json!({
                "vnd.docker.reference.type": "attestation-manifest",
                "vnd.docker.reference.digest": desc.digest,
            });
            entries.push(entry);
            attestations.push((digest_of(&att), desc.digest.clone()));
        }
        let multi_desc = plan.manifest(
            media::INDEX,
            &json!({"schemaVersion": 2, "mediaType": media::INDEX, "manifests": entries}),
            Some("multi"),
        );
        let multi = MultiPlatform {
            tag: "multi".into(),
            digest: digest_of(&multi_desc),
            platforms,
            attestations,
        };

        let variants = super::variants::variants(
            &mut sigstore,
            &keys,
            docker_reference,
            &layout,
            (&manifest, &digest, &subject),
            (&other_manifest, &other_digest),
            &provenance,
            &mut files,
            &mut cases,
        )?;

        Ok(Self {
            docker_reference: docker_reference.to_owned(),
            manifest,
            digest,
            other_manifest,
            other_digest,
            sig_digest: digest_of(&sig_desc),
            att_digest: digest_of(&att_desc),
            referrers_index_digest: digest_of(&index_desc),
            referrers,
            multi,
            keys,
            sigstore,
            plan,
            variants,
            files,
            cases,
        })
    }

    /// Writes [`SignedSet::files`] and `cases.json` under `dir`.
    pub fn write_peer_files(&self, dir: &std::path::Path) -> std::io::Result<()> {
        for (path, bytes) in &self.files {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        std::fs::write(
            dir.join("cases.json"),
            serde_json::to_vec_pretty(&self.cases).map_err(std::io::Error::other)?,
        )
    }

    /// `sha256:` of the bytes.
    pub fn digest_of(bytes: &[u8]) -> String {
        sha256(bytes)
    }
}
