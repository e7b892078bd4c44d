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
//! | `verify.rs` | [`verify_layer`]: one layer's checks and [`Verdict`] |

mod bundle;
mod check;
mod discovery;
mod dsse;
mod evidence;
mod keyless;
mod policy;
mod public_key;
mod simple_signing;
mod trusted_root;
mod verify;

pub use bundle::{
    BUNDLE_MEDIA_TYPES, BUNDLE_V03_ARTIFACT, Bundle, BundleError, Checkpoint, HashOutput,
    InclusionPromise, InclusionProof, KindVersion, LogId, MAX_BUNDLE, MessageSignature, TlogEntry,
    VerificationMaterial, decode_b64,
};
pub use check::{Check, CheckKind, Checks, Outcome};
pub use discovery::{Discovery, MAX_ARTIFACTS, MAX_LAYERS, Need, Problem, Summary, summarize};
pub use dsse::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, Statement, Subject, pae};
pub use evidence::{
    COSIGN_BUNDLE, COSIGN_CERTIFICATE, COSIGN_CHAIN, COSIGN_SIGNATURE, DSSE_MEDIA_TYPE,
    IN_TOTO_MEDIA_TYPE, MAX_DOCUMENT, PREDICATE_TYPE_ANNOTATION, Role, Source, legacy_tag, limit,
    role,
};
pub use keyless::{Signed, Signer, bundle_from_cosign_legacy, verify_keyless, verify_log};
pub use policy::{Matcher, Policy, PolicyError};
pub use public_key::{KeyError, PublicKey, hex, pem_blocks, pem_body};
pub use simple_signing::{MAX_PAYLOAD, SIMPLE_SIGNING_MEDIA_TYPE, SimpleSigning};
pub use trusted_root::TrustedRoot;
pub use verify::{
    COSIGN_SIGN_PREDICATE, Context, Finding, Kind, Verdict, predicate_matches, predicate_type_for,
    verify_layer,
};

/// `SAN (issuer)` of a DER certificate, for naming a signer whose
/// signature was not verified.
fn x509_summary(_der: &[u8]) -> Option<String> {
    None
}
