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
#[path = "keyless_tests.rs"]
mod tests;
