//! What verifying one layer found: its [`Kind`], its checks and their
//! [`Verdict`], as a [`Finding`] the page and the CLI show.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::manifest::Descriptor;

use super::check::{Check, Checks};
use super::dsse::Statement;
use super::evidence::{Role, Source};

/// What a layer turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// A signature of the image.
    Signature,
    /// A signed (or, from BuildKit, unsigned) attestation.
    Attestation {
        /// Its predicate type.
        predicate_type: String,
    },
    /// An unsigned SBOM document.
    Sbom,
    /// Something strata does not read.
    Other {
        /// The layer's media type.
        media_type: String,
    },
}

/// The outcome of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Every check held, the policy's included.
    Verified {
        /// Who signed: the identity and issuer, or the key.
        signer: String,
        /// What the verification rests on: the key, or the trusted root and log entry.
        rests_on: String,
    },
    /// Every check that could run held, but nothing pins who signed: the
    /// link or command names no key or identity.
    Unpinned {
        /// Who the certificate says signed.
        signer: String,
        /// What the verification rests on.
        rests_on: String,
    },
    /// A check failed.
    Failed {
        /// The first failed check.
        check: Check,
    },
    /// It cannot be checked as given, e.g. a keyed signature without a key.
    NotChecked {
        /// Why, and what to give.
        reason: String,
    },
    /// There is no signature to check (BuildKit statements, plain SBOMs).
    Unsigned,
}

/// One layer of an artifact, verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Where its artifact was found.
    pub source: Source,
    /// The artifact manifest's digest.
    pub artifact: Digest,
    /// The layer's digest.
    pub layer: Digest,
    /// The layer's size.
    pub size: u64,
    /// What the layer holds.
    pub role: Role,
    /// What it turned out to be.
    pub kind: Kind,
    /// Who signed, as far as the signature material says (verified or not).
    pub signer: Option<String>,
    /// The checks, in the order they ran.
    pub checks: Checks,
    /// Their sum.
    pub verdict: Verdict,
    /// The in-toto statement, for an attestation (to render its predicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
    /// It failed only because the policy names the other kind of signer
    /// (a key for a keyless signature, an identity for a keyed one): a
    /// verdict names such failures last.
    #[serde(default)]
    pub other_kind: bool,
    /// The image it was checked against.
    pub subject: Digest,
    /// The artifact's type (its manifest's `artifactType`, else its config's media type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl Finding {
    /// A layer listed but not read (strata does not read its kind): shown, never verified.
    pub fn unread(
        source: Source,
        subject: &Digest,
        artifact: &Digest,
        role: Role,
        layer: &Descriptor,
    ) -> Finding {
        Finding {
            subject: subject.clone(),
            source,
            artifact: artifact.clone(),
            layer: layer.digest.clone(),
            size: layer.size,
            role,
            kind: Kind::Other {
                media_type: layer.media_type.as_str().to_owned(),
            },
            signer: None,
            checks: Checks::default(),
            verdict: Verdict::Unsigned,
            statement: None,
            other_kind: false,
            artifact_type: None,
        }
    }

    /// Whether it verified under a policy.
    pub fn is_verified(&self) -> bool {
        matches!(self.verdict, Verdict::Verified { .. })
    }

    /// Whether it is a signature or signed attestation (not an unsigned document).
    pub fn is_signed(&self) -> bool {
        !matches!(self.verdict, Verdict::Unsigned) && !matches!(self.kind, Kind::Other { .. })
    }
}
