//! Verifying one layer of an artifact: a cosign signature, a DSSE
//! attestation, a Sigstore bundle, or an unsigned statement or SBOM.
//! Written once; the CLI (`strata verify`) and the browser both call
//! [`verify_layer`] with the bytes they fetched.
//!
//! The checks run in an order chosen so the first failure is the one a
//! tamper causes:
//! 1. [`CheckKind::PayloadDigest`]: the bytes are the layer the manifest names;
//! 2. the signature: under the policy's key ([`CheckKind::Key`],
//!    [`CheckKind::Signature`]), or keylessly (certificate chain, log
//!    proofs, signing time, signature, identity and issuer);
//! 3. [`CheckKind::SubjectDigest`]: what was signed names this image, so
//!    a valid signature of another image (a replay) fails here;
//! 4. [`CheckKind::PredicateType`], when an attestation type was asked for.

use crate::digest::Digest;
use crate::manifest::Descriptor;

use super::bundle::Bundle;
use super::check::{Check, CheckKind, Checks};
use super::dsse::{Envelope, Statement, pae};
use super::evidence::{
    COSIGN_BUNDLE, COSIGN_CERTIFICATE, COSIGN_CHAIN, COSIGN_SIGNATURE, Role, Source,
};
use super::finding::{Finding, Kind, Verdict};
use super::keyless::{Signed, Signer, bundle_from_cosign_legacy, verify_keyless, verify_log};
use super::policy::{Matcher, Policy};
use super::predicate_type::predicate_matches;
use super::public_key::PublicKey;
use super::simple_signing::SimpleSigning;
use super::trusted_root::TrustedRoot;

/// What a verification is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The image the signature must name.
    pub subject: &'a Digest,
    /// What the signer must be; `None`: the link or command names none.
    pub policy: Option<&'a Policy>,
    /// The certificate authorities and logs trusted for keyless signatures.
    pub root: &'a TrustedRoot,
    /// The predicate type an attestation must have (`verify-attestation --type`).
    pub predicate_type: Option<&'a str>,
}

/// Verifies `bytes`, the layer `layer` of the artifact `artifact` found at `source`.
pub fn verify_layer(
    ctx: &Context,
    source: Source,
    artifact: &Digest,
    role: Role,
    layer: &Descriptor,
    bytes: &[u8],
) -> Finding {
    let mut finding = Finding::unread(source, ctx.subject, artifact, role, layer);
    let actual = Digest::sha256_of(bytes);
    if !finding.checks.expect(
        CheckKind::PayloadDigest,
        actual == layer.digest,
        format!("{} bytes, {}", bytes.len(), layer.digest),
        layer.digest.to_string(),
        actual.to_string(),
    ) {
        finding.verdict = verdict_of(&finding.checks, None, None);
        return finding;
    }
    match role {
        Role::CosignSignature => cosign_signature(ctx, layer, bytes, &mut finding),
        Role::DsseEnvelope => dsse_layer(ctx, layer, bytes, &mut finding),
        Role::Bundle => bundle_layer(ctx, bytes, &mut finding),
        Role::Statement => {
            match Statement::from_slice(bytes) {
                Ok(statement) => {
                    finding.kind = Kind::Attestation {
                        predicate_type: statement.predicate_type.clone(),
                    };
                    // Shown with its subject check; unsigned, so it never
                    // counts for or against a policy (nor a --type).
                    subject_check(ctx, &statement, &mut finding.checks);
                    finding.statement = Some(statement);
                }
                Err(e) => {
                    finding.checks.push(Check::failed(
                        CheckKind::SubjectDigest,
                        "an in-toto statement",
                        e,
                    ));
                }
            }
            finding.verdict = Verdict::Unsigned;
        }
        Role::Sbom => {
            finding.kind = Kind::Sbom;
            finding.verdict = Verdict::Unsigned;
        }
        Role::Other => finding.verdict = Verdict::Unsigned,
    }
    finding
}

/// The signing material a legacy layer's annotations carry.
struct Legacy<'a> {
    signature: Option<&'a str>,
    certificate: Option<&'a str>,
    chain: Option<&'a str>,
    rekor: Option<&'a str>,
}

