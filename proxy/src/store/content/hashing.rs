//! [`Hashing`]: where a writer's bytes are hashed, the same for both
//! backends' writers. Either the writer hashes what it is given, or the
//! caller took the verifier ([`Hashing::detach`], before the first byte)
//! to hash on a thread of its own, and must hand it back at commit
//! ([`Hashing::returned`]) having seen exactly the bytes written.

use shared::digest::{Digest, Verifier, VerifyError};

use crate::store::StoreError;

/// Why [`Hashing`] refused a write or a commit.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The writer failed or committed already, or the verifier is not
    /// where the call needs it.
    Spent,
    /// More bytes than expected, or a returned verifier that saw other
    /// bytes than were written.
    Size(StoreError),
}

impl Refusal {
    /// Whether the writer must discard what it wrote.
    pub(crate) fn spends_the_writer(&self) -> bool {
        matches!(self, Refusal::Size(_))
    }

    /// The error to return: the mismatch, or `spent` (the writer's own
    /// message for a spent writer).
    pub(crate) fn error_or(self, spent: StoreError) -> StoreError {
        match self {
            Refusal::Spent => spent,
            Refusal::Size(e) => e,
        }
    }
}

/// The verifier of one writer, or the fact that the caller holds it.
#[derive(Debug)]
pub(crate) struct Hashing {
    verifier: Option<Verifier>,
    detached: bool,
}

impl Hashing {
    pub(crate) fn new(digest: Digest, expected_size: Option<u64>) -> Hashing {
        Hashing {
            verifier: Some(Verifier::new(digest, expected_size)),
            detached: false,
        }
    }

    /// The size the writer expects, when known.
    pub(crate) fn expected_size(&self) -> Option<u64> {
        self.verifier.as_ref().and_then(Verifier::expected_size)
    }

    /// Hashes `bytes`, about to be written (nothing to do when detached).
    pub(crate) fn update(&mut self, digest: &Digest, bytes: &[u8]) -> Result<(), Refusal> {
        match (self.verifier.as_mut(), self.detached) {
            (Some(verifier), false) => match verifier.update(bytes) {
                Err(VerifyError::TooLarge { expected, seen, .. }) => {
                    Err(Refusal::Size(StoreError::SizeMismatch {
                        digest: digest.clone(),
                        expected,
                        actual: seen,
                    }))
                }
                _ => Ok(()),
            },
            // The caller hashes these very bytes; commit checks the counts.
            (None, true) => Ok(()),
            _ => Err(Refusal::Spent),
        }
    }

    /// The verifier, for a commit; `None` when detached or used.
    pub(crate) fn take(&mut self) -> Option<Verifier> {
        self.verifier.take().filter(|_| !self.detached)
    }

    /// The verifier as it stands, while the writer hashes.
    pub(crate) fn current(&self) -> Option<&Verifier> {
        self.verifier.as_ref()
    }

    /// Hands the verifier to the caller: only once, and only while
    /// `untouched` (nothing written, nothing failed).
    pub(crate) fn detach(&mut self, untouched: bool) -> Option<Verifier> {
        if !untouched || self.detached {
            return None;
        }
        self.detached = true;
        self.verifier.take()
    }

    /// Checks a detached verifier handed back at commit: it must have
    /// hashed exactly the `written` bytes of `digest`.
    pub(crate) fn returned(
        &self,
        digest: &Digest,
        written: u64,
        verifier: &Verifier,
    ) -> Result<(), Refusal> {
        if !self.detached {
            return Err(Refusal::Spent);
        }
        if verifier.expected() != digest || verifier.bytes_seen() != written {
            return Err(Refusal::Size(StoreError::SizeMismatch {
                digest: digest.clone(),
                expected: written,
                actual: verifier.bytes_seen(),
            }));
        }
        Ok(())
    }
}
