//! The tamper variants: the signed image in a repository of its own with
//! one thing wrong in each signature form (the `.sig` tag and a v0.3
//! bundle referrer), and the peer cases saying why each must be rejected.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::build::{
    CREATED, EMAIL_IDENTITY, EMAIL_ISSUER, OTHER_IDENTITY, STAMP, WORKFLOW_IDENTITY,
    WORKFLOW_ISSUER, artifact, cosign_manifest, keyed_sig_layer, keyless_sig_layer,
    referrers_index,
};
use super::bundle::{BUNDLE_V03, BundleVersion};
use super::cert::Identity;
use super::cosign::{self, CosignLayer};
use super::dsse::IN_TOTO;
use super::keys::TestKeys;
use super::plan::Plan;
use super::sigstore::{Payload, Signed, TestSigstore};
use crate::fixtures::image::media;
use crate::fixtures::layout::Layout;

/// One tamper variant: its own repository holding the same image with a
/// bad signature in each form, and why a verifier must reject it.
#[derive(Debug, Clone)]
pub struct TamperVariant {
    /// `payload-changed`, `other-key`, `other-identity`,
    /// `bad-inclusion-proof` or `replay`.
    pub name: String,
    /// What is wrong.
    pub what: String,
    /// The repository suffix (`<repo>-<name>`).
    pub repo_suffix: String,
    /// The bad Sigstore bundle, pushed as a referrer (and in the peers'
    /// files as `bundles/<name>.json`).
    pub bundle: Option<Vec<u8>>,
    /// What is uploaded.
    pub plan: Plan,
}

