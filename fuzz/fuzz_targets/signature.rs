//! Fuzzes what strata reads of signatures, all of it attacker-controlled:
//! the first byte chooses the reader, the rest is its input. Nothing may
//! panic, and with no way to sign (no private key), nothing may verify: a
//! layer checked against a policy key made here is never `Verified`, and
//! without a policy never either.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shared::attestation::{Predicate, Sbom};
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::media_type::MediaType;
use shared::signature::{
    Certificate, Context, Policy, PublicKey, Role, SignedNote, Source, Statement, TrustedRoot,
    verify_layer,
};

/// A P-256 public key whose private key was thrown away when it was made
/// (shared/src/signature/testdata/README.md).
const KEY_PEM: &str = include_str!("../../shared/src/signature/testdata/p256.pub");

fn root() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(TrustedRoot::public_good)
}

fn check_layer(role: Role, media_type: &str, bytes: &[u8]) {
    let subject = Digest::sha256_of(b"the image");
    let layer = Descriptor::new(
        MediaType::parse(media_type),
        Digest::sha256_of(bytes),
        bytes.len() as u64,
    );
    let key = PublicKey::parse(KEY_PEM.as_bytes()).expect("the fuzz key parses");
    let key_policy = Policy::Key(key);
    for policy in [None, Some(&key_policy)] {
        let ctx = Context {
            subject: &subject,
            policy,
            root: root(),
            predicate_type: None,
        };
        let finding = verify_layer(
            &ctx,
            Source::Referrers,
            &Digest::sha256_of(b"artifact"),
            role,
            &layer,
            bytes,
        );
        assert!(
            !finding.is_verified(),
            "verified without a private key: {finding:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 8 {
        0 => check_layer(Role::Bundle, "application/vnd.dev.sigstore.bundle.v0.3+json", bytes),
        1 => check_layer(Role::DsseEnvelope, "application/vnd.dsse.envelope.v1+json", bytes),
        2 => check_layer(
            Role::CosignSignature,
            "application/vnd.dev.cosign.simplesigning.v1+json",
            bytes,
        ),
        3 => {
            if let Ok(certificate) = Certificate::from_der(bytes) {
                let _ = certificate.identities();
                let _ = certificate.oidc_issuer();
                let _ = certificate.issued_by(&certificate);
            }
        }
        4 => {
            let _ = TrustedRoot::from_json(bytes);
        }
        5 => {
            if let Ok(text) = std::str::from_utf8(bytes) {
                let _ = SignedNote::parse(text);
                let _ = Certificate::from_pem(text);
            }
        }
        6 => {
            let _ = Sbom::from_slice(bytes, "application/spdx+json");
            let _ = Sbom::from_slice(bytes, "application/vnd.cyclonedx+json");
        }
        _ => {
            if let Ok(statement) = Statement::from_slice(bytes) {
                let _ = Predicate::of(&statement);
            }
        }
    }
});
