//! Keyed signatures and attestations, with keys made here (keyless ones
//! are tested against real bundles in `keyless.rs` and the fixtures).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};

use super::*;
use crate::media_type::MediaType;
use crate::signature::{IN_TOTO_PAYLOAD_TYPE, Outcome};

fn key(seed: u8) -> (SigningKey, PublicKey) {
    let signing = SigningKey::from_slice(&[seed; 32]).expect("scalar");
    // SubjectPublicKeyInfo of a P-256 key: the fixed header, then the point.
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    der.extend_from_slice(signing.verifying_key().to_encoded_point(false).as_bytes());
    (signing, PublicKey::from_der(&der).expect("key"))
}

fn payload(digest: &Digest) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"r.example/app"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    )
    .into_bytes()
}

fn sign(key: &SigningKey, message: &[u8]) -> String {
    use base64::Engine;
    let signature: DerSignature = key.sign(message);
    base64::engine::general_purpose::STANDARD.encode(signature.as_bytes())
}

fn layer(bytes: &[u8], signature: &str) -> Descriptor {
    let mut d = Descriptor::new(
        MediaType::parse(crate::signature::SIMPLE_SIGNING_MEDIA_TYPE),
        Digest::sha256_of(bytes),
        bytes.len() as u64,
    );
    d.annotations
        .insert(COSIGN_SIGNATURE.to_owned(), signature.to_owned());
    d
}

fn run(
    policy: Option<&Policy>,
    subject: &Digest,
    role: Role,
    layer: &Descriptor,
    bytes: &[u8],
) -> Finding {
    let root = TrustedRoot::public_good();
    let ctx = Context {
        subject,
        policy,
        root: &root,
        predicate_type: None,
    };
    verify_layer(
        &ctx,
        Source::SignatureTag,
        &Digest::sha256_of(b"artifact"),
        role,
        layer,
        bytes,
    )
}

fn first_failure(finding: &Finding) -> CheckKind {
    match &finding.verdict {
        Verdict::Failed { check } => check.kind,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_keyed_cosign_signature_verifies_and_names_its_key() {
    let (signing, public) = key(7);
    let image = Digest::sha256_of(b"image");
    let bytes = payload(&image);
    let layer = layer(&bytes, &sign(&signing, &bytes));
    let policy = Policy::Key(public.clone());
    let finding = run(Some(&policy), &image, Role::CosignSignature, &layer, &bytes);
    assert!(finding.is_verified(), "{:?}", finding.checks);
    let Verdict::Verified { signer, rests_on } = &finding.verdict else {
        panic!("verified")
    };
    assert!(signer.contains(&public.fingerprint()), "{signer}");
    assert!(rests_on.contains(&public.fingerprint()), "{rests_on}");
    let kinds: Vec<CheckKind> = finding.checks.0.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CheckKind::PayloadDigest,
            CheckKind::Key,
            CheckKind::Signature,
            CheckKind::SubjectDigest
        ]
    );
}

#[test]
fn each_tamper_turns_exactly_its_check_red() {
    let (signing, public) = key(7);
    let (other, _) = key(9);
    let image = Digest::sha256_of(b"image");
    let policy = Policy::Key(public);
    let bytes = payload(&image);
    let good = sign(&signing, &bytes);

    // One byte of the payload changed, the layer descriptor updated to match.
    let mut changed = bytes.clone();
    let at = changed.len() - 10;
    changed[at] ^= 0x01;
    let finding = run(
        Some(&policy),
        &image,
        Role::CosignSignature,
        &layer(&changed, &good),
        &changed,
    );
    assert_eq!(first_failure(&finding), CheckKind::Signature);

    // The payload changed but the descriptor not: the layer is not the one named.
    let finding = run(
        Some(&policy),
        &image,
        Role::CosignSignature,
        &layer(&bytes, &good),
        &changed,
    );
    assert_eq!(first_failure(&finding), CheckKind::PayloadDigest);

    // Signed by another key.
    let finding = run(
        Some(&policy),
        &image,
        Role::CosignSignature,
        &layer(&bytes, &sign(&other, &bytes)),
        &bytes,
    );
    assert_eq!(first_failure(&finding), CheckKind::Signature);

    // A good signature of another image, replayed onto this one.
    let elsewhere = payload(&Digest::sha256_of(b"another image"));
    let finding = run(
        Some(&policy),
        &image,
        Role::CosignSignature,
        &layer(&elsewhere, &sign(&signing, &elsewhere)),
        &elsewhere,
    );
    assert_eq!(first_failure(&finding), CheckKind::SubjectDigest);
    let Verdict::Failed { check } = &finding.verdict else {
        panic!("failed")
    };
    let Outcome::Failed { expected, actual } = &check.outcome else {
        panic!("failed outcome")
    };
    assert_eq!(expected, &image.to_string());
    assert_eq!(actual, &Digest::sha256_of(b"another image").to_string());
}

