//! Signed fixtures for strata's signature verification: cosign signatures,
//! Sigstore bundles and in-toto attestations, made by a test Sigstore of
//! our own (CA, CT log, Rekor log) with deterministic keys.
//!
//! Nothing here uses strata's verifier: the tests in
//! `test-support/tests/signing_peers.rs` check these fixtures with
//! independent implementations (sigstore-python, offline against
//! [`TestSigstore::trusted_root_json`], and Python's `cryptography`).
//!
//! - [`keys`]: the deterministic ECDSA P-256 and Ed25519 keys.
//! - [`cert`]: the Fulcio-like CA and keyless certificates with SCTs.
//! - [`rekor`]: the transparency log: entry bodies, Merkle proofs,
//!   checkpoints, SETs.
//! - [`bundle`], [`dsse`]: Sigstore bundles and DSSE envelopes.
//! - [`sigstore`](mod@sigstore): the test Sigstore tying them together.
//! - [`attest`]: in-toto statements, SLSA provenance, SPDX and CycloneDX SBOMs.
//! - [`cosign`]: cosign's `.sig` and `.att` tag forms.
//! - [`build`]: everything built into upload [`plan`]s, with the peers'
//!   files and cases, without a registry.
//! - [`variants`]: the tamper variants.
//! - [`fixture`]: [`push_signed`] and the [`SignedFixture`] it returns.

pub mod attest;
pub mod build;
pub mod bundle;
pub mod cert;
pub mod cosign;
pub mod dsse;
pub mod fixture;
pub mod keys;
pub mod plan;
pub mod rekor;
pub mod sigstore;
pub mod variants;

pub use build::SignedSet;
pub use bundle::{BUNDLE_V03, BundleVersion};
pub use cert::Identity;
pub use fixture::{SignedFixture, push_signed};
pub use keys::{EcKey, EdKey, TestKeys};
pub use plan::upload_blob;
pub use sigstore::{Payload, Signed, TestSigstore};
