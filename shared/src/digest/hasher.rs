//! Streaming hashing of content whose digest is not known yet.

use std::fmt::Write as _;

use sha2::Digest as _;

use super::{Algorithm, Digest};

/// Hashes bytes as they stream, then yields their [`Digest`].
///
/// Use it for content whose digest is unknown (the uncompressed tar of a
/// layer before it is compared with a diff ID, say). For content whose
/// digest is known, use a [`super::Verifier`].
#[derive(Clone)]
pub struct Hasher {
    state: State,
    bytes_seen: u64,
}

#[derive(Clone)]
enum State {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A hasher for `algorithm`.
    pub fn new(algorithm: Algorithm) -> Hasher {
        let state = match algorithm {
            Algorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => State::Sha512(sha2::Sha512::new()),
        };
        Hasher {
            state,
            bytes_seen: 0,
        }
    }

    /// A SHA-256 hasher.
    pub fn sha256() -> Hasher {
        Hasher::new(Algorithm::Sha256)
    }

    /// The algorithm this hasher computes.
    pub fn algorithm(&self) -> Algorithm {
        match self.state {
            State::Sha256(_) => Algorithm::Sha256,
            State::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// Feeds the next chunk of content.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.state {
            State::Sha256(h) => h.update(bytes),
            State::Sha512(h) => h.update(bytes),
        }
        self.bytes_seen = self.bytes_seen.saturating_add(bytes.len() as u64);
    }

    /// Bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        let (algorithm, raw) = match self.state {
            State::Sha256(h) => (Algorithm::Sha256, h.finalize().to_vec()),
            State::Sha512(h) => (Algorithm::Sha512, h.finalize().to_vec()),
        };
        Digest::from_trusted_hex(algorithm, to_hex(&raw))
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &self.algorithm())
            .field("bytes_seen", &self.bytes_seen)
            .finish()
    }
}

/// `std::io::Write` lets a hasher sit at the end of `std::io::copy` or a
/// decompressor's output; it never fails.
impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing into a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn chunked_input_hashes_like_one_slice() {
        let content: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let cases: &[&[usize]] = &[
            &[],
            &[1],
            &[10_000],
            &[1, 2, 3, 4096],
            &[9_999, 1],
            &[0, 0, 5000],
        ];
        for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
            let whole = Digest::of(algorithm, &content);
            for splits in cases {
                let mut hasher = Hasher::new(algorithm);
                let mut rest = &content[..];
                for &n in *splits {
                    let (head, tail) = rest.split_at(n.min(rest.len()));
                    hasher.update(head);
                    rest = tail;
                }
                hasher.update(rest);
                assert_eq!(hasher.bytes_seen(), content.len() as u64);
                assert_eq!(hasher.algorithm(), algorithm);
                assert_eq!(hasher.finish(), whole, "{algorithm} {splits:?}");
            }
        }
    }

    #[test]
    fn works_as_io_write() {
        let mut hasher = Hasher::sha256();
        std::io::copy(&mut &b"abc"[..], &mut hasher).unwrap();
        assert_eq!(hasher.finish(), Digest::sha256_of(b"abc"));
    }
}
