//! X.509 certificates of the test Sigstore: a Fulcio-like root CA and the
//! short-lived keyless signing certificates it issues, with an embedded
//! precertificate SCT from the test CT log.
//!
//! Built field by field (`x509-cert` types, `der` encoding) so every
//! extension is exactly what Fulcio writes and what `cryptography`'s
//! webpki-style verifier (which sigstore-python uses) demands.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString, UtcTime, Utf8StringRef};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use super::keys::{EcKey, pem};

/// `ecdsa-with-SHA256`.
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// Code signing extended key usage.
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// RFC 6962 embedded SCT list.
const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// Fulcio's OIDC issuer, legacy form (the raw string as the extension value).
pub const OIDC_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio's OIDC issuer, current form (a DER UTF8String).
pub const OIDC_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";

/// A signer identity: a SAN and the OIDC issuer that vouched for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An email SAN (`rfc822Name`).
    Email(String),
    /// A URI SAN, as CI workload identities use.
    Uri(String),
}

impl Identity {
    /// The SAN value.
    pub fn value(&self) -> &str {
        match self {
            Identity::Email(v) | Identity::Uri(v) => v,
        }
    }
}

/// A DER certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cert {
    /// The certificate, DER.
    pub der: Vec<u8>,
}

impl Cert {
    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        pem("CERTIFICATE", &self.der)
    }
}

/// The test root CA (Fulcio-like): self-signed, valid 2023 to 2033.
#[derive(Debug, Clone)]
pub struct TestCa {
    key: EcKey,
    name: Name,
    cert: Cert,
}

/// Seconds since the epoch, as an X.509 UTCTime.
fn utc(seconds: u64) -> Time {
    Time::UtcTime(
        UtcTime::from_unix_duration(Duration::from_secs(seconds))
            .expect("test times are between 1970 and 2049"),
    )
}

/// An extension holding the DER of `value`.
fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    raw_extension(
        oid,
        critical,
        value.to_der().expect("extension values always encode"),
    )
}

/// An extension holding `bytes` as its value.
fn raw_extension(oid: ObjectIdentifier, critical: bool, bytes: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(bytes).expect("extension values are small"),
    }
}

/// The `SubjectPublicKeyInfo` of `key`.
fn spki(key: &EcKey) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(&key.public_der()).expect("our own SPKI decodes")
}

/// The RFC 5280 method 1 key identifier (SHA-256 here, truncated to 20 bytes).
fn key_identifier(key: &EcKey) -> OctetString {
    let spki = spki(key);
    let digest = Sha256::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(&digest[..20]).expect("20 bytes")
}

/// A positive serial number derived from `label`.
fn serial(label: &str) -> SerialNumber {
    let mut bytes: [u8; 16] = Sha256::digest(label.as_bytes())[..16]
        .try_into()
        .expect("16 bytes");
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).expect("a positive 16-byte serial")
}

/// Signs `tbs` with `key` into a certificate.
fn sign(tbs: TbsCertificate, key: &EcKey) -> Cert {
    let tbs_der = tbs.to_der().expect("a TBS certificate encodes");
    let signature = key.sign(&tbs_der);
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_SHA256,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).expect("a DER signature"),
    };
    Cert {
        der: cert.to_der().expect("a certificate encodes"),
    }
}

/// 2023-01-01T00:00:00Z.
pub const CA_NOT_BEFORE: u64 = 1_672_531_200;
/// 2033-01-01T00:00:00Z.
pub const CA_NOT_AFTER: u64 = 1_988_150_400;

