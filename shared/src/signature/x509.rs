//! X.509 certificates as Fulcio issues them: who they name (subject
//! alternative names), which OIDC issuer vouched for that name, when they
//! are valid, and whose signature they carry.
//!
//! Every byte is the signer's (or an attacker's): parsing never panics, and
//! an extension strata cannot read counts as absent.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest as _, Sha256, Sha384};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectAltName};

use super::public_key::{PublicKey, pem_blocks};

const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// Fulcio's OIDC issuer extension (a DER UTF8String).
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
/// Fulcio's legacy OIDC issuer extension (the raw string bytes).
const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A parsed X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
    subject: String,
    issuer_name: String,
    emails: Vec<String>,
    uris: Vec<String>,
    oidc_issuer: Option<String>,
    not_before: i64,
    not_after: i64,
    key: Result<PublicKey, String>,
    is_ca: bool,
    code_signing: bool,
}

impl Certificate {
    /// A certificate from its DER bytes.
    pub fn from_der(der: &[u8]) -> Result<Certificate, String> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| format!("not a DER X.509 certificate: {e}"))?;
        let tbs_cert = &cert.tbs_certificate;
        let tbs = tbs_cert
            .to_der()
            .map_err(|e| format!("the certificate's signed part does not re-encode: {e}"))?;
        let seconds = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        let mut parsed = Certificate {
            der: der.to_vec(),
            tbs,
            signature_algorithm: cert.signature_algorithm.oid,
            signature: cert.signature.raw_bytes().to_vec(),
            subject: tbs_cert.subject.to_string(),
            issuer_name: tbs_cert.issuer.to_string(),
            emails: Vec::new(),
            uris: Vec::new(),
            oidc_issuer: None,
            not_before: seconds(tbs_cert.validity.not_before),
            not_after: seconds(tbs_cert.validity.not_after),
            key: PublicKey::from_spki(&tbs_cert.subject_public_key_info).map_err(|e| e.to_string()),
            is_ca: false,
            code_signing: false,
        };
        let mut legacy_issuer = None;
        for ext in tbs_cert.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            if ext.extn_id == SUBJECT_ALT_NAME {
                let Ok(names) = SubjectAltName::from_der(value) else {
                    return Err("unreadable subject alternative names".into());
                };
                for name in names.0 {
                    match name {
                        GeneralName::Rfc822Name(email) => parsed.emails.push(email.to_string()),
                        GeneralName::UniformResourceIdentifier(uri) => {
                            parsed.uris.push(uri.to_string());
                        }
                        _ => {}
                    }
                }
            } else if ext.extn_id == BASIC_CONSTRAINTS {
                parsed.is_ca = BasicConstraints::from_der(value).is_ok_and(|b| b.ca);
            } else if ext.extn_id == EXTENDED_KEY_USAGE {
                parsed.code_signing =
                    ExtendedKeyUsage::from_der(value).is_ok_and(|e| e.0.contains(&CODE_SIGNING));
            } else if ext.extn_id == FULCIO_ISSUER_V2 {
                parsed.oidc_issuer = der::asn1::Utf8StringRef::from_der(value)
                    .ok()
                    .map(|s| s.as_str().to_owned());
            } else if ext.extn_id == FULCIO_ISSUER_V1 {
                legacy_issuer = std::str::from_utf8(value).ok().map(str::to_owned);
            }
        }
        if parsed.oidc_issuer.is_none() {
            parsed.oidc_issuer = legacy_issuer;
        }
        Ok(parsed)
    }

    /// Every certificate in PEM text (`-----BEGIN CERTIFICATE-----`), in order.
    pub fn from_pem(text: &str) -> Result<Vec<Certificate>, String> {
        let blocks = pem_blocks(text, "CERTIFICATE");
        if blocks.is_empty() {
            return Err("no CERTIFICATE block in the PEM text".into());
        }
        blocks
            .iter()
            .map(|der| Certificate::from_der(der))
            .collect()
    }

    /// Its DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text of the certificate.
    pub fn to_pem(&self) -> String {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or(""));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// Its subject's distinguished name (RFC 4514), empty for Fulcio leaves.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Its issuer's distinguished name (RFC 4514).
    pub fn issuer_name(&self) -> &str {
        &self.issuer_name
    }

    /// Its subject alternative names: e-mail addresses, then URIs.
    pub fn identities(&self) -> Vec<&str> {
        self.emails
            .iter()
            .chain(&self.uris)
            .map(String::as_str)
            .collect()
    }

    /// Its e-mail subject alternative names.
    pub fn emails(&self) -> &[String] {
        &self.emails
    }

    /// Its URI subject alternative names.
    pub fn uris(&self) -> &[String] {
        &self.uris
    }

    /// The OIDC issuer Fulcio recorded (extension 1.3.6.1.4.1.57264.1.8,
    /// or the legacy 1.3.6.1.4.1.57264.1.1).
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.oidc_issuer.as_deref()
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of validity (inclusive), Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `time` (Unix seconds) is within its validity.
    pub fn valid_at(&self, time: i64) -> bool {
        self.not_before <= time && time <= self.not_after
    }

    /// Its public key, or why strata cannot use it.
    pub fn public_key(&self) -> Result<&PublicKey, String> {
        self.key.as_ref().map_err(Clone::clone)
    }

    /// Whether its basic constraints make it a certificate authority.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// Whether its extended key usage includes code signing.
    pub fn has_code_signing(&self) -> bool {
        self.code_signing
    }

    /// Whether `issuer` signed this certificate: the names chain and the
    /// signature (ECDSA with SHA-256 or SHA-384, RSA PKCS #1 v1.5 with
    /// SHA-256, Ed25519) verifies under the issuer's key.
    pub fn issued_by(&self, issuer: &Certificate) -> bool {
        if self.issuer_name != issuer.subject {
            return false;
        }
        let Ok(key) = issuer.public_key() else {
            return false;
        };
        let ecdsa = key.algorithm().starts_with("ECDSA");
        let alg = self.signature_algorithm;
        if alg == ECDSA_SHA256 && ecdsa {
            key.verify_prehashed_sha256(&Sha256::digest(&self.tbs), &self.signature)
        } else if alg == ECDSA_SHA384 && ecdsa {
            // ECDSA verifies a digest of any length: the curve's field size
            // truncates or pads it, so SHA-384 under P-256 works too.
            key.verify_prehashed_sha256(&Sha384::digest(&self.tbs), &self.signature)
        } else if alg == RSA_SHA256 && key.algorithm() == "RSA" {
            key.verify_prehashed_sha256(&Sha256::digest(&self.tbs), &self.signature)
        } else if alg == ED25519 && key.algorithm() == "Ed25519" {
            key.verify(&self.tbs, &self.signature)
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::signature::Bundle;

    fn leaf(bundle: &[u8]) -> Certificate {
        let bundle = Bundle::from_slice(bundle).expect("bundle");
        let der = bundle.certificates()[0];
        Certificate::from_der(der).expect("certificate")
    }

    #[test]
    fn a_fulcio_leaf_names_its_signer_and_issuer() {
        let cert = leaf(include_bytes!("testdata/bundle_v3_github.whl.sigstore"));
        assert_eq!(
            cert.identities(),
            [
                "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
            ]
        );
        assert_eq!(
            cert.oidc_issuer(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert!(cert.has_code_signing());
        assert!(!cert.is_ca());
        assert_eq!(cert.not_after() - cert.not_before(), 600);
        assert_eq!(cert.public_key().expect("key").algorithm(), "ECDSA P-256");
        let again = Certificate::from_pem(&cert.to_pem()).expect("pem");
        assert_eq!(again, vec![cert]);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(Certificate::from_der(b"").is_err());
        assert!(Certificate::from_der(&[0x30, 0x82, 0xff, 0xff]).is_err());
        assert!(Certificate::from_pem("nothing here").is_err());
        let cert = leaf(include_bytes!("testdata/bundle.txt.sigstore"));
        let der = cert.der();
        for cut in [1, der.len() / 2, der.len() - 1] {
            assert!(Certificate::from_der(&der[..cut]).is_err());
        }
        // A leaf does not sign itself.
        assert!(!cert.issued_by(&cert));
    }
}
