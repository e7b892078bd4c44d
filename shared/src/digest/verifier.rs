//! Streaming verification of content whose digest (and maybe size) is known.

use super::{Digest, Hasher};

/// Why streamed content does not match the digest and size that name it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The content hashes to a different digest.
    #[error(
        "digest mismatch: expected {expected}, got {actual} (the content was altered or corrupted)"
    )]
    DigestMismatch {
        /// The digest the content was expected to have.
        expected: Digest,
        /// The digest of the bytes actually received.
        actual: Digest,
    },
    /// The stream ended with a different number of bytes than expected.
    #[error("size mismatch for {digest}: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The digest the content was expected to have.
        digest: Digest,
        /// Bytes the descriptor declared.
        expected: u64,
        /// Bytes actually received.
        actual: u64,
    },
    /// More bytes arrived than expected; reported as soon as it happens so
    /// the caller can abort the download.
    #[error(
        "too much data for {digest}: expected {expected} bytes, already got {seen} (aborting; the source sent more than its descriptor declares)"
    )]
    TooLarge {
        /// The digest the content was expected to have.
        digest: Digest,
        /// Bytes the descriptor declared.
        expected: u64,
        /// Bytes received so far.
        seen: u64,
    },
}

/// Hashes content as it streams and checks it against the expected digest
/// and, when known, the expected size.
///
/// [`Verifier::update`] fails as soon as more bytes than expected arrive,
/// so a caller can stop reading early; [`Verifier::finish`] checks the
/// size, then the digest. Checking the size first matches containerd's
/// commit and gives the more useful message when a stream was truncated.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Hasher,
}

impl Verifier {
    /// A verifier for content named by `expected`, of `expected_size` bytes
    /// if known (a descriptor's `size`; `None` for a decompressed layer).
    pub fn new(expected: Digest, expected_size: Option<u64>) -> Verifier {
        let hasher = Hasher::new(expected.algorithm());
        Verifier {
            expected,
            expected_size,
            hasher,
        }
    }

    /// The digest the content must have.
    pub fn expected(&self) -> &Digest {
        &self.expected
    }

    /// The size the content must have, if known.
    pub fn expected_size(&self) -> Option<u64> {
        self.expected_size
    }

    /// Feeds the next chunk. Fails with [`VerifyError::TooLarge`] once the
    /// total passes the expected size; the chunk is still hashed, so
    /// [`Verifier::finish`] gives the same verdict if called anyway.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), VerifyError> {
        self.hasher.update(bytes);
        match self.expected_size {
            Some(expected) if self.hasher.bytes_seen() > expected => Err(VerifyError::TooLarge {
                digest: self.expected.clone(),
                expected,
                seen: self.hasher.bytes_seen(),
            }),
            _ => Ok(()),
        }
    }

    /// Bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.hasher.bytes_seen()
    }

    /// Ends the stream: returns the verified digest, or what did not match.
    pub fn finish(self) -> Result<Digest, VerifyError> {
        let seen = self.hasher.bytes_seen();
        if let Some(expected) = self.expected_size
            && seen != expected
        {
            return Err(VerifyError::SizeMismatch {
                digest: self.expected,
                expected,
                actual: seen,
            });
        }
        let actual = self.hasher.finish();
        if actual == self.expected {
            Ok(actual)
        } else {
            Err(VerifyError::DigestMismatch {
                expected: self.expected,
                actual,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::super::Algorithm;
    use super::*;

    const CONTENT: &[u8] = b"hello, strata";

    fn feed(verifier: &mut Verifier, chunks: &[&[u8]]) -> Result<(), VerifyError> {
        for chunk in chunks {
            verifier.update(chunk)?;
        }
        Ok(())
    }

    #[test]
    fn verifies_streams() {
        let good = Digest::sha256_of(CONTENT);
        let len = CONTENT.len() as u64;
        let (head, tail) = CONTENT.split_at(5);
        type Case<'a> = (
            &'a str,
            Option<u64>,
            Vec<&'a [u8]>,
            Result<(), VerifyError>,
            Result<Digest, VerifyError>,
        );
        use VerifyError::*;
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("match, one chunk", Some(len), vec![CONTENT], Ok(()), Ok(good.clone())),
            ("match, two chunks", Some(len), vec![head, tail], Ok(()), Ok(good.clone())),
            ("match, size unknown", None, vec![head, b"", tail], Ok(()), Ok(good.clone())),
            ("wrong bytes, right size", Some(len), vec![b"HELLO, strata"], Ok(()),
                Err(DigestMismatch { expected: good.clone(), actual: Digest::sha256_of(b"HELLO, strata") })),
            ("wrong bytes, size unknown", None, vec![b"x"], Ok(()),
                Err(DigestMismatch { expected: good.clone(), actual: Digest::sha256_of(b"x") })),
            ("short", Some(len), vec![head], Ok(()),
                Err(SizeMismatch { digest: good.clone(), expected: len, actual: 5 })),
            ("long, caught mid-stream", Some(len), vec![CONTENT, b"!", b"more"],
                Err(TooLarge { digest: good.clone(), expected: len, seen: len + 1 }),
                Err(SizeMismatch { digest: good.clone(), expected: len, actual: len + 1 })),
            ("long in one chunk", Some(5), vec![CONTENT],
                Err(TooLarge { digest: good.clone(), expected: 5, seen: len }),
                Err(SizeMismatch { digest: good.clone(), expected: 5, actual: len })),
            ("right bytes, wrong declared size", Some(len + 1), vec![CONTENT], Ok(()),
                Err(SizeMismatch { digest: good.clone(), expected: len + 1, actual: len })),
        ];
        for (name, size, chunks, during, at_end) in cases {
            let mut verifier = Verifier::new(good.clone(), size);
            assert_eq!(feed(&mut verifier, &chunks), during, "{name}");
            assert_eq!(verifier.finish(), at_end, "{name}");
        }
    }

    #[test]
    fn sha512_and_counters() {
        let expected = Digest::of(Algorithm::Sha512, CONTENT);
        let mut verifier = Verifier::new(expected.clone(), Some(CONTENT.len() as u64));
        assert_eq!(verifier.expected(), &expected);
        assert_eq!(verifier.expected_size(), Some(CONTENT.len() as u64));
        verifier.update(&CONTENT[..3]).unwrap();
        assert_eq!(verifier.bytes_seen(), 3);
        verifier.update(&CONTENT[3..]).unwrap();
        assert_eq!(verifier.finish(), Ok(expected));
    }

    #[test]
    fn errors_show_expected_and_actual() {
        let expected = Digest::sha256_of(b"a");
        let actual = Digest::sha256_of(b"b");
        let cases = [
            (
                VerifyError::DigestMismatch {
                    expected: expected.clone(),
                    actual: actual.clone(),
                },
                format!("digest mismatch: expected {expected}, got {actual}"),
            ),
            (
                VerifyError::SizeMismatch {
                    digest: expected.clone(),
                    expected: 10,
                    actual: 3,
                },
                format!("size mismatch for {expected}: expected 10 bytes, got 3"),
            ),
        ];
        for (error, prefix) in cases {
            assert!(error.to_string().starts_with(&prefix), "{error}");
        }
    }
}