impl<'a> Legacy<'a> {
    fn of(layer: &'a Descriptor) -> Legacy<'a> {
        let get = |k: &str| layer.annotations.get(k).map(String::as_str);
        Legacy {
            signature: get(COSIGN_SIGNATURE),
            certificate: get(COSIGN_CERTIFICATE).filter(|c| !c.trim().is_empty()),
            chain: get(COSIGN_CHAIN).filter(|c| !c.trim().is_empty()),
            rekor: get(COSIGN_BUNDLE).filter(|c| !c.trim().is_empty()),
        }
    }
}

fn cosign_signature(ctx: &Context, layer: &Descriptor, payload: &[u8], finding: &mut Finding) {
    finding.kind = Kind::Signature;
    let legacy = Legacy::of(layer);
    let Some(signature_b64) = legacy.signature else {
        finding.checks.push(Check::failed(
            CheckKind::Signature,
            format!("a signature in the {COSIGN_SIGNATURE} annotation"),
            "no signature annotation",
        ));
        finding.verdict = verdict_of(&finding.checks, None, None);
        return;
    };
    let signed = Signed::Message(payload);
    let outcome = if legacy.certificate.is_some() {
        match bundle_from_cosign_legacy(
            signature_b64,
            legacy.certificate,
            legacy.chain,
            legacy.rekor,
        ) {
            Ok(bundle) => keyless(ctx, &bundle, &signed, finding),
            Err(e) => {
                finding.checks.push(Check::failed(
                    CheckKind::CertificateChain,
                    "cosign's certificate annotations",
                    e,
                ));
                None
            }
        }
    } else {
        let signature = super::bundle::decode_b64(signature_b64).unwrap_or_default();
        // cosign's Rekor bundle annotation, when there is one, is checked too.
        let logged = legacy.rekor.and_then(|rekor| {
            bundle_from_cosign_legacy(signature_b64, None, None, Some(rekor)).ok()
        });
        keyed(ctx, &signature, &signed, logged.as_ref(), finding)
    };
    match SimpleSigning::from_slice(payload) {
        Ok(simple) => {
            finding.checks.expect(
                CheckKind::SubjectDigest,
                simple.signs(ctx.subject),
                format!("the payload signs {}", ctx.subject),
                ctx.subject.to_string(),
                simple.manifest_digest.clone(),
            );
        }
        Err(e) => {
            finding.checks.push(Check::failed(
                CheckKind::SubjectDigest,
                format!("a payload naming {}", ctx.subject),
                e,
            ));
        }
    }
    finding.verdict = verdict_of(&finding.checks, outcome, ctx.policy);
}

fn dsse_layer(ctx: &Context, layer: &Descriptor, bytes: &[u8], finding: &mut Finding) {
    let envelope: Envelope = match serde_json::from_slice(bytes) {
        Ok(e) => e,
        Err(e) => {
            finding.checks.push(Check::failed(
                CheckKind::Signature,
                "a DSSE envelope",
                format!("unreadable JSON: {e}"),
            ));
            finding.verdict = verdict_of(&finding.checks, None, None);
            return;
        }
    };
    let legacy = Legacy::of(layer);
    let signed = Signed::Dsse(&envelope);
    let outcome = match envelope.signatures.first() {
        None => {
            finding.checks.push(Check::failed(
                CheckKind::Signature,
                "a signature in the envelope",
                "an envelope with no signatures",
            ));
            None
        }
        Some(first) if legacy.certificate.is_some() => {
            let signature_b64 = base64_of(&first.sig);
            match bundle_from_cosign_legacy(
                &signature_b64,
                legacy.certificate,
                legacy.chain,
                legacy.rekor,
            ) {
                Ok(mut bundle) => {
                    bundle.message_signature = None;
                    bundle.dsse_envelope = Some(envelope.clone());
                    keyless(ctx, &bundle, &signed, finding)
                }
                Err(e) => {
                    finding.checks.push(Check::failed(
                        CheckKind::CertificateChain,
                        "cosign's certificate annotations",
                        e,
                    ));
                    None
                }
            }
        }
        Some(_) => {
            let signatures: Vec<Vec<u8>> =
                envelope.signatures.iter().map(|s| s.sig.clone()).collect();
            keyed_any(ctx, &signatures, &signed, None, finding)
        }
    };
    statement_checks(ctx, &envelope, finding);
    finding.verdict = verdict_of(&finding.checks, outcome, ctx.policy);
}

fn bundle_layer(ctx: &Context, bytes: &[u8], finding: &mut Finding) {
    let bundle = match Bundle::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            finding.kind = Kind::Signature;
            finding.checks.push(Check::failed(
                CheckKind::Signature,
                "a Sigstore bundle",
                e.to_string(),
            ));
            finding.verdict = verdict_of(&finding.checks, None, None);
            return;
        }
    };
    let keyless_bundle = !bundle.certificates().is_empty();
    let outcome = if let Some(envelope) = &bundle.dsse_envelope {
        let signed = Signed::Dsse(envelope);
        let outcome = if keyless_bundle {
            keyless(ctx, &bundle, &signed, finding)
        } else {
            let signatures: Vec<Vec<u8>> =
                envelope.signatures.iter().map(|s| s.sig.clone()).collect();
            keyed_any(ctx, &signatures, &signed, Some(&bundle), finding)
        };
        statement_checks(ctx, envelope, finding);
        outcome
    } else if let Some(message) = &bundle.message_signature {
        finding.kind = Kind::Signature;
        let digest = message
            .message_digest
            .as_ref()
            .filter(|d| d.algorithm == "SHA2_256")
            .and_then(|d| <[u8; 32]>::try_from(d.digest.as_slice()).ok());
        let Some(sha256) = digest else {
            finding.checks.push(Check::failed(
                CheckKind::SubjectDigest,
                format!("a SHA2_256 message digest naming {}", ctx.subject),
                "no usable message digest",
            ));
            finding.verdict = verdict_of(&finding.checks, None, None);
            return;
        };
        let signed = Signed::MessageDigest { sha256 };
        let outcome = if keyless_bundle {
            keyless(ctx, &bundle, &signed, finding)
        } else {
            keyed(ctx, &message.signature, &signed, Some(&bundle), finding)
        };
        let named = format!("sha256:{}", super::public_key::hex(&sha256));
        finding.checks.expect(
            CheckKind::SubjectDigest,
            named == ctx.subject.to_string(),
            format!("the bundle signs {}", ctx.subject),
            ctx.subject.to_string(),
            named,
        );
        outcome
    } else {
        None
    };
    finding.verdict = verdict_of(&finding.checks, outcome, ctx.policy);
}

