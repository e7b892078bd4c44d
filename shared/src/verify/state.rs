//! The state of one node of the chain, and the verdict over all of them.

use crate::digest::{Digest, VerifyError};

/// Where the verification of one node stands. Serialisable, so a worker
/// that verified a layer can hand its verdict to the page.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NodeState {
    /// Not started.
    Pending,
    /// Bytes are being hashed.
    Verifying {
        /// Bytes hashed so far.
        bytes_done: u64,
        /// Bytes expected, when known.
        total: Option<u64>,
    },
    /// The content hashes to the digest that names it (and has its size).
    Verified {
        /// The digest, now checked.
        digest: Digest,
    },
    /// The content hashes to another digest.
    Mismatch {
        /// The digest that names the content.
        expected: Digest,
        /// The digest of the bytes received.
        actual: Digest,
    },
    /// The content has another size than its descriptor says.
    SizeMismatch {
        /// Bytes the descriptor declares.
        expected: u64,
        /// Bytes received (so far, when too many arrived).
        actual: u64,
    },
    /// Too large to verify without asking.
    SkippedTooLarge {
        /// The blob's size in bytes.
        size: u64,
    },
    /// Not checked, because what it is checked against (or its bytes) came
    /// from a node that did not verify.
    NotChecked {
        /// Why, for the user.
        reason: String,
    },
    /// The bytes could not be fetched or read (network, server refusal,
    /// bad compression, unparsable JSON).
    Failed {
        /// What happened, for the user.
        message: String,
    },
}

impl NodeState {
    /// The state a finished [`crate::digest::Verifier`] (or a comparison of
    /// a hasher's digest) leads to.
    pub fn from_result(result: Result<Digest, VerifyError>) -> NodeState {
        match result {
            Ok(digest) => NodeState::Verified { digest },
            Err(VerifyError::DigestMismatch { expected, actual }) => {
                NodeState::Mismatch { expected, actual }
            }
            Err(VerifyError::SizeMismatch {
                expected, actual, ..
            }) => NodeState::SizeMismatch { expected, actual },
            Err(VerifyError::TooLarge { expected, seen, .. }) => NodeState::SizeMismatch {
                expected,
                actual: seen,
            },
        }
    }

    /// Compares a computed digest with the one expected.
    pub fn compare(expected: &Digest, actual: Digest) -> NodeState {
        if &actual == expected {
            NodeState::Verified { digest: actual }
        } else {
            NodeState::Mismatch {
                expected: expected.clone(),
                actual,
            }
        }
    }

    /// A short machine name (`pending`, `verifying`, `verified`,
    /// `mismatch`, `skipped`, `failed`), for styles and tests.
    pub fn name(&self) -> &'static str {
        match self {
            NodeState::Pending => "pending",
            NodeState::Verifying { .. } => "verifying",
            NodeState::Verified { .. } => "verified",
            NodeState::Mismatch { .. } | NodeState::SizeMismatch { .. } => "mismatch",
            NodeState::SkippedTooLarge { .. } => "skipped",
            NodeState::NotChecked { .. } => "unchecked",
            NodeState::Failed { .. } => "failed",
        }
    }

    /// Whether the node will not change without the user (verified, bad, skipped).
    pub fn is_settled(&self) -> bool {
        !matches!(self, NodeState::Pending | NodeState::Verifying { .. })
    }

    /// Whether the node proves the content was altered or unavailable.
    pub fn is_bad(&self) -> bool {
        matches!(
            self,
            NodeState::Mismatch { .. } | NodeState::SizeMismatch { .. } | NodeState::Failed { .. }
        )
    }
}

/// The verdict over the whole chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some nodes are still pending or being verified.
    InProgress,
    /// Every node verified.
    Verified,
    /// Every node settled, none bad, but some were skipped or not checked.
    Incomplete,
    /// At least one node did not match or could not be read.
    Failed,
}