impl TestCa {
    /// The CA named `CN=<cn>,O=strata-test`, with a key derived from `cn`.
    pub fn new(cn: &str) -> Self {
        let key = EcKey::derive(&format!("ca:{cn}"));
        let name = Name::from_str(&format!("CN={cn},O=strata-test")).expect("a valid name");
        let ski = key_identifier(&key);
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial(&format!("ca:{cn}")),
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_SHA256,
                parameters: None,
            },
            issuer: name.clone(),
            validity: Validity {
                not_before: utc(CA_NOT_BEFORE),
                not_after: utc(CA_NOT_AFTER),
            },
            subject: name.clone(),
            subject_public_key_info: spki(&key),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                extension(
                    const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                    true,
                    &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
                ),
                extension(
                    const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
                    true,
                    &BasicConstraints {
                        ca: true,
                        path_len_constraint: Some(1),
                    },
                ),
                extension(
                    const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                    false,
                    &SubjectKeyIdentifier(ski.clone()),
                ),
                extension(
                    const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                    false,
                    &AuthorityKeyIdentifier {
                        key_identifier: Some(ski),
                        authority_cert_issuer: None,
                        authority_cert_serial_number: None,
                    },
                ),
            ]),
        };
        let cert = sign(tbs, &key);
        Self { key, name, cert }
    }

    /// The CA certificate.
    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// The CA's key.
    pub fn key(&self) -> &EcKey {
        &self.key
    }

    /// Issues a Fulcio-style leaf for `subject_key`: empty subject, critical
    /// SAN `identity`, the OIDC issuer in both extensions, digitalSignature,
    /// codeSigning, AKI, SKI, valid from `not_before` for 10 minutes, with
    /// an embedded precertificate SCT from `ct_log` stamped `not_before`.
    pub fn issue_leaf(
        &self,
        subject_key: &EcKey,
        identity: &Identity,
        issuer: &str,
        not_before: u64,
        ct_log: &EcKey,
    ) -> Cert {
        let san = match identity {
            Identity::Email(email) => {
                GeneralName::Rfc822Name(Ia5String::new(email).expect("an ASCII email"))
            }
            Identity::Uri(uri) => {
                GeneralName::UniformResourceIdentifier(Ia5String::new(uri).expect("an ASCII URI"))
            }
        };
        let mut extensions = vec![
            extension(
                const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            ),
            extension(
                const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![CODE_SIGNING]),
            ),
            extension(
                const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                false,
                &SubjectKeyIdentifier(key_identifier(subject_key)),
            ),
            extension(
                const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(key_identifier(&self.key)),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            ),
            extension(
                const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
                true,
                &SubjectAltName(vec![san]),
            ),
            raw_extension(
                ObjectIdentifier::new_unwrap(OIDC_ISSUER_V1),
                false,
                issuer.as_bytes().to_vec(),
            ),
            extension(
                ObjectIdentifier::new_unwrap(OIDC_ISSUER_V2),
                false,
                &Utf8StringRef::new(issuer).expect("a UTF-8 issuer"),
            ),
        ];
        let mut tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial(&format!(
                "leaf:{}:{}:{not_before}:{}",
                identity.value(),
                issuer,
                subject_key.name()
            )),
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_SHA256,
                parameters: None,
            },
            issuer: self.name.clone(),
            validity: Validity {
                not_before: utc(not_before),
                not_after: utc(not_before + 600),
            },
            subject: Name::default(),
            subject_public_key_info: spki(subject_key),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions.clone()),
        };
        // RFC 6962 §3.2: the precertificate entry is the TBS without the
        // SCT list extension, with the issuer's key hash.
        let precert_tbs = tbs.to_der().expect("a TBS certificate encodes");
        let sct = signed_certificate_timestamp(
            ct_log,
            not_before * 1000,
            &self.key.key_id(),
            &precert_tbs,
        );
        let mut list = Vec::new();
        list.extend_from_slice(&u16::try_from(sct.len() + 2).expect("small").to_be_bytes());
        list.extend_from_slice(&u16::try_from(sct.len()).expect("small").to_be_bytes());
        list.extend_from_slice(&sct);
        extensions.push(extension(
            SCT_LIST,
            false,
            &OctetString::new(list).expect("a small SCT list"),
        ));
        tbs.extensions = Some(extensions);
        sign(tbs, &self.key)
    }
}

/// A v1 SCT (RFC 6962 §3.2) for a precertificate entry, TLS-encoded.
fn signed_certificate_timestamp(
    ct_log: &EcKey,
    timestamp_ms: u64,
    issuer_key_hash: &[u8; 32],
    tbs: &[u8],
) -> Vec<u8> {
    let tbs_len = u32::try_from(tbs.len()).expect("a small TBS").to_be_bytes();
    let mut signed = vec![0u8, 0u8]; // v1, certificate_timestamp
    signed.extend_from_slice(&timestamp_ms.to_be_bytes());
    signed.extend_from_slice(&1u16.to_be_bytes()); // precert_entry
    signed.extend_from_slice(issuer_key_hash);
    signed.extend_from_slice(&tbs_len[1..]);
    signed.extend_from_slice(tbs);
    signed.extend_from_slice(&0u16.to_be_bytes()); // no extensions
    let signature = ct_log.sign(&signed);
    let mut sct = vec![0u8];
    sct.extend_from_slice(&ct_log.key_id());
    sct.extend_from_slice(&timestamp_ms.to_be_bytes());
    sct.extend_from_slice(&0u16.to_be_bytes());
    sct.extend_from_slice(&[4, 3]); // sha256, ecdsa
    sct.extend_from_slice(&u16::try_from(signature.len()).expect("small").to_be_bytes());
    sct.extend_from_slice(&signature);
    sct
}
