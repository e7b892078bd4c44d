//! Keyless (Sigstore) verification of a bundle: the Fulcio certificate
//! chains to the trusted root, the transparency log vouches for the entry
//! and its time, the certificate's key made the signature, and the
//! certificate names the identity and issuer the policy asks for.
//!
//! Checks run in an order where the first failure is the one a tamper
//! causes: a changed payload fails `Signature` (before `LogEntry`), a
//! replayed log proof fails `LogEntry` or `LogInclusion`, a changed time
//! fails `LogPromise`.

use sha2::{Digest as _, Sha256};

use super::bundle::{
    Bundle, CertificateChain, InclusionPromise, KindVersion, LogId, MessageSignature, RawBytes,
    TlogEntry, VerificationMaterial, decode_b64,
};
use super::check::{Check, CheckKind, Checks};
use super::dsse::{Envelope, pae};
use super::policy::Matcher;
use super::public_key::{PublicKey, hex, pem_blocks};
use super::rekor::{self, EntryContent};
use super::trusted_root::TrustedRoot;
use super::x509::Certificate;

/// What a signature signs.
#[derive(Debug, Clone, Copy)]
pub enum Signed<'a> {
    /// A message (e.g. a simple-signing payload).
    Message(&'a [u8]),
    /// A message known only by its SHA-256.
    MessageDigest {
        /// The message's SHA-256.
        sha256: [u8; 32],
    },
    /// A DSSE envelope (its PAE is what is signed).
    Dsse(&'a Envelope),
}

impl Signed<'_> {
    fn entry_content(&self) -> EntryContent<'_> {
        match self {
            Signed::Message(m) => EntryContent::Digest(Sha256::digest(m).into()),
            Signed::MessageDigest { sha256 } => EntryContent::Digest(*sha256),
            Signed::Dsse(e) => EntryContent::Dsse(e),
        }
    }

    /// Whether `key` made `signature` over this. ECDSA signatures are
    /// accepted over the SHA-256 of the message (as Sigstore signs,
    /// whatever the curve) or over the message with the curve's hash.
    pub fn verified_by(&self, key: &PublicKey, signature: &[u8]) -> bool {
        match self {
            Signed::Message(m) => {
                key.verify(m, signature)
                    || key.verify_prehashed_sha256(&Sha256::digest(m), signature)
            }
            Signed::MessageDigest { sha256 } => key.verify_prehashed_sha256(sha256, signature),
            Signed::Dsse(e) => {
                let message = pae(&e.payload_type, &e.payload);
                key.verify(&message, signature)
                    || key.verify_prehashed_sha256(&Sha256::digest(&message), signature)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Signed::Message(m) => format!("the message (sha256:{})", hex(&Sha256::digest(m))),
            Signed::MessageDigest { sha256 } => format!("the message sha256:{}", hex(sha256)),
            Signed::Dsse(e) => format!("the DSSE envelope's {} payload", e.payload_type),
        }
    }
}

/// Who signed, as a verified certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The subject alternative name the policy matched (e-mail or URI).
    pub identity: String,
    /// The OIDC issuer.
    pub issuer: String,
    /// The certificate's validity start, Unix seconds.
    pub not_before: i64,
    /// The certificate's validity end, Unix seconds.
    pub not_after: i64,
    /// The log entry's index.
    pub log_index: Option<i64>,
    /// When the log took the entry, Unix seconds.
    pub integrated_time: Option<i64>,
    /// The trusted root's name.
    pub root: String,
}

/// What the transparency log checks established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogFacts {
    /// The entry's index.
    pub log_index: i64,
    /// When the log took the entry, Unix seconds.
    pub integrated_time: i64,
    /// Whether a verified inclusion promise covers `integrated_time`
    /// (an inclusion proof alone does not sign the time).
    pub time_promised: bool,
    /// The log's base URL.
    pub log: String,
}

