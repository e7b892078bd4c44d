//! A signer's public key: ECDSA P-256 or P-384, Ed25519, or RSA, read from
//! PEM or DER (SubjectPublicKeyInfo), as cosign writes `cosign.pub`.
//!
//! Signatures are verified the way cosign makes them: ECDSA as ASN.1 DER
//! over SHA-256 (P-256) or SHA-384 (P-384), Ed25519 over the message
//! itself, RSA as PKCS #1 v1.5 over SHA-256.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use der::{Decode, Encode};
use sha2::{Digest as _, Sha256};
use spki::SubjectPublicKeyInfoOwned;

/// What went wrong reading a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Neither PEM nor DER SubjectPublicKeyInfo.
    #[error(
        "not a public key ({0}); give the PEM file `cosign generate-key-pair` wrote (cosign.pub), or its DER bytes"
    )]
    Malformed(String),
    /// A key of a kind strata does not verify with.
    #[error(
        "unsupported public key algorithm {0}; strata verifies ECDSA P-256/P-384, Ed25519 and RSA keys"
    )]
    Unsupported(String),
}

/// A public key that verifies signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: KeyKind,
    der: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyKind {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

const EC_PUBLIC_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256_CURVE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384_CURVE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl PublicKey {
    /// A key from PEM (`-----BEGIN PUBLIC KEY-----`) or DER bytes.
    pub fn parse(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        let text = std::str::from_utf8(bytes).unwrap_or("");
        if text.contains("-----BEGIN") {
            let der = pem_body(text, "PUBLIC KEY")
                .ok_or_else(|| KeyError::Malformed("no PUBLIC KEY block in the PEM".into()))?;
            return PublicKey::from_der(&der);
        }
        PublicKey::from_der(bytes)
    }

    /// A key from DER SubjectPublicKeyInfo.
    pub fn from_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let info = SubjectPublicKeyInfoOwned::from_der(der)
            .map_err(|e| KeyError::Malformed(format!("bad SubjectPublicKeyInfo: {e}")))?;
        PublicKey::from_spki(&info)
    }

    /// A key from a parsed SubjectPublicKeyInfo (e.g. a certificate's).
    pub fn from_spki(info: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, KeyError> {
        let der = info
            .to_der()
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        let key_bytes = info.subject_public_key.raw_bytes();
        let bad = |e: &dyn std::fmt::Display| KeyError::Malformed(e.to_string());
        let oid = info.algorithm.oid;
        let kind = if oid == EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
            match curve {
                Some(c) if c == P256_CURVE => KeyKind::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).map_err(|e| bad(&e))?,
                ),
                Some(c) if c == P384_CURVE => KeyKind::P384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).map_err(|e| bad(&e))?,
                ),
                other => {
                    return Err(KeyError::Unsupported(format!(
                        "ECDSA on curve {}",
                        other.map_or("(none)".to_owned(), |c| c.to_string())
                    )));
                }
            }
        } else if oid == ED25519 {
            let raw: [u8; 32] = key_bytes
                .try_into()
                .map_err(|_| KeyError::Malformed("an Ed25519 key is 32 bytes".into()))?;
            KeyKind::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|e| bad(&e))?)
        } else if oid == RSA_ENCRYPTION {
            use rsa::pkcs1::DecodeRsaPublicKey;
            KeyKind::Rsa(rsa::RsaPublicKey::from_pkcs1_der(key_bytes).map_err(|e| bad(&e))?)
        } else {
            return Err(KeyError::Unsupported(oid.to_string()));
        };
        Ok(PublicKey { kind, der })
    }

    /// Its DER SubjectPublicKeyInfo.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// `sha256:<hex>` of the DER: what a verdict names the key by.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", hex(&Sha256::digest(&self.der)))
    }

    /// The algorithm, e.g. `ECDSA P-256`.
    pub fn algorithm(&self) -> &'static str {
        match self.kind {
            KeyKind::P256(_) => "ECDSA P-256",
            KeyKind::P384(_) => "ECDSA P-384",
            KeyKind::Ed25519(_) => "Ed25519",
            KeyKind::Rsa(_) => "RSA",
        }
    }

    /// The key as a link carries it (`?key=`): URL-safe base64 of the DER.
    pub fn to_link(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.der)
    }

    /// A key from a link's `?key=` value.
    pub fn from_link(value: &str) -> Result<PublicKey, KeyError> {
        let der = URL_SAFE_NO_PAD
            .decode(value.trim_end_matches('='))
            .map_err(|e| KeyError::Malformed(format!("the key is not URL-safe base64: {e}")))?;
        PublicKey::from_der(&der)
    }

    /// PEM text of the key.
    pub fn to_pem(&self) -> String {
        let body = STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or(""));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// Whether `signature` signs `message` under this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use signature_trait::Verifier;
        match &self.kind {
            KeyKind::P256(key) => p256::ecdsa::DerSignature::from_bytes(signature)
                .map(|s| key.verify(message, &s).is_ok())
                .unwrap_or(false),
            KeyKind::P384(key) => p384::ecdsa::DerSignature::from_bytes(signature)
                .map(|s| key.verify(message, &s).is_ok())
                .unwrap_or(false),
            KeyKind::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .map(|s| key.verify_strict(message, &s).is_ok())
                .unwrap_or(false),
            KeyKind::Rsa(key) => {
                let hashed = Sha256::digest(message);
                key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &hashed, signature)
                    .is_ok()
            }
        }
    }

    /// Whether `signature` signs a message whose SHA-256 is `digest`
    /// (a bundle's message signature, checked without the message).
    /// Ed25519 signs messages, not digests: never.
    pub fn verify_prehashed_sha256(&self, digest: &[u8], signature: &[u8]) -> bool {
        use signature_trait::hazmat::PrehashVerifier;
        match &self.kind {
            KeyKind::P256(key) => p256::ecdsa::DerSignature::from_bytes(signature)
                .map(|s| key.verify_prehash(digest, &s).is_ok())
                .unwrap_or(false),
            KeyKind::P384(key) => p384::ecdsa::DerSignature::from_bytes(signature)
                .map(|s| key.verify_prehash(digest, &s).is_ok())
                .unwrap_or(false),
            KeyKind::Ed25519(_) => false,
            KeyKind::Rsa(key) => key
                .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
                .is_ok(),
        }
    }
}

