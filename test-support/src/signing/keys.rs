//! Deterministic test keys: ECDSA P-256 and Ed25519, derived from fixed
//! seeds so every run signs with the same keys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::EncodePublicKey;
use sha2::{Digest, Sha256};

/// An ECDSA P-256 key pair derived from a name.
#[derive(Clone)]
pub struct EcKey {
    name: String,
    signing: p256::ecdsa::SigningKey,
}

impl std::fmt::Debug for EcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcKey").field("name", &self.name).finish()
    }
}

impl EcKey {
    /// The key whose private scalar is SHA-256 of `strata-test-key:<name>`
    /// (retried with a counter in the astronomically unlikely case it is
    /// not a valid scalar).
    pub fn derive(name: &str) -> Self {
        let mut counter = 0u32;
        loop {
            let seed = Sha256::digest(format!("strata-test-key:{name}:{counter}").as_bytes());
            if let Ok(signing) = p256::ecdsa::SigningKey::from_slice(&seed) {
                return Self {
                    name: name.to_owned(),
                    signing,
                };
            }
            counter += 1;
        }
    }

    /// The name the key was derived from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_der(&self) -> Vec<u8> {
        self.signing
            .verifying_key()
            .to_public_key_der()
            .expect("a P-256 public key always encodes")
            .into_vec()
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.public_der())
    }

    /// SHA-256 of the DER `SubjectPublicKeyInfo`: the RFC 6962 key ID that
    /// Rekor and CT logs are named by.
    pub fn key_id(&self) -> [u8; 32] {
        Sha256::digest(self.public_der()).into()
    }

    /// An ECDSA-SHA256 signature of `message`, DER-encoded (RFC 6979, so
    /// deterministic).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: p256::ecdsa::Signature = self.signing.sign(message);
        signature.to_der().as_bytes().to_vec()
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> p256::ecdsa::VerifyingKey {
        *self.signing.verifying_key()
    }
}

/// An Ed25519 key pair derived from a name.
#[derive(Clone)]
pub struct EdKey {
    signing: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for EdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdKey").finish_non_exhaustive()
    }
}

impl EdKey {
    /// The key whose seed is SHA-256 of `strata-test-ed25519:<name>`.
    pub fn derive(name: &str) -> Self {
        let seed: [u8; 32] =
            Sha256::digest(format!("strata-test-ed25519:{name}").as_bytes()).into();
        Self {
            signing: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// The public key as a DER `SubjectPublicKeyInfo` (RFC 8410).
    pub fn public_der(&self) -> Vec<u8> {
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(self.signing.verifying_key().as_bytes());
        der
    }

    /// The public key as PEM.
    pub fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.public_der())
    }

    /// The 64-byte Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        self.signing.sign(message).to_bytes().to_vec()
    }
}

/// The keys every signed fixture uses.
#[derive(Debug, Clone)]
pub struct TestKeys {
    /// The key the good keyed signatures are made with.
    pub signer: EcKey,
    /// Another P-256 key, for the "signed by someone else" variant.
    pub other: EcKey,
    /// An Ed25519 key (keyed DSSE signatures).
    pub ed25519: EdKey,
}

impl TestKeys {
    /// The fixed test keys.
    pub fn new() -> Self {
        Self {
            signer: EcKey::derive("signer"),
            other: EcKey::derive("other"),
            ed25519: EdKey::derive("ed25519"),
        }
    }
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// `der` as PEM with `label`, in lines of 64 characters, ending with a
/// newline (the form Python's `cryptography` writes, which Rekor bodies
/// must match byte for byte).
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