/// The statement of a DSSE envelope: subject and predicate type.
fn statement_checks(ctx: &Context, envelope: &Envelope, finding: &mut Finding) {
    if envelope.payload_type != super::dsse::IN_TOTO_PAYLOAD_TYPE {
        finding.kind = Kind::Attestation {
            predicate_type: String::new(),
        };
        finding.checks.push(Check::failed(
            CheckKind::SubjectDigest,
            format!(
                "an in-toto statement (payloadType {})",
                super::dsse::IN_TOTO_PAYLOAD_TYPE
            ),
            format!("payloadType {:?}", envelope.payload_type),
        ));
        return;
    }
    match Statement::from_slice(&envelope.payload) {
        Ok(statement) => {
            finding.kind = if statement.predicate_type == COSIGN_SIGN_PREDICATE {
                Kind::Signature
            } else {
                Kind::Attestation {
                    predicate_type: statement.predicate_type.clone(),
                }
            };
            subject_check(ctx, &statement, &mut finding.checks);
            predicate_check(ctx, &statement, &mut finding.checks);
            finding.statement = Some(statement);
        }
        Err(e) => {
            finding.kind = Kind::Attestation {
                predicate_type: String::new(),
            };
            finding.checks.push(Check::failed(
                CheckKind::SubjectDigest,
                format!("an in-toto statement about {}", ctx.subject),
                e,
            ));
        }
    }
}

/// The predicate type cosign v3 signs images with, as a DSSE statement.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

fn subject_check(ctx: &Context, statement: &Statement, checks: &mut Checks) {
    checks.expect(
        CheckKind::SubjectDigest,
        statement.names(ctx.subject),
        format!("the statement is about {}", ctx.subject),
        ctx.subject.to_string(),
        statement.subject_digests(),
    );
}

fn predicate_check(ctx: &Context, statement: &Statement, checks: &mut Checks) {
    if let Some(wanted) = ctx.predicate_type {
        checks.expect(
            CheckKind::PredicateType,
            predicate_matches(wanted, &statement.predicate_type),
            statement.predicate_type.clone(),
            wanted,
            statement.predicate_type.clone(),
        );
    }
}

/// What a signature verification established, for the verdict.
struct Established {
    signer: String,
    rests_on: String,
    pinned: bool,
}

fn keyless(
    ctx: &Context,
    bundle: &Bundle,
    signed: &Signed,
    finding: &mut Finding,
) -> Option<Established> {
    let any = Matcher::Regexp(String::from(".*"), regex_lite::Regex::new(".*").ok()?);
    let (identity, issuer, pinned) = match ctx.policy {
        Some(Policy::Identity { identity, issuer }) => (identity, issuer, true),
        Some(Policy::Key(key)) => {
            let who = bundle
                .certificates()
                .first()
                .and_then(|der| super::x509_summary(der))
                .unwrap_or_else(|| "a certificate".into());
            finding.signer = Some(who.clone());
            finding.checks.push(Check::failed(
                CheckKind::Key,
                format!("a signature by key {}", key.fingerprint()),
                format!("a keyless signature by {who}"),
            ));
            finding.other_kind = true;
            return None;
        }
        None => (&any, &any, false),
    };
    let mut checks = Checks::default();
    let signer: Option<Signer> =
        verify_keyless(bundle, signed, ctx.root, identity, issuer, &mut checks);
    for check in checks.0 {
        // Without a policy, nothing is pinned: identity and issuer are shown, not checked.
        if !pinned
            && check.is_passed()
            && matches!(check.kind, CheckKind::Identity | CheckKind::Issuer)
        {
            continue;
        }
        finding.checks.push(check);
    }
    let signer = signer?;
    let who = format!("{} (issuer {})", signer.identity, signer.issuer);
    finding.signer = Some(who.clone());
    let log = signer
        .log_index
        .map(|i| format!(", transparency log entry {i}"))
        .unwrap_or_default();
    Some(Established {
        signer: who,
        rests_on: format!("{}{log}", signer.root),
        pinned,
    })
}