impl Verdict {
    /// Folds node states: a bad node fails the chain at once; otherwise
    /// anything unsettled keeps it in progress; otherwise skips make it
    /// incomplete.
    pub fn of<'a>(states: impl IntoIterator<Item = &'a NodeState>) -> Verdict {
        let mut verdict = Verdict::Verified;
        for state in states {
            match state {
                s if s.is_bad() => return Verdict::Failed,
                NodeState::Pending | NodeState::Verifying { .. } => verdict = Verdict::InProgress,
                NodeState::SkippedTooLarge { .. } | NodeState::NotChecked { .. }
                    if verdict == Verdict::Verified =>
                {
                    verdict = Verdict::Incomplete;
                }
                _ => {}
            }
        }
        verdict
    }

    /// A short machine name (`verifying`, `verified`, `incomplete`, `failed`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::InProgress => "verifying",
            Verdict::Verified => "verified",
            Verdict::Incomplete => "incomplete",
            Verdict::Failed => "failed",
        }
    }

    /// What the verdict means, for the user.
    pub fn message(self) -> &'static str {
        match self {
            Verdict::InProgress => "Verifying…",
            Verdict::Verified => "Every byte matches the digests that name it.",
            Verdict::Incomplete => {
                "Everything checked matches, but some layers were skipped (too large); verify them to complete the chain."
            }
            Verdict::Failed => {
                "Verification failed: some content does not match its digest or could not be read. Do not trust this image."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn d(byte: u8) -> Digest {
        Digest::sha256_of(&[byte])
    }

    #[test]
    fn results_become_states() {
        let cases = [
            (Ok(d(1)), NodeState::Verified { digest: d(1) }),
            (
                Err(VerifyError::DigestMismatch {
                    expected: d(1),
                    actual: d(2),
                }),
                NodeState::Mismatch {
                    expected: d(1),
                    actual: d(2),
                },
            ),
            (
                Err(VerifyError::SizeMismatch {
                    digest: d(1),
                    expected: 5,
                    actual: 4,
                }),
                NodeState::SizeMismatch {
                    expected: 5,
                    actual: 4,
                },
            ),
            (
                Err(VerifyError::TooLarge {
                    digest: d(1),
                    expected: 5,
                    seen: 9,
                }),
                NodeState::SizeMismatch {
                    expected: 5,
                    actual: 9,
                },
            ),
        ];
        for (result, want) in cases {
            assert_eq!(NodeState::from_result(result.clone()), want, "{result:?}");
        }
        assert_eq!(
            NodeState::compare(&d(1), d(1)),
            NodeState::Verified { digest: d(1) }
        );
        assert_eq!(
            NodeState::compare(&d(1), d(2)),
            NodeState::Mismatch {
                expected: d(1),
                actual: d(2)
            }
        );
    }

    #[test]
    fn verdicts_fold_states() {
        let verified = NodeState::Verified { digest: d(1) };
        let pending = NodeState::Pending;
        let skipped = NodeState::SkippedTooLarge { size: 1 << 30 };
        let bad = NodeState::Mismatch {
            expected: d(1),
            actual: d(2),
        };
        let failed = NodeState::Failed {
            message: "reset".into(),
        };
        let unchecked = NodeState::NotChecked {
            reason: "parent".into(),
        };
        let cases: Vec<(Vec<&NodeState>, Verdict)> = vec![
            (vec![], Verdict::Verified),
            (vec![&verified, &verified], Verdict::Verified),
            (vec![&verified, &pending], Verdict::InProgress),
            (vec![&skipped, &verified], Verdict::Incomplete),
            (vec![&skipped, &pending], Verdict::InProgress),
            (vec![&pending, &skipped], Verdict::InProgress),
            (vec![&verified, &bad, &pending], Verdict::Failed),
            (vec![&failed], Verdict::Failed),
            (vec![&verified, &unchecked], Verdict::Incomplete),
        ];
        for (states, want) in cases {
            assert_eq!(Verdict::of(states.iter().copied()), want, "{states:?}");
        }
    }

    #[test]
    fn names_are_stable() {
        let cases = [
            (NodeState::Pending, "pending"),
            (
                NodeState::Verifying {
                    bytes_done: 1,
                    total: None,
                },
                "verifying",
            ),
            (NodeState::Verified { digest: d(1) }, "verified"),
            (
                NodeState::SizeMismatch {
                    expected: 1,
                    actual: 2,
                },
                "mismatch",
            ),
            (NodeState::SkippedTooLarge { size: 1 }, "skipped"),
            (
                NodeState::Failed {
                    message: String::new(),
                },
                "failed",
            ),
        ];
        for (state, want) in cases {
            assert_eq!(state.name(), want);
        }
    }
}