/// The log proofs of the bundle's first entry: `LogPromise` and/or
/// `LogInclusion`, or one failed check when there is neither. What they
/// established if all passed, and whether a promise verified (`None`:
/// there was none).
fn log_proofs(
    bundle: &Bundle,
    root: &TrustedRoot,
    checks: &mut Checks,
) -> (Option<TlogFacts>, Option<bool>) {
    let Some(entry) = bundle.verification_material.tlog_entries.first() else {
        checks.push(Check::failed(
            CheckKind::LogInclusion,
            "a transparency log entry with an inclusion promise or proof",
            "the bundle carries no log entry",
        ));
        return (None, None);
    };
    let promise = rekor::check_promise(entry, root);
    let inclusion = rekor::check_inclusion(entry, root);
    if promise.is_none() && inclusion.is_none() {
        checks.push(Check::failed(
            CheckKind::LogInclusion,
            "an inclusion promise or an inclusion proof",
            "the bundle carries no log proof",
        ));
        return (None, None);
    }
    let mut ok = true;
    let promised = promise.as_ref().map(Check::is_passed);
    let time_promised = promised == Some(true);
    for check in [promise, inclusion].into_iter().flatten() {
        ok &= checks.push(check);
    }
    let facts = ok.then(|| TlogFacts {
        log_index: entry.log_index,
        integrated_time: entry.integrated_time,
        time_promised,
        log: root
            .log(&entry.log_id.key_id)
            .map(|l| l.base_url.clone())
            .unwrap_or_default(),
    });
    (facts, promised)
}

fn signer_der(signer_pem: &str) -> Vec<u8> {
    pem_blocks(signer_pem, "CERTIFICATE")
        .into_iter()
        .next()
        .or_else(|| pem_blocks(signer_pem, "PUBLIC KEY").into_iter().next())
        .unwrap_or_default()
}

/// The `LogEntry` check of the bundle's first entry.
fn log_entry(bundle: &Bundle, signer: &[u8], signature: &[u8], signed: &Signed) -> Option<Check> {
    let entry = bundle.verification_material.tlog_entries.first()?;
    Some(rekor::check_entry(
        entry,
        signer,
        signature,
        signed.entry_content(),
    ))
}

/// The transparency log checks of a bundle signed by `signer_pem` (a PEM
/// certificate or public key): `LogPromise` and/or `LogInclusion`, then
/// `LogEntry`. What they established, if all passed.
pub fn verify_log(
    bundle: &Bundle,
    signer_pem: &str,
    signature: &[u8],
    signed: &Signed,
    root: &TrustedRoot,
    checks: &mut Checks,
) -> Option<TlogFacts> {
    let (facts, _) = log_proofs(bundle, root, checks);
    let entry = log_entry(bundle, &signer_der(signer_pem), signature, signed)?;
    let ok = checks.push(entry);
    facts.filter(|_| ok)
}

/// The `CertificateChain` check: `leaf` chains, through the bundle's
/// intermediates or the root's, to a self-signed CA certificate of a
/// certificate authority of `root` that was issuing at `time`.
fn check_chain(
    leaf: &Certificate,
    bundle_chain: &[Certificate],
    root: &TrustedRoot,
    time: i64,
) -> Check {
    let expected = format!(
        "a code-signing certificate issued by a certificate authority of the {} at {}",
        root.name(),
        rekor::rfc3339(time)
    );
    if leaf.is_ca() || !leaf.has_code_signing() {
        return Check::failed(
            CheckKind::CertificateChain,
            expected,
            "a leaf certificate that is a CA or lacks the code-signing usage",
        );
    }
    for ca in root.authorities.iter().filter(|ca| ca.valid_at(time)) {
        let Some(anchor) = ca.certificates.last() else {
            continue;
        };
        let pool: Vec<&Certificate> = bundle_chain.iter().chain(&ca.certificates).collect();
        let mut path = vec![leaf];
        let mut current = leaf;
        // Fulcio chains are two or three long; five bounds a hostile loop.
        for _ in 0..5 {
            if current.issued_by(anchor) {
                path.push(anchor);
                let names: Vec<&str> = path[1..].iter().map(|c| c.subject()).collect();
                return Check::passed(
                    CheckKind::CertificateChain,
                    format!("{} ({}, {})", names.join(" → "), ca.uri, root.name()),
                );
            }
            let next = pool.iter().copied().find(|c| {
                c.is_ca() && c.der() != current.der() && c.valid_at(time) && current.issued_by(c)
            });
            match next {
                Some(next) => {
                    path.push(next);
                    current = next;
                }
                None => break,
            }
        }
    }
    Check::failed(
        CheckKind::CertificateChain,
        expected,
        format!(
            "a certificate issued by {:?} that no certificate authority of the root valid then signed",
            leaf.issuer_name()
        ),
    )
}