fn keyed(
    ctx: &Context,
    signature: &[u8],
    signed: &Signed,
    bundle: Option<&Bundle>,
    finding: &mut Finding,
) -> Option<Established> {
    keyed_any(ctx, &[signature.to_vec()], signed, bundle, finding)
}

/// The most signatures of one DSSE envelope tried.
pub const MAX_ENVELOPE_SIGNATURES: usize = 8;

fn keyed_any(
    ctx: &Context,
    signatures: &[Vec<u8>],
    signed: &Signed,
    bundle: Option<&Bundle>,
    finding: &mut Finding,
) -> Option<Established> {
    if signatures.len() > MAX_ENVELOPE_SIGNATURES {
        finding.checks.push(Check::failed(
            CheckKind::Signature,
            format!("at most {MAX_ENVELOPE_SIGNATURES} signatures on one envelope"),
            format!("{} signatures", signatures.len()),
        ));
        return None;
    }
    let key: &PublicKey = match ctx.policy {
        Some(Policy::Key(key)) => key,
        Some(Policy::Identity { identity, .. }) => {
            finding.signer = Some("a key".into());
            finding.checks.push(Check::failed(
                CheckKind::Identity,
                format!("a certificate for {}", identity.describe()),
                "a signature made with a key (no certificate)",
            ));
            finding.other_kind = true;
            return None;
        }
        None => {
            finding.signer = Some("a key".into());
            return None;
        }
    };
    finding.signer = Some("a key".into());
    finding.checks.push(Check::passed(
        CheckKind::Key,
        format!(
            "{} key {} (from the policy)",
            key.algorithm(),
            key.fingerprint()
        ),
    ));
    let good = signatures.iter().find(|sig| verifies(key, signed, sig));
    if good.is_some() {
        finding.signer = Some(format!("{} key {}", key.algorithm(), key.fingerprint()));
    }
    let ok = finding.checks.expect(
        CheckKind::Signature,
        good.is_some(),
        "verified with the policy's key",
        format!("a signature by {}", key.fingerprint()),
        "a signature this key did not make (another key, or other content)",
    );
    let mut log = String::from("; no transparency log entry (as cosign --insecure-ignore-tlog)");
    if let (Some(bundle), Some(sig)) = (bundle, good)
        && !bundle.verification_material.tlog_entries.is_empty()
    {
        let pem = key.to_pem();
        match verify_log(bundle, &pem, sig, signed, ctx.root, &mut finding.checks) {
            Some(facts) => {
                log = format!(
                    "; {} entry {} at {}",
                    facts.log,
                    facts.log_index,
                    super::rekor::rfc3339(facts.integrated_time)
                );
            }
            None => return None,
        }
    }
    ok.then(|| Established {
        signer: format!("{} key {}", key.algorithm(), key.fingerprint()),
        rests_on: format!("the key given ({}){log}", key.fingerprint()),
        pinned: true,
    })
}

fn verifies(key: &PublicKey, signed: &Signed, signature: &[u8]) -> bool {
    match signed {
        Signed::Message(message) => key.verify(message, signature),
        Signed::MessageDigest { sha256 } => key.verify_prehashed_sha256(sha256, signature),
        Signed::Dsse(envelope) => {
            key.verify(&pae(&envelope.payload_type, &envelope.payload), signature)
        }
    }
}

fn verdict_of(
    checks: &Checks,
    established: Option<Established>,
    policy: Option<&Policy>,
) -> Verdict {
    if let Some(check) = checks.first_failure() {
        return Verdict::Failed {
            check: check.clone(),
        };
    }
    match established {
        Some(e) if e.pinned => Verdict::Verified {
            signer: e.signer,
            rests_on: e.rests_on,
        },
        Some(e) => Verdict::Unpinned {
            signer: e.signer,
            rests_on: e.rests_on,
        },
        None if policy.is_none() => Verdict::NotChecked {
            reason:
                "signed with a key: give the public key (--key, or ?key= in the link) to verify it"
                    .into(),
        },
        None => Verdict::NotChecked {
            reason: "no signature could be checked".into(),
        },
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