use p256::ecdsa::signature as signature_trait;

/// The DER inside the first `-----BEGIN {label}-----` block of `text`.
pub fn pem_body(text: &str, label: &str) -> Option<Vec<u8>> {
    pem_blocks(text, label).into_iter().next()
}

/// The DER of every `-----BEGIN {label}-----` block of `text`, in order.
pub fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let Some(stop) = after.find(&end) else { break };
        let body: String = after[..stop].split_whitespace().collect();
        if let Ok(der) = STANDARD.decode(body) {
            blocks.push(der);
        }
        rest = &after[stop + end.len()..];
    }
    blocks
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // A P-256 key and a signature over "hello", made with Python's
    // `cryptography` (testdata/README.md says how).
    const P256_PEM: &str = include_str!("testdata/p256.pub");
    const P256_SIG_HELLO: &str = include_str!("testdata/p256.hello.sig.b64");

    #[test]
    fn a_p256_key_verifies_its_signature_and_nothing_else() {
        let key = PublicKey::parse(P256_PEM.as_bytes()).expect("key");
        assert_eq!(key.algorithm(), "ECDSA P-256");
        let sig = STANDARD.decode(P256_SIG_HELLO.trim()).expect("b64");
        assert!(key.verify(b"hello", &sig));
        assert!(!key.verify(b"hellp", &sig));
        assert!(key.verify_prehashed_sha256(&Sha256::digest(b"hello"), &sig));
        let again = PublicKey::from_link(&key.to_link()).expect("link");
        assert_eq!(again, key);
        assert_eq!(PublicKey::parse(key.to_pem().as_bytes()).expect("pem"), key);
    }

    #[test]
    fn rsa_and_ed25519_keys_verify_their_signatures_and_nothing_else() {
        for (pem, sig, algorithm) in [
            (
                include_str!("testdata/rsa.pub"),
                include_str!("testdata/rsa.hello.sig.b64"),
                "RSA",
            ),
            (
                include_str!("testdata/ed25519.pub"),
                include_str!("testdata/ed25519.hello.sig.b64"),
                "Ed25519",
            ),
        ] {
            let key = PublicKey::parse(pem.as_bytes()).expect("key");
            assert_eq!(key.algorithm(), algorithm);
            let sig = STANDARD.decode(sig.trim()).expect("b64");
            assert!(key.verify(b"hello", &sig), "{algorithm}");
            assert!(!key.verify(b"hellp", &sig), "{algorithm}");
            let mut flipped = sig.clone();
            flipped[10] ^= 1;
            assert!(!key.verify(b"hello", &flipped), "{algorithm}");
            assert_eq!(PublicKey::from_link(&key.to_link()).expect("link"), key);
        }
    }

    #[test]
    fn bad_keys_say_what_to_give() {
        let err = PublicKey::parse(b"nonsense").expect_err("refused");
        assert!(err.to_string().contains("cosign.pub"), "{err}");
    }
}
