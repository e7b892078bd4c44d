//! Keyless verification against real public-good and staging bundles
//! (testdata/README.md says where each comes from), and each tamper.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::signature::Outcome;

const GITHUB_WHL: &[u8] = include_bytes!("testdata/bundle_v3_github.whl");
const GITHUB_BUNDLE: &[u8] = include_bytes!("testdata/bundle_v3_github.whl.sigstore");
const GITHUB_IDENTITY: &str =
    "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn bundle(bytes: &[u8]) -> Bundle {
    Bundle::from_slice(bytes).expect("bundle")
}

fn run(
    bundle: &Bundle,
    signed: &Signed,
    root: &TrustedRoot,
    id: &str,
    iss: &str,
) -> (Option<Signer>, Checks) {
    let mut checks = Checks::default();
    let signer = verify_keyless(
        bundle,
        signed,
        root,
        &Matcher::exact(id),
        &Matcher::exact(iss),
        &mut checks,
    );
    (signer, checks)
}

fn kinds(checks: &Checks) -> Vec<CheckKind> {
    checks.0.iter().map(|c| c.kind).collect()
}

fn first_failure(checks: &Checks) -> CheckKind {
    checks.first_failure().expect("a failure").kind
}

#[test]
fn a_public_good_github_actions_bundle_verifies() {
    let b = bundle(GITHUB_BUNDLE);
    let root = TrustedRoot::public_good();
    let (signer, checks) = run(
        &b,
        &Signed::Message(GITHUB_WHL),
        &root,
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert!(checks.all_passed(), "{checks:#?}");
    assert_eq!(
        kinds(&checks),
        [
            CheckKind::CertificateChain,
            CheckKind::LogPromise,
            CheckKind::LogInclusion,
            CheckKind::SigningTime,
            CheckKind::Signature,
            CheckKind::LogEntry,
            CheckKind::Identity,
            CheckKind::Issuer,
        ]
    );
    let signer = signer.expect("signer");
    assert_eq!(signer.identity, GITHUB_IDENTITY);
    assert_eq!(signer.issuer, GITHUB_ISSUER);
    assert_eq!(signer.integrated_time, Some(1710888076));
    assert_eq!(signer.root, "Sigstore public-good trusted root");
    let time = checks.get(CheckKind::SigningTime).expect("time").line();
    assert!(time.contains("2024-03-19T22:41:16Z"), "{time}");
}

#[test]
fn a_public_good_intoto_attestation_verifies_and_a_changed_payload_fails() {
    // sigstore-go's examples/bundle-provenance.json: sigstore-js's npm
    // provenance, logged as an intoto 0.0.2 entry.
    let b = bundle(include_bytes!("testdata/bundle-provenance.json"));
    let envelope = b.dsse_envelope.clone().expect("envelope");
    let root = TrustedRoot::public_good();
    let identity =
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
    let (signer, checks) = run(&b, &Signed::Dsse(&envelope), &root, identity, GITHUB_ISSUER);
    assert!(checks.all_passed(), "{checks:#?}");
    assert!(signer.is_some());
    assert!(checks.get(CheckKind::LogInclusion).is_none());

    let mut changed = envelope.clone();
    changed.payload[10] ^= 1;
    let (_, checks) = run(&b, &Signed::Dsse(&changed), &root, identity, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::Signature);
    assert!(!checks.get(CheckKind::LogEntry).expect("entry").is_passed());

    let mut retyped = envelope;
    retyped.payload_type = "text/plain".into();
    let (_, checks) = run(&b, &Signed::Dsse(&retyped), &root, identity, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::Signature);
}

#[test]
fn a_digest_only_bundle_verifies_by_its_digest() {
    let b = bundle(include_bytes!("testdata/Python-3.12.5.tgz.sigstore"));
    let digest = b
        .message_signature
        .as_ref()
        .and_then(|m| m.message_digest.as_ref())
        .expect("digest");
    let sha256: [u8; 32] = digest.digest.clone().try_into().expect("32 bytes");
    let root = TrustedRoot::public_good();
    let signed = Signed::MessageDigest { sha256 };
    let (signer, checks) = run(
        &b,
        &signed,
        &root,
        "thomas@python.org",
        "https://accounts.google.com",
    );
    assert!(checks.all_passed(), "{checks:#?}");
    assert!(signer.is_some());
    let mut other = sha256;
    other[0] ^= 1;
    let (_, checks) = run(
        &b,
        &Signed::MessageDigest { sha256: other },
        &root,
        "thomas@python.org",
        "https://accounts.google.com",
    );
    assert_eq!(first_failure(&checks), CheckKind::Signature);
}

#[test]
fn staging_bundles_verify_under_the_staging_root_only() {
    let staging =
        TrustedRoot::from_json(include_bytes!("testdata/staging_trusted_root.json")).expect("root");
    let v01 = bundle(include_bytes!("testdata/bundle.txt.sigstore"));
    let signed = Signed::Message(include_bytes!("testdata/bundle.txt"));
    let issuer = "https://github.com/login/oauth";
    let (signer, checks) = run(&v01, &signed, &staging, "a@tny.town", issuer);
    assert!(checks.all_passed(), "{checks:#?}");
    assert!(
        signer
            .expect("signer")
            .root
            .starts_with("custom trusted root")
    );

    let v03 = bundle(include_bytes!("testdata/bundle_v3.txt.sigstore"));
    let signed = Signed::Message(include_bytes!("testdata/bundle_v3.txt"));
    let (_, checks) = run(&v03, &signed, &staging, "william@yossarian.net", issuer);
    assert!(checks.all_passed(), "{checks:#?}");

    // Public-good trusts neither staging's Fulcio nor its Rekor.
    let (signer, checks) = run(
        &v03,
        &signed,
        &TrustedRoot::public_good(),
        "william@yossarian.net",
        issuer,
    );
    assert!(signer.is_none());
    assert_eq!(first_failure(&checks), CheckKind::CertificateChain);
    assert!(
        !checks
            .get(CheckKind::LogPromise)
            .expect("promise")
            .is_passed()
    );
}

#[test]
fn a_flipped_artifact_byte_fails_the_signature_first() {
    let b = bundle(GITHUB_BUNDLE);
    let mut whl = GITHUB_WHL.to_vec();
    whl[100] ^= 1;
    let (signer, checks) = run(
        &b,
        &Signed::Message(&whl),
        &TrustedRoot::public_good(),
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert!(signer.is_none());
    assert_eq!(first_failure(&checks), CheckKind::Signature);
    // The log entry names another digest too.
    assert!(!checks.get(CheckKind::LogEntry).expect("entry").is_passed());
}

#[test]
fn a_wrong_identity_or_issuer_fails_and_says_what_was_found() {
    let b = bundle(GITHUB_BUNDLE);
    let root = TrustedRoot::public_good();
    let signed = Signed::Message(GITHUB_WHL);
    let (signer, checks) = run(&b, &signed, &root, "someone@example.com", GITHUB_ISSUER);
    assert!(signer.is_none());
    let failure = checks.first_failure().expect("failure");
    assert_eq!(failure.kind, CheckKind::Identity);
    let Outcome::Failed { actual, .. } = &failure.outcome else {
        panic!("failed");
    };
    assert_eq!(actual, GITHUB_IDENTITY);
    let (_, checks) = run(
        &b,
        &signed,
        &root,
        GITHUB_IDENTITY,
        "https://accounts.google.com",
    );
    assert_eq!(first_failure(&checks), CheckKind::Issuer);
}

#[test]
fn tampered_log_proofs_fail_their_checks() {
    let root = TrustedRoot::public_good();
    let signed = Signed::Message(GITHUB_WHL);

    let mut b = bundle(GITHUB_BUNDLE);
    let proof = b.verification_material.tlog_entries[0]
        .inclusion_proof
        .as_mut()
        .expect("proof");
    proof.hashes[0][3] ^= 1;
    let (_, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::LogInclusion);

    let mut b = bundle(GITHUB_BUNDLE);
    b.verification_material.tlog_entries[0].integrated_time += 1;
    let (_, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::LogPromise);
    // The inclusion proof does not cover the time, and the time is not
    // taken from a promise that failed.
    assert!(
        checks
            .get(CheckKind::LogInclusion)
            .expect("proof")
            .is_passed()
    );
    assert!(
        !checks
            .get(CheckKind::SigningTime)
            .expect("time")
            .is_passed()
    );

    let mut b = bundle(GITHUB_BUNDLE);
    let proof = b.verification_material.tlog_entries[0]
        .inclusion_proof
        .as_mut()
        .expect("proof");
    let checkpoint = proof.checkpoint.as_mut().expect("checkpoint");
    checkpoint.envelope = checkpoint.envelope.replacen('\n', "x\n", 1);
    let (_, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::LogInclusion);

    let mut b = bundle(GITHUB_BUNDLE);
    b.verification_material.tlog_entries.clear();
    let (_, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
    assert_eq!(first_failure(&checks), CheckKind::LogInclusion);
    let line = checks.first_failure().expect("failure").line();
    assert!(line.contains("no log entry"), "{line}");

    let mut b = bundle(GITHUB_BUNDLE);
    let entry = &mut b.verification_material.tlog_entries[0];
    entry.inclusion_promise = None;
    entry.inclusion_proof = None;
    let (_, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
    let line = checks.first_failure().expect("failure").line();
    assert!(line.contains("no log proof"), "{line}");
}

#[test]
fn a_log_entry_of_another_signature_is_refused() {
    // The Python bundle's log proofs are genuine, but for another
    // signature, certificate and artifact.
    let root = TrustedRoot::public_good();
    let python = bundle(include_bytes!("testdata/Python-3.12.5.tgz.sigstore"));
    let mut b = bundle(GITHUB_BUNDLE);
    b.verification_material.tlog_entries = python.verification_material.tlog_entries;
    let (signer, checks) = run(
        &b,
        &Signed::Message(GITHUB_WHL),
        &root,
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert!(signer.is_none());
    assert_eq!(first_failure(&checks), CheckKind::SigningTime);
    assert!(!checks.get(CheckKind::LogEntry).expect("entry").is_passed());
}

#[test]
fn flipped_bytes_anywhere_in_the_certificate_or_log_entry_fail_without_panicking() {
    let root = TrustedRoot::public_good();
    let signed = Signed::Message(GITHUB_WHL);
    let verify = |b: &Bundle| run(b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER).0;
    let original = bundle(GITHUB_BUNDLE);
    let cert_len = original.certificates()[0].len();
    // In the browser the debug build verifies slowly and a test must end
    // well within the runner's 20 s: fewer samples there.
    let sparse = if cfg!(target_arch = "wasm32") { 6 } else { 1 };
    for i in (0..cert_len).step_by(97 * sparse) {
        let mut b = original.clone();
        let chain = b
            .verification_material
            .x509_certificate_chain
            .as_mut()
            .expect("chain");
        chain.certificates[0].raw_bytes[i] ^= 0x10;
        assert!(verify(&b).is_none(), "certificate byte {i}");
    }
    let entry = &original.verification_material.tlog_entries[0];
    for i in (0..entry.canonicalized_body.len()).step_by(211 * sparse) {
        let mut b = original.clone();
        b.verification_material.tlog_entries[0].canonicalized_body[i] ^= 0x01;
        assert!(verify(&b).is_none(), "body byte {i}");
    }
    let envelope = &entry
        .inclusion_proof
        .as_ref()
        .expect("proof")
        .checkpoint
        .as_ref()
        .expect("checkpoint")
        .envelope;
    // The signer's name on the signature line is not signed (the key
    // hint picks the key), so it is left alone.
    let name_start = envelope.find('\u{2014}').expect("dash") + "\u{2014} ".len();
    let name_end = name_start + envelope[name_start..].find(' ').expect("space");
    // Every seventh byte (every 42nd in the browser).
    for i in (0..envelope.len())
        .step_by(7 * sparse)
        .filter(|i| !(name_start..name_end).contains(i))
    {
        let mut text = envelope.as_bytes().to_vec();
        text[i] ^= 0x01;
        let Ok(text) = String::from_utf8(text) else {
            continue;
        };
        let mut b = original.clone();
        let proof = b.verification_material.tlog_entries[0]
            .inclusion_proof
            .as_mut()
            .expect("proof");
        proof.checkpoint.as_mut().expect("checkpoint").envelope = text;
        let (signer, checks) = run(&b, &signed, &root, GITHUB_IDENTITY, GITHUB_ISSUER);
        assert!(signer.is_none(), "checkpoint byte {i}");
        assert_eq!(
            first_failure(&checks),
            CheckKind::LogInclusion,
            "checkpoint byte {i}"
        );
    }
}

#[test]
fn a_certificate_authority_not_issuing_at_the_signing_time_is_not_trusted() {
    let json = std::str::from_utf8(include_bytes!("data/public_good_trusted_root.json"))
        .expect("utf-8")
        .replace(
            r#""start": "2022-04-13T20:06:15Z""#,
            r#""start": "2022-04-13T20:06:15Z", "end": "2023-12-31T23:59:59Z""#,
        );
    let root = TrustedRoot::from_json(json.as_bytes()).expect("root");
    let b = bundle(GITHUB_BUNDLE);
    let (signer, checks) = run(
        &b,
        &Signed::Message(GITHUB_WHL),
        &root,
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert!(signer.is_none());
    assert_eq!(first_failure(&checks), CheckKind::CertificateChain);
    let line = checks.first_failure().expect("failure").line();
    assert!(line.contains("2024-03-19T22:41:16Z"), "{line}");
}

#[test]
fn a_bundle_without_a_certificate_stops_at_the_chain() {
    let mut b = bundle(GITHUB_BUNDLE);
    b.verification_material.x509_certificate_chain = None;
    b.verification_material.certificate = None;
    let (_, checks) = run(
        &b,
        &Signed::Message(GITHUB_WHL),
        &TrustedRoot::public_good(),
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert_eq!(kinds(&checks), [CheckKind::CertificateChain]);
}

#[test]
fn cosign_legacy_annotations_become_a_bundle() {
    // The GitHub bundle's parts, spelled as cosign's annotations.
    let b = bundle(GITHUB_BUNDLE);
    let sig = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        &b.message_signature.as_ref().expect("sig").signature,
    );
    let cert = Certificate::from_der(b.certificates()[0])
        .expect("cert")
        .to_pem();
    let entry = &b.verification_material.tlog_entries[0];
    let rekor = serde_json::json!({
        "SignedEntryTimestamp": base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &entry.inclusion_promise.as_ref().expect("promise").signed_entry_timestamp),
        "Payload": {
            "body": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &entry.canonicalized_body),
            "integratedTime": entry.integrated_time,
            "logIndex": entry.log_index,
            "logID": hex(&entry.log_id.key_id),
        }
    })
    .to_string();
    let legacy = bundle_from_cosign_legacy(&sig, Some(&cert), None, Some(&rekor)).expect("legacy");
    assert_eq!(
        legacy.verification_material.tlog_entries[0].kind_version,
        entry.kind_version
    );
    let (signer, checks) = run(
        &legacy,
        &Signed::Message(GITHUB_WHL),
        &TrustedRoot::public_good(),
        GITHUB_IDENTITY,
        GITHUB_ISSUER,
    );
    assert!(checks.all_passed(), "{checks:#?}");
    assert!(signer.is_some());
    assert!(checks.get(CheckKind::LogInclusion).is_none());

    assert!(bundle_from_cosign_legacy("!!", None, None, None).is_err());
    assert!(bundle_from_cosign_legacy(&sig, Some("no pem"), None, None).is_err());
    assert!(bundle_from_cosign_legacy(&sig, None, None, Some("{}")).is_err());
    assert!(bundle_from_cosign_legacy(&sig, None, None, Some(r#"{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"zz"}}"#)).is_err());
}

#[test]
fn a_keyed_caller_checks_the_log_with_verify_log() {
    let b = bundle(GITHUB_BUNDLE);
    let cert = Certificate::from_der(b.certificates()[0]).expect("cert");
    let signature = b.signature().expect("sig");
    let mut checks = Checks::default();
    let facts = verify_log(
        &b,
        &cert.to_pem(),
        signature,
        &Signed::Message(GITHUB_WHL),
        &TrustedRoot::public_good(),
        &mut checks,
    );
    assert!(checks.all_passed(), "{checks:#?}");
    let facts = facts.expect("facts");
    assert!(facts.time_promised);
    assert_eq!(facts.log, "https://rekor.sigstore.dev");
    let mut checks = Checks::default();
    let facts = verify_log(
        &b,
        &cert.to_pem(),
        b"other",
        &Signed::Message(GITHUB_WHL),
        &TrustedRoot::public_good(),
        &mut checks,
    );
    assert!(facts.is_none());
    assert_eq!(first_failure(&checks), CheckKind::LogEntry);
}