#[test]
fn without_a_key_a_keyed_signature_is_not_checked_and_an_identity_policy_fails() {
    let (signing, _) = key(7);
    let image = Digest::sha256_of(b"image");
    let bytes = payload(&image);
    let layer = layer(&bytes, &sign(&signing, &bytes));
    let finding = run(None, &image, Role::CosignSignature, &layer, &bytes);
    assert!(
        matches!(&finding.verdict, Verdict::NotChecked { reason } if reason.contains("--key")),
        "{:?}",
        finding.verdict
    );
    let policy = Policy::Identity {
        identity: Matcher::exact("me@example.com"),
        issuer: Matcher::exact("https://issuer.example"),
    };
    let finding = run(Some(&policy), &image, Role::CosignSignature, &layer, &bytes);
    assert_eq!(first_failure(&finding), CheckKind::Identity);
}

#[test]
fn a_keyed_dsse_attestation_checks_its_subject_and_type() {
    let (signing, public) = key(3);
    let image = Digest::sha256_of(b"image");
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"r.example/app","digest":{{"sha256":"{}"}}}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{{"buildDefinition":{{}}}}}}"#,
        image.encoded()
    );
    let signature: DerSignature = signing.sign(&pae(IN_TOTO_PAYLOAD_TYPE, statement.as_bytes()));
    let envelope = Envelope {
        payload: statement.into_bytes(),
        payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
        signatures: vec![super::super::EnvelopeSignature {
            sig: signature.as_bytes().to_vec(),
            keyid: String::new(),
        }],
    };
    let bytes = serde_json::to_vec(&envelope).expect("json");
    let layer = Descriptor::new(
        MediaType::parse(crate::signature::DSSE_MEDIA_TYPE),
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    let policy = Policy::Key(public);
    let root = TrustedRoot::public_good();
    let artifact = Digest::sha256_of(b"att");
    let mut ctx = Context {
        subject: &image,
        policy: Some(&policy),
        root: &root,
        predicate_type: Some("slsaprovenance1"),
    };
    let finding = verify_layer(
        &ctx,
        Source::AttestationTag,
        &artifact,
        Role::DsseEnvelope,
        &layer,
        &bytes,
    );
    assert!(finding.is_verified(), "{:?}", finding.checks);
    assert_eq!(
        finding.kind,
        Kind::Attestation {
            predicate_type: "https://slsa.dev/provenance/v1".into()
        }
    );
    ctx.predicate_type = Some("spdxjson");
    let finding = verify_layer(
        &ctx,
        Source::AttestationTag,
        &artifact,
        Role::DsseEnvelope,
        &layer,
        &bytes,
    );
    assert_eq!(first_failure(&finding), CheckKind::PredicateType);
    let other = Digest::sha256_of(b"other");
    ctx.subject = &other;
    ctx.predicate_type = None;
    let finding = verify_layer(
        &ctx,
        Source::AttestationTag,
        &artifact,
        Role::DsseEnvelope,
        &layer,
        &bytes,
    );
    assert_eq!(first_failure(&finding), CheckKind::SubjectDigest);
}

#[test]
fn cosign_type_names_map_to_predicate_types_exactly() {
    assert!(predicate_matches(
        "slsaprovenance",
        "https://slsa.dev/provenance/v0.2"
    ));
    assert!(!predicate_matches(
        "slsaprovenance",
        "https://slsa.dev/provenance/v1"
    ));
    assert!(predicate_matches(
        "slsaprovenance1",
        "https://slsa.dev/provenance/v1"
    ));
    assert!(!predicate_matches(
        "slsaprovenance02",
        "https://slsa.dev/provenance/v1"
    ));
    assert!(predicate_matches("spdxjson", "https://spdx.dev/Document"));
    assert!(predicate_matches("cyclonedx", "https://cyclonedx.org/bom"));
    assert!(!predicate_matches(
        "cyclonedx",
        "https://cyclonedx.org/bomb"
    ));
    assert!(predicate_matches(
        "https://example.com/p",
        "https://example.com/p"
    ));
    assert!(!predicate_matches(
        "https://example.com/p",
        "https://example.com/p/2"
    ));
    assert!(!predicate_matches("nonsense", "https://example.com/p"));
}
