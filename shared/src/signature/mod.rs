//! Who published an image: cosign signatures, Sigstore bundles and in-toto
//! attestations, verified by the same code in the browser and the CLI.
//!
//! Nothing here fetches: a driver lists an image's referrers, reads the
//! documents, and hands their bytes here with the image's digest, the
//! [`Policy`] and the [`TrustedRoot`]. Every verification is a list of
//! [`Check`]s: each one names what it rests on, or what was expected and
//! what was found.
//!
//! | file | concept |
//! | --- | --- |
//! | `check.rs` | [`Check`], [`CheckKind`], [`Checks`]: what was checked and how it ended |
//! | `policy.rs` | [`Policy`]: a key, or an identity and issuer; its link form |
//! | `public_key.rs` | [`PublicKey`]: ECDSA P-256/P-384, Ed25519, RSA; PEM, DER, link form |
//! | `simple_signing.rs` | cosign's image-signature payload |
//! | `dsse.rs` | DSSE envelopes, PAE, in-toto statements |
//! | `bundle.rs` | Sigstore bundles v0.1–v0.3 |
//! | `evidence.rs` | where artifacts are found ([`Source`]) and what each layer holds ([`Role`]) |
//! | `discovery.rs` | [`Discovery`]: the referrers step, from an image digest to its [`Finding`]s and [`Summary`] |
//! | `verify.rs` | [`verify_layer`]: one layer's checks, in tamper order |
//! | `finding.rs` | [`Finding`], [`Kind`], [`Verdict`]: what one layer's verification found |
//! | `predicate_type.rs` | cosign's `--type` names ([`predicate_type_for`]) |
//! | `x509.rs` | [`Certificate`]: Fulcio certificates, their identities, issuers and signatures |
//! | `trusted_root.rs` | [`TrustedRoot`]: the certificate authorities and logs keyless signatures rest on |
//! | `rekor.rs` | transparency log promises, inclusion proofs, checkpoints and entry bodies |
//! | `keyless.rs` | [`verify_keyless`], [`verify_log`]; cosign's legacy annotations as a bundle |

mod bundle;
mod check;
mod discovery;
mod dsse;
mod evidence;
mod finding;
mod keyless;
mod policy;
mod predicate_type;
mod public_key;
mod rekor;
mod simple_signing;
mod trusted_root;
mod verify;
mod x509;

pub use bundle::{
    BUNDLE_MEDIA_TYPES, BUNDLE_V03_ARTIFACT, Bundle, BundleError, Checkpoint, HashOutput,
    InclusionPromise, InclusionProof, KindVersion, LogId, MAX_BUNDLE, MessageSignature, TlogEntry,
    VerificationMaterial, decode_b64,
};
pub use check::{Check, CheckKind, Checks, Outcome};
pub use discovery::{
    Discovery, MAX_ARTIFACTS, MAX_LAYERS, MAX_TOTAL_BYTES, Need, Problem, Summary, summarize,
};
pub use dsse::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, Statement, Subject, pae};
pub use evidence::{
    COSIGN_BUNDLE, COSIGN_CERTIFICATE, COSIGN_CHAIN, COSIGN_SIGNATURE, DSSE_MEDIA_TYPE,
    IN_TOTO_MEDIA_TYPE, MAX_DOCUMENT, PREDICATE_TYPE_ANNOTATION, Role, Source, legacy_tag, limit,
    role,
};
pub use finding::{Finding, Kind, Verdict};
pub use keyless::{
    Signed, Signer, TlogFacts, bundle_from_cosign_legacy, verify_keyless, verify_log,
};
pub use policy::{Matcher, Policy, PolicyError};
pub use predicate_type::{predicate_matches, predicate_type_for};
pub use public_key::{KeyError, PublicKey, hex, pem_blocks, pem_body};
pub use rekor::{
    EntryContent, NoteSignature, SignedNote, check_entry, check_inclusion, check_promise, find_log,
    leaf_hash, merkle_root, node_hash, rfc3339, set_message,
};
pub use simple_signing::{MAX_PAYLOAD, SIMPLE_SIGNING_MEDIA_TYPE, SimpleSigning};
pub use verify::{COSIGN_SIGN_PREDICATE, Context, MAX_ENVELOPE_SIGNATURES, verify_layer};

pub use trusted_root::{CertificateAuthority, MAX_TRUSTED_ROOT, TransparencyLog, TrustedRoot};
pub use x509::Certificate;

/// `SAN (issuer …)` of a DER certificate, for naming a signer whose
/// signature was not verified.
fn x509_summary(der: &[u8]) -> Option<String> {
    let certificate = Certificate::from_der(der).ok()?;
    let identity = certificate.identities().join(", ");
    let issuer = certificate.oidc_issuer().unwrap_or("no OIDC issuer");
    Some(format!("{identity} (issuer {issuer})"))
}