/// Verifies a keyless bundle: pushes `CertificateChain`, `LogPromise`
/// and/or `LogInclusion`, `SigningTime`, `Signature`, `LogEntry`,
/// `Identity` and `Issuer`; the signer if every one passed.
pub fn verify_keyless(
    bundle: &Bundle,
    signed: &Signed,
    root: &TrustedRoot,
    identity: &Matcher,
    issuer: &Matcher,
    checks: &mut Checks,
) -> Option<Signer> {
    let certs = bundle.certificates();
    let Some(leaf_der) = certs.first() else {
        checks.push(Check::failed(
            CheckKind::CertificateChain,
            "a signing certificate in the bundle",
            "none (a keyed bundle?)",
        ));
        return None;
    };
    let leaf = match Certificate::from_der(leaf_der) {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check::failed(
                CheckKind::CertificateChain,
                "a signing certificate in the bundle",
                e,
            ));
            return None;
        }
    };
    // Fulcio chains are short; a hostile bundle's thousands of
    // certificates would only cost signature checks.
    let chain: Vec<Certificate> = certs[1..]
        .iter()
        .take(8)
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let entry = bundle.verification_material.tlog_entries.first();
    let time = entry.map_or(leaf.not_before(), |e| e.integrated_time);
    let mut ok = checks.push(check_chain(&leaf, &chain, root, time));

    let (facts, promised) = log_proofs(bundle, root, checks);
    ok &= facts.is_some();

    // Only a verified promise signs the entry's time; an inclusion proof
    // does not.
    let unpromised = |actual: &str| {
        Check::failed(
            CheckKind::SigningTime,
            format!(
                "a signing time the log promised (a signed entry timestamp) between {} and {}",
                rekor::rfc3339(leaf.not_before()),
                rekor::rfc3339(leaf.not_after())
            ),
            format!("{actual}, for {}", rekor::rfc3339(time)),
        )
    };
    ok &= match promised {
        None => checks.push(unpromised("no inclusion promise")),
        Some(false) => checks.push(unpromised("an inclusion promise that does not verify")),
        Some(true) => checks.expect(
            CheckKind::SigningTime,
            leaf.valid_at(time),
            format!(
                "logged at {}, within the certificate's validity",
                rekor::rfc3339(time)
            ),
            format!(
                "a time between {} and {}",
                rekor::rfc3339(leaf.not_before()),
                rekor::rfc3339(leaf.not_after())
            ),
            rekor::rfc3339(time),
        ),
    };

    let signature = bundle.signature().unwrap_or(&[]);
    ok &= match leaf.public_key() {
        Ok(key) => checks.expect(
            CheckKind::Signature,
            signed.verified_by(key, signature),
            format!("{} key of the certificate", key.algorithm()),
            format!(
                "a signature over {} by the certificate's key",
                signed.describe()
            ),
            "a signature that does not verify",
        ),
        Err(e) => checks.push(Check::failed(
            CheckKind::Signature,
            "a certificate key strata verifies with",
            e,
        )),
    };

    ok &= log_entry(bundle, leaf.der(), signature, signed).is_some_and(|c| checks.push(c));

    let identities = leaf.identities();
    let matched = identities.iter().find(|i| identity.matches(i)).copied();
    ok &= checks.expect(
        CheckKind::Identity,
        matched.is_some(),
        matched.unwrap_or(""),
        identity.describe(),
        if identities.is_empty() {
            "no e-mail or URI subject alternative name".to_owned()
        } else {
            identities.join(", ")
        },
    );
    let oidc = leaf.oidc_issuer();
    let issuer_ok = oidc.is_some_and(|i| issuer.matches(i));
    ok &= checks.expect(
        CheckKind::Issuer,
        issuer_ok,
        oidc.unwrap_or(""),
        issuer.describe(),
        oidc.unwrap_or("no OIDC issuer extension"),
    );

    if !ok {
        return None;
    }
    Some(Signer {
        identity: matched.unwrap_or("").to_owned(),
        issuer: oidc.unwrap_or("").to_owned(),
        not_before: leaf.not_before(),
        not_after: leaf.not_after(),
        log_index: facts.as_ref().map(|f| f.log_index),
        integrated_time: facts.as_ref().map(|f| f.integrated_time),
        root: root.name().to_owned(),
    })
}

