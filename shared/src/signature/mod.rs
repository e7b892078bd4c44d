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
//! | `x509.rs` | [`Certificate`]: Fulcio certificates, their identities, issuers and signatures |
//! | `trusted_root.rs` | [`TrustedRoot`]: the certificate authorities and logs keyless signatures rest on |
//! | `rekor.rs` | transparency log promises, inclusion proofs, checkpoints and entry bodies |
//! | `keyless.rs` | [`verify_keyless`], [`verify_log`]; cosign's legacy annotations as a bundle |

mod bundle;
mod check;
mod dsse;
mod keyless;
mod policy;
mod public_key;
mod rekor;
mod simple_signing;
mod trusted_root;
mod x509;

pub use bundle::{
    BUNDLE_MEDIA_TYPES, BUNDLE_V03_ARTIFACT, Bundle, BundleError, Checkpoint, HashOutput,
    InclusionPromise, InclusionProof, KindVersion, LogId, MAX_BUNDLE, MessageSignature, TlogEntry,
    VerificationMaterial, decode_b64,
};
pub use check::{Check, CheckKind, Checks, Outcome};
pub use dsse::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, Statement, Subject, pae};
pub use keyless::{
    Signed, Signer, TlogFacts, bundle_from_cosign_legacy, verify_keyless, verify_log,
};
pub use policy::{Matcher, Policy, PolicyError};
pub use public_key::{KeyError, PublicKey, hex, pem_blocks, pem_body};
pub use rekor::{
    EntryContent, NoteSignature, SignedNote, check_entry, check_inclusion, check_promise, find_log,
    leaf_hash, merkle_root, node_hash, rfc3339, set_message,
};
pub use simple_signing::{MAX_PAYLOAD, SIMPLE_SIGNING_MEDIA_TYPE, SimpleSigning};
pub use trusted_root::{CertificateAuthority, MAX_TRUSTED_ROOT, TransparencyLog, TrustedRoot};
pub use x509::Certificate;