/// Builds the five variants (adding their peer files and cases).
#[expect(clippy::too_many_arguments, reason = "one private step of build")]
pub(super) fn variants(
    sigstore: &mut TestSigstore,
    keys: &TestKeys,
    docker_reference: &str,
    layout: &Layout,
    (manifest, digest, subject): (&[u8], &str, &Value),
    (other_manifest, other_digest): (&[u8], &str),
    provenance: &[u8],
    files: &mut Vec<(String, Vec<u8>)>,
    cases: &mut Vec<Value>,
) -> std::io::Result<Vec<TamperVariant>> {
    let email = Identity::Email(EMAIL_IDENTITY.to_owned());
    let workflow = Identity::Uri(WORKFLOW_IDENTITY.to_owned());
    let payload = cosign::simple_signing_payload(docker_reference, digest);
    let mut out = Vec::new();
    let mut variant = |name: &str,
                       what: &str,
                       sig: CosignLayer,
                       bundle: Signed,
                       mode: &str,
                       reasons: (&str, &str),
                       files: &mut Vec<(String, Vec<u8>)>,
                       cases: &mut Vec<Value>|
     -> std::io::Result<()> {
        let mut plan = Plan::default();
        plan.layout_blobs(layout.dir())?;
        plan.manifest_bytes(media::MANIFEST, manifest.to_vec(), Some("latest"));
        let bytes = bundle.bundle_bytes();
        let file = format!("bundles/{name}.json");
        files.push((file.clone(), bytes.clone()));
        let (identity, issuer) = if mode == "dsse" {
            (WORKFLOW_IDENTITY, WORKFLOW_ISSUER)
        } else {
            (EMAIL_IDENTITY, EMAIL_ISSUER)
        };
        if mode != "keyed" {
            cases.push(json!({
                "peer": "sigstore", "name": name, "mode": mode, "bundle": file,
                "artifact": "image-manifest.json", "identity": identity, "issuer": issuer,
                "expect": false, "reason": reasons.0,
            }));
        }
        let sig_file = format!("cosign/{name}.payload.json");
        files.push((sig_file.clone(), sig.bytes.clone()));
        let mut case = json!({
            "peer": "keyed", "name": format!("{name}-sig"), "alg": "ecdsa",
            "message": sig_file, "signature": sig.annotations[cosign::SIGNATURE_ANNOTATION],
            "expect_digest": digest, "expect": false, "reason": reasons.1,
        });
        if let Some(bundle) = sig.annotations.get(cosign::BUNDLE_ANNOTATION) {
            case["rekor_entry"] =
                serde_json::from_str(bundle.as_str().unwrap_or_default()).unwrap_or_default();
        }
        if let Some(cert) = sig.annotations.get(cosign::CERTIFICATE_ANNOTATION) {
            let cert_file = format!("cosign/{name}-cert.pem");
            files.push((
                cert_file.clone(),
                cert.as_str().unwrap_or_default().as_bytes().to_vec(),
            ));
            case["certificate"] = json!(cert_file);
            case["ca"] = json!("keys/ca.pem");
            case["identity"] = json!(EMAIL_IDENTITY);
        } else {
            case["key"] = json!("keys/signer.pem");
        }
        cases.push(case);
        cosign_manifest(&mut plan, &[sig], &cosign::sig_tag(digest));
        let desc = artifact(
            &mut plan,
            BUNDLE_V03,
            &bytes,
            subject,
            json!({CREATED: STAMP}),
        );
        referrers_index(&mut plan, digest, vec![desc]);
        out.push(TamperVariant {
            name: name.to_owned(),
            what: what.to_owned(),
            repo_suffix: format!("-{name}"),
            bundle: Some(bytes),
            plan,
        });
        Ok(())
    };

    // One payload byte changed, signatures unchanged.
    let good_sig = keys.signer.sign(&payload);
    let mut changed = payload.clone();
    if let Some(pos) = changed.windows(6).position(|w| w == b"cosign") {
        changed[pos] = b'C';
    }
    let mut dsse = sigstore.sign_keyless(
        Payload::Dsse(IN_TOTO, provenance),
        &workflow,
        WORKFLOW_ISSUER,
        BundleVersion::V03,
    );
    let mut tampered = provenance.to_vec();
    if let Some(pos) = tampered.windows(7).position(|w| w == b"builder") {
        tampered[pos] = b'B';
    }
    dsse.bundle["dsseEnvelope"]["payload"] = json!(STANDARD.encode(&tampered));
    variant(
        "payload-changed",
        "one byte of the signed payload changed, the signature kept",
        keyed_sig_layer(&changed, &good_sig),
        dsse,
        "dsse",
        ("DSSE: invalid signature", "InvalidSignature"),
        files,
        cases,
    )?;

    // Signed by the other key.
    let other_bundle = sigstore.sign_keyed(
        Payload::Artifact(manifest),
        &keys.other,
        true,
        BundleVersion::V03,
    );
    // A keyed bundle holds no certificate, which sigstore-python's
    // Bundle cannot load: `cryptography` checks it with the signer's key.
    cases.push(json!({
        "peer": "keyed", "name": "other-key", "alg": "ecdsa", "key": "keys/signer.pem",
        "message": "image-manifest.json",
        "signature": other_bundle.bundle["messageSignature"]["signature"],
        "expect": false, "reason": "InvalidSignature",
    }));
    variant(
        "other-key",
        "signed by a key other than the signer's",
        keyed_sig_layer(&payload, &keys.other.sign(&payload)),
        other_bundle,
        "keyed",
        ("", "InvalidSignature"),
        files,
        cases,
    )?;

    // A keyless certificate for another identity.
    let other_identity = Identity::Email(OTHER_IDENTITY.to_owned());
    let mallory_bundle = sigstore.sign_keyless(
        Payload::Artifact(manifest),
        &other_identity,
        EMAIL_ISSUER,
        BundleVersion::V03,
    );
    let mallory_sig = sigstore.sign_keyless(
        Payload::Artifact(&payload),
        &other_identity,
        EMAIL_ISSUER,
        BundleVersion::V03,
    );
    let ca_pem = sigstore.ca.cert().pem();
    variant(
        "other-identity",
        "a valid keyless signature, but by another identity",
        keyless_sig_layer(&payload, &mallory_sig, &ca_pem),
        mallory_bundle,
        "artifact",
        ("SANs do not match", "certificate is not for"),
        files,
        cases,
    )?;

    // A wrong inclusion proof hash.
    let mut bad_proof = sigstore.sign_keyless(
        Payload::Artifact(manifest),
        &email,
        EMAIL_ISSUER,
        BundleVersion::V03,
    );
    if let Some(entry) = bad_proof.entry.as_mut() {
        if let Some(hash) = entry.hashes.first_mut() {
            hash[0] ^= 0x01;
        }
        bad_proof.bundle["verificationMaterial"]["tlogEntries"] = json!([entry.bundle_json()]);
    }
    // The legacy .sig form has no inclusion proof: its log promise (the
    // SET in cosign's bundle annotation) is the one made wrong.
    let mut bad_set = sigstore.sign_keyless(
        Payload::Artifact(&payload),
        &email,
        EMAIL_ISSUER,
        BundleVersion::V03,
    );
    if let Some(entry) = bad_set.entry.as_mut() {
        entry.set[10] ^= 0x01;
    }
    variant(
        "bad-inclusion-proof",
        "the bundle's inclusion proof has a wrong hash (the .sig's SET a wrong byte)",
        keyless_sig_layer(&payload, &bad_set, &ca_pem),
        bad_proof,
        "artifact",
        ("inclusion proof", "invalid signed entry timestamp"),
        files,
        cases,
    )?;

    // A valid signature for another image, attached to this one.
    let replay_payload = cosign::simple_signing_payload(docker_reference, other_digest);
    let replay_bundle = sigstore.sign_keyless(
        Payload::Artifact(other_manifest),
        &email,
        EMAIL_ISSUER,
        BundleVersion::V03,
    );
    variant(
        "replay",
        "a valid signature of another image's digest attached to this image",
        keyed_sig_layer(&replay_payload, &keys.signer.sign(&replay_payload)),
        replay_bundle,
        "artifact",
        ("digest mismatch", "payload names"),
        files,
        cases,
    )?;
    Ok(out)
}