/// Cosign's legacy `.sig` layer annotations as a bundle: the signature
/// (`dev.cosignproject.cosign/signature`), the certificate and chain
/// (`dev.sigstore.cosign/certificate`, `…/chain`) and the Rekor bundle
/// (`dev.sigstore.cosign/bundle`), which becomes a log entry with an
/// inclusion promise only.
pub fn bundle_from_cosign_legacy(
    signature_b64: &str,
    certificate_pem: Option<&str>,
    chain_pem: Option<&str>,
    rekor_bundle_json: Option<&str>,
) -> Result<Bundle, String> {
    let signature =
        decode_b64(signature_b64).map_err(|e| format!("the cosign signature annotation: {e}"))?;
    let mut material = VerificationMaterial::default();
    if let Some(pem) = certificate_pem {
        let mut certificates: Vec<RawBytes> = pem_blocks(pem, "CERTIFICATE")
            .into_iter()
            .take(1)
            .map(|raw_bytes| RawBytes { raw_bytes })
            .collect();
        if certificates.is_empty() {
            return Err("the cosign certificate annotation holds no PEM certificate".into());
        }
        if let Some(chain) = chain_pem {
            certificates.extend(
                pem_blocks(chain, "CERTIFICATE")
                    .into_iter()
                    .map(|raw_bytes| RawBytes { raw_bytes }),
            );
        }
        material.x509_certificate_chain = Some(CertificateChain { certificates });
    }
    if let Some(json) = rekor_bundle_json {
        material.tlog_entries.push(legacy_entry(json)?);
    }
    Ok(Bundle {
        media_type: "application/vnd.dev.sigstore.bundle+json;version=0.1".into(),
        verification_material: material,
        message_signature: Some(MessageSignature {
            message_digest: None,
            signature,
        }),
        dsse_envelope: None,
    })
}

fn legacy_entry(json: &str) -> Result<TlogEntry, String> {
    let bad = |what: &str| format!("the cosign bundle annotation: {what}");
    if json.len() > 1 << 20 {
        return Err(bad("more than 1 MiB"));
    }
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let set = value["SignedEntryTimestamp"]
        .as_str()
        .ok_or_else(|| bad("no SignedEntryTimestamp"))?;
    let payload = &value["Payload"];
    let body_b64 = payload["body"]
        .as_str()
        .ok_or_else(|| bad("no Payload.body"))?;
    let body = decode_b64(body_b64).map_err(|e| bad(&format!("Payload.body: {e}")))?;
    let body_json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| bad(&format!("Payload.body is not JSON ({e})")))?;
    let int = |field: &str| {
        payload[field]
            .as_i64()
            .ok_or_else(|| bad(&format!("no integer Payload.{field}")))
    };
    let log_id = payload["logID"]
        .as_str()
        .ok_or_else(|| bad("no Payload.logID"))?;
    let key_id = unhex(log_id).ok_or_else(|| bad("Payload.logID is not hex"))?;
    Ok(TlogEntry {
        log_index: int("logIndex")?,
        log_id: LogId { key_id },
        kind_version: KindVersion {
            kind: body_json["kind"].as_str().unwrap_or("").to_owned(),
            version: body_json["apiVersion"].as_str().unwrap_or("").to_owned(),
        },
        integrated_time: int("integratedTime")?,
        inclusion_promise: Some(InclusionPromise {
            signed_entry_timestamp: decode_b64(set)
                .map_err(|e| bad(&format!("SignedEntryTimestamp: {e}")))?,
        }),
        inclusion_proof: None,
        canonicalized_body: body,
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
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
        let staging = TrustedRoot::from_json(include_bytes!("testdata/staging_trusted_root.json"))
            .expect("root");
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
        for i in (0..cert_len).step_by(97) {
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
        for i in (0..entry.canonicalized_body.len()).step_by(211) {
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
        // Every seventh byte: a test in the browser must end in seconds.
        for i in (0..envelope.len())
            .step_by(7)
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
        let legacy =
            bundle_from_cosign_legacy(&sig, Some(&cert), None, Some(&rekor)).expect("legacy");
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
}
