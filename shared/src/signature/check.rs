//! One check of a verification and the verdict the checks add up to.
//!
//! Every verification is a list of [`Check`]s in the order they ran. A
//! check either passed (with what it rests on, e.g. the key's fingerprint),
//! failed (with the value expected and the value found), or was not
//! reached because an earlier one failed. The [`Verdict`] is their sum:
//! one sentence for the page, the CLI and the link's recipient.

use serde::{Deserialize, Serialize};

/// What a check establishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// The signed content's digest matches its descriptor (or the
    /// bundle's message digest).
    PayloadDigest,
    /// The payload names this image: a simple-signing payload's
    /// `docker-manifest-digest`, or an in-toto statement's subject.
    SubjectDigest,
    /// The signature verifies under the key (or certificate).
    Signature,
    /// The key is the one the policy names.
    Key,
    /// The certificate chains to a certificate authority of the trusted root.
    CertificateChain,
    /// The signing time is within the certificate's validity.
    SigningTime,
    /// The transparency log's signed entry timestamp (inclusion promise).
    LogPromise,
    /// The transparency log's inclusion proof and signed checkpoint.
    LogInclusion,
    /// The log entry describes this signature, key and content.
    LogEntry,
    /// The certificate's identity (SAN) matches the policy.
    Identity,
    /// The certificate's OIDC issuer matches the policy.
    Issuer,
    /// The attestation's predicate type is the one asked for.
    PredicateType,
}

impl CheckKind {
    /// What the check establishes, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            CheckKind::PayloadDigest => "payload digest",
            CheckKind::SubjectDigest => "signed image digest",
            CheckKind::Signature => "signature",
            CheckKind::Key => "public key",
            CheckKind::CertificateChain => "certificate chain",
            CheckKind::SigningTime => "signing time",
            CheckKind::LogPromise => "transparency log promise",
            CheckKind::LogInclusion => "transparency log inclusion proof",
            CheckKind::LogEntry => "transparency log entry",
            CheckKind::Identity => "certificate identity",
            CheckKind::Issuer => "OIDC issuer",
            CheckKind::PredicateType => "predicate type",
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// It held; `detail` says what it rests on.
    Passed {
        /// e.g. the key fingerprint, the root's name, the log index.
        detail: String,
    },
    /// It did not hold.
    Failed {
        /// What the check needed.
        expected: String,
        /// What it found.
        actual: String,
    },
}

/// One check and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What it establishes.
    pub kind: CheckKind,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Check {
    /// A check that held.
    pub fn passed(kind: CheckKind, detail: impl Into<String>) -> Check {
        Check {
            kind,
            outcome: Outcome::Passed {
                detail: detail.into(),
            },
        }
    }

    /// A check that did not hold.
    pub fn failed(
        kind: CheckKind,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Check {
        Check {
            kind,
            outcome: Outcome::Failed {
                expected: expected.into(),
                actual: actual.into(),
            },
        }
    }

    /// Whether it held.
    pub fn is_passed(&self) -> bool {
        matches!(self.outcome, Outcome::Passed { .. })
    }

    /// One line: `✓ signature: …` or `✗ signature: expected …, found …`.
    pub fn line(&self) -> String {
        match &self.outcome {
            Outcome::Passed { detail } => format!("✓ {}: {detail}", self.kind.title()),
            Outcome::Failed { expected, actual } => format!(
                "✗ {}: expected {expected}, found {actual}",
                self.kind.title()
            ),
        }
    }
}

/// The checks of one verification, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks(pub Vec<Check>);

impl Checks {
    /// Records a check; whether it passed (so a caller can stop early).
    pub fn push(&mut self, check: Check) -> bool {
        let passed = check.is_passed();
        self.0.push(check);
        passed
    }

    /// Records `kind` as passed when `ok`, else failed with the two values.
    pub fn expect(
        &mut self,
        kind: CheckKind,
        ok: bool,
        detail: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> bool {
        if ok {
            self.push(Check::passed(kind, detail))
        } else {
            self.push(Check::failed(kind, expected, actual))
        }
    }

    /// The first check that failed.
    pub fn first_failure(&self) -> Option<&Check> {
        self.0.iter().find(|c| !c.is_passed())
    }

    /// Whether every check held (and there was at least one).
    pub fn all_passed(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(Check::is_passed)
    }

    /// The check of `kind`, if it ran.
    pub fn get(&self, kind: CheckKind) -> Option<&Check> {
        self.0.iter().find(|c| c.kind == kind)
    }
}
