//! A test Sigstore: a Fulcio-like CA, a CT log key and a Rekor log, the
//! trusted root naming them, and keyless signing with short-lived
//! certificates logged in the test log.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::bundle::{BundleVersion, Content, Material, bundle_json};
use super::cert::{CA_NOT_AFTER, CA_NOT_BEFORE, Cert, Identity, TestCa};
use super::dsse::Envelope;
use super::keys::EcKey;
use super::rekor::{LogEntry, TestLog, dsse_body, hashedrekord_body};

/// The fixed signing time of the first keyless signature:
/// 2023-11-14T22:13:20Z. Later ones are 10 s apart.
pub const SIGNING_TIME: u64 = 1_700_000_000;

/// The test Sigstore instance.
#[derive(Debug)]
pub struct TestSigstore {
    /// The root CA issuing keyless certificates.
    pub ca: TestCa,
    /// The CT log's key (signs the SCTs embedded in leaf certificates).
    pub ct_log: EcKey,
    /// The transparency log.
    pub log: TestLog,
    issued: u64,
}

/// One keyless (or keyed) signature with its log entry and bundle.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The Sigstore bundle JSON.
    pub bundle: Value,
    /// The signing certificate, for keyless signatures.
    pub cert: Option<Cert>,
    /// The transparency log entry, if logged.
    pub entry: Option<LogEntry>,
    /// The raw signature (over the artifact, or over the DSSE PAE).
    pub signature: Vec<u8>,
    /// The DSSE envelope, for DSSE signatures.
    pub envelope: Option<Envelope>,
}

impl Signed {
    /// The bundle, compact JSON.
    pub fn bundle_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.bundle).expect("JSON values always serialize")
    }
}

/// What to sign.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// An artifact's bytes (an image manifest, a file): a message signature.
    Artifact(&'a [u8]),
    /// A DSSE payload of a type (an in-toto statement).
    Dsse(&'a str, &'a [u8]),
}

/// `seconds` as RFC 3339.
fn rfc3339(seconds: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).expect("a test time"))
        .expect("a test time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formats")
}

impl TestSigstore {
    /// The fixed test instance (same keys every run; an empty log).
    pub fn new() -> Self {
        Self {
            ca: TestCa::new("strata test fulcio"),
            ct_log: EcKey::derive("ct-log"),
            log: TestLog::new(EcKey::derive("rekor-log")),
            issued: 0,
        }
    }

    /// The trusted root (media type
    /// `application/vnd.dev.sigstore.trustedroot+json;version=0.1`) naming
    /// the CA, the Rekor log and the CT log.
    pub fn trusted_root(&self) -> Value {
        let key = |key: &EcKey, url: &str| {
            json!({
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": STANDARD.encode(key.public_der()),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": rfc3339(CA_NOT_BEFORE)},
                },
                "logId": {"keyId": STANDARD.encode(key.key_id())},
            })
        };
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [key(self.log.key(), "https://rekor.strata.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "strata-test", "commonName": "strata test fulcio"},
                "uri": "https://fulcio.strata.test",
                "certChain": {"certificates": [{"rawBytes": STANDARD.encode(&self.ca.cert().der)}]},
                "validFor": {"start": rfc3339(CA_NOT_BEFORE), "end": rfc3339(CA_NOT_AFTER)},
            }],
            "ctlogs": [key(&self.ct_log, "https://ctfe.strata.test")],
            "timestampAuthorities": [],
        })
    }

    /// [`TestSigstore::trusted_root`], pretty-printed.
    pub fn trusted_root_json(&self) -> String {
        serde_json::to_string_pretty(&self.trusted_root()).expect("JSON values always serialize")
    }

    /// Signs `payload` keyless as `identity` vouched for by `issuer`: a
    /// fresh key, a 10-minute certificate, an entry in the log, and the
    /// bundle of `version`.
    pub fn sign_keyless(
        &mut self,
        payload: Payload<'_>,
        identity: &Identity,
        issuer: &str,
        version: BundleVersion,
    ) -> Signed {
        let n = self.issued;
        self.issued += 1;
        let not_before = SIGNING_TIME + 10 * n;
        let key = EcKey::derive(&format!("ephemeral:{n}"));
        let cert = self
            .ca
            .issue_leaf(&key, identity, issuer, not_before, &self.ct_log);
        let cert_pem = cert.pem();
        let material = Material::Certificate(cert.clone(), self.ca.cert().clone());
        self.sign_with(
            payload,
            &key,
            &cert_pem,
            material,
            version,
            not_before + 1,
            true,
        )
        .with_cert(cert)
    }

    /// Signs `payload` with a long-lived `key` (a keyed signature); logs it
    /// when `logged`.
    pub fn sign_keyed(
        &mut self,
        payload: Payload<'_>,
        key: &EcKey,
        logged: bool,
        version: BundleVersion,
    ) -> Signed {
        let n = self.issued;
        self.issued += 1;
        let material = Material::PublicKey(STANDARD.encode(key.key_id()));
        self.sign_with(
            payload,
            key,
            &key.public_pem(),
            material,
            version,
            SIGNING_TIME + 10 * n + 1,
            logged,
        )
    }

    #[expect(clippy::too_many_arguments, reason = "one private helper")]
    fn sign_with(
        &mut self,
        payload: Payload<'_>,
        key: &EcKey,
        verifier_pem: &str,
        material: Material,
        version: BundleVersion,
        integrated_time: u64,
        logged: bool,
    ) -> Signed {
        match payload {
            Payload::Artifact(bytes) => {
                let digest = Sha256::digest(bytes);
                let signature = key.sign(bytes);
                let entry = logged.then(|| {
                    let body = hashedrekord_body(&digest, &signature, verifier_pem);
                    self.log.append("hashedrekord", body, integrated_time)
                });
                let content = Content::MessageSignature {
                    digest: digest.to_vec(),
                    signature: signature.clone(),
                };
                Signed {
                    bundle: bundle_json(version, &material, entry.as_ref(), &content),
                    cert: None,
                    entry,
                    signature,
                    envelope: None,
                }
            }
            Payload::Dsse(payload_type, bytes) => {
                let envelope = Envelope::sign(payload_type, bytes, "", |pae| key.sign(pae));
                let entry = logged.then(|| {
                    let body = dsse_body(
                        &envelope.to_bytes(),
                        bytes,
                        &envelope.signature,
                        verifier_pem,
                    );
                    self.log.append("dsse", body, integrated_time)
                });
                let content = Content::Dsse(envelope.clone());
                Signed {
                    bundle: bundle_json(version, &material, entry.as_ref(), &content),
                    cert: None,
                    entry,
                    signature: envelope.signature.clone(),
                    envelope: Some(envelope),
                }
            }
        }
    }
}

impl Signed {
    fn with_cert(mut self, cert: Cert) -> Self {
        self.cert = Some(cert);
        self
    }
}

impl Default for TestSigstore {
    fn default() -> Self {
        Self::new()
    }
}
