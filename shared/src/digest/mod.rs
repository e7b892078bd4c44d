//! Content digests: `algorithm ":" encoded`.
//!
//! Grammar (a strict subset of the OCI image spec's digest grammar):
//!
//! ```text
//! digest    := algorithm ":" encoded
//! algorithm := "sha256" | "sha512"
//! encoded   := [a-f0-9]{64}     (sha256)
//!            | [a-f0-9]{128}    (sha512)
//! ```
//!
//! Hex must be lowercase, as the OCI spec requires; no whitespace is
//! trimmed. Other algorithms the OCI grammar allows (`blake3`, ...) are
//! rejected as unsupported, because nothing here could verify them.
//!
//! A [`Digest`] is valid once built. It serialises through its string form
//! (`"sha256:…"`), and [`Digest::short`] gives the 12-character short ID
//! Docker prints. Content of unknown digest is hashed with a streaming
//! [`Hasher`]; content of known digest is checked while it streams with a
//! [`Verifier`], which also enforces the expected size; every stream of
//! upstream bytes is read through the [`Verified`] wrapper around it.

mod hasher;
mod verified;
mod verifier;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use hasher::Hasher;
pub use verified::Verified;
pub use verifier::{Verifier, VerifyError};

/// Number of hex characters in Docker's short image/layer ID.
pub const SHORT_LEN: usize = 12;

/// A supported digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, 64 hex characters. The algorithm of nearly every image.
    Sha256,
    /// SHA-512, 128 hex characters.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as it appears in a digest (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Number of hex characters in an encoded digest of this algorithm.
    pub fn encoded_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            "" => Err(DigestError::MissingAlgorithm),
            other => Err(DigestError::UnsupportedAlgorithm {
                algorithm: other.to_owned(),
            }),
        }
    }
}

/// Why a string is not a valid digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The string has no `:` between algorithm and hex.
    #[error(
        "invalid digest {input:?}: expected \"algorithm:hex\", such as \"sha256:<64 hex characters>\""
    )]
    MissingSeparator {
        /// The rejected input (cut to 80 characters).
        input: String,
    },
    /// Nothing before the `:`.
    #[error("invalid digest: the algorithm before ':' is empty (expected sha256 or sha512)")]
    MissingAlgorithm,
    /// An algorithm other than sha256 or sha512.
    #[error("unsupported digest algorithm {algorithm:?} (supported: sha256, sha512)")]
    UnsupportedAlgorithm {
        /// The algorithm named in the input (cut to 80 characters).
        algorithm: String,
    },
    /// The hex part has the wrong length for its algorithm.
    #[error("invalid {algorithm} digest: expected {expected} hex characters, found {actual}")]
    WrongLength {
        /// The digest's algorithm.
        algorithm: Algorithm,
        /// Hex characters that algorithm needs.
        expected: usize,
        /// Characters found after the `:`.
        actual: usize,
    },
    /// A character that is not lowercase hex.
    #[error(
        "invalid {algorithm} digest: {character:?} at position {position} of the hex part is not lowercase hex [0-9a-f]"
    )]
    InvalidCharacter {
        /// The digest's algorithm.
        algorithm: Algorithm,
        /// The offending character.
        character: char,
        /// Its character position within the hex part (0-based).
        position: usize,
    },
}

/// A validated content digest, such as `sha256:2cf2…`.
///
/// Build one with [`FromStr`], [`Digest::new`], [`Digest::sha256_of`] or a
/// [`Hasher`]. Ordering is by algorithm, then hex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    encoded: String,
}

impl Digest {
    /// Builds a digest from an algorithm and its hex, validating the hex.
    pub fn new(algorithm: Algorithm, encoded: &str) -> Result<Digest, DigestError> {
        validate_hex(algorithm, encoded)?;
        Ok(Digest {
            algorithm,
            encoded: encoded.to_owned(),
        })
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest::of(Algorithm::Sha256, bytes)
    }

    /// The digest of `bytes` under `algorithm`.
    pub fn of(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        let mut hasher = Hasher::new(algorithm);
        hasher.update(bytes);
        hasher.finish()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lowercase hex after the `:`.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// The first 12 hex characters: Docker's short ID (`IMAGE ID` column,
    /// layer ids in pull progress).
    pub fn short(&self) -> &str {
        // Validated hex is ASCII and at least 64 long, so this cannot split
        // a character or run past the end.
        &self.encoded[..SHORT_LEN]
    }

    /// Built by the hasher from bytes it formatted itself.
    pub(crate) fn from_trusted_hex(algorithm: Algorithm, encoded: String) -> Digest {
        debug_assert!(validate_hex(algorithm, &encoded).is_ok());
        Digest { algorithm, encoded }
    }
}

fn validate_hex(algorithm: Algorithm, encoded: &str) -> Result<(), DigestError> {
    if let Some((position, character)) = encoded
        .chars()
        .enumerate()
        .find(|(_, c)| !matches!(c, '0'..='9' | 'a'..='f'))
    {
        return Err(DigestError::InvalidCharacter {
            algorithm,
            character,
            position,
        });
    }
    if encoded.len() != algorithm.encoded_len() {
        return Err(DigestError::WrongLength {
            algorithm,
            expected: algorithm.encoded_len(),
            actual: encoded.len(),
        });
    }
    Ok(())
}

/// Cuts untrusted input that is echoed back in an error (shared by the
/// parsers of this crate that quote their input).
pub(crate) fn cut(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (algorithm, encoded) = s
            .split_once(':')
            .ok_or_else(|| DigestError::MissingSeparator { input: cut(s) })?;
        let algorithm = algorithm.parse::<Algorithm>().map_err(|e| match e {
            DigestError::UnsupportedAlgorithm { algorithm } => DigestError::UnsupportedAlgorithm {
                algorithm: cut(&algorithm),
            },
            other => other,
        })?;
        Digest::new(algorithm, encoded)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.encoded)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `sha256:` and `c` 64 times: a well-formed digest for tests.
#[cfg(test)]
pub(crate) fn repeated(c: char) -> Digest {
    format!("sha256:{}", c.to_string().repeat(64))
        .parse()
        .expect("digest")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const HEX64: &str = "2cf2e6e6e5cd3b6e5b9d4a8c6f6c36c4e3a1e1f7fa79c9c0b1e3f4a5b6c7d8e9";

    #[test]
    fn parses_valid_digests() {
        let hex128 = "a".repeat(128);
        #[rustfmt::skip]
        let cases: &[(&str, Algorithm, &str)] = &[
            (&format!("sha256:{HEX64}"), Algorithm::Sha256, HEX64),
            (&format!("sha256:{}", "0".repeat(64)), Algorithm::Sha256, &"0".repeat(64)),
            (&format!("sha512:{hex128}"), Algorithm::Sha512, &hex128),
        ];
        for (input, algorithm, encoded) in cases {
            let d: Digest = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.algorithm(), *algorithm, "{input}");
            assert_eq!(d.encoded(), *encoded, "{input}");
            assert_eq!(d.to_string(), *input, "{input}");
            assert_eq!(d.short(), &encoded[..12], "{input}");
        }
    }

    #[test]
    fn rejects_invalid_digests() {
        use DigestError::*;
        let upper = format!("sha256:{}", HEX64.to_uppercase());
        #[rustfmt::skip]
        let cases: Vec<(String, DigestError)> = vec![
            ("".into(), MissingSeparator { input: "".into() }),
            (HEX64.into(), MissingSeparator { input: HEX64.into() }),
            (format!(":{HEX64}"), MissingAlgorithm),
            (format!("md5:{HEX64}"), UnsupportedAlgorithm { algorithm: "md5".into() }),
            (format!("SHA256:{HEX64}"), UnsupportedAlgorithm { algorithm: "SHA256".into() }),
            (format!("blake3:{HEX64}"), UnsupportedAlgorithm { algorithm: "blake3".into() }),
            ("sha256:".into(), WrongLength { algorithm: Algorithm::Sha256, expected: 64, actual: 0 }),
            ("sha256:abc".into(), WrongLength { algorithm: Algorithm::Sha256, expected: 64, actual: 3 }),
            (format!("sha256:{HEX64}0"), WrongLength { algorithm: Algorithm::Sha256, expected: 64, actual: 65 }),
            (format!("sha512:{HEX64}"), WrongLength { algorithm: Algorithm::Sha512, expected: 128, actual: 64 }),
            (upper, InvalidCharacter { algorithm: Algorithm::Sha256, character: 'C', position: 1 }),
            (format!("sha256:{}g", &HEX64[..63]), InvalidCharacter { algorithm: Algorithm::Sha256, character: 'g', position: 63 }),
            (format!("sha256: {}", &HEX64[..63]), InvalidCharacter { algorithm: Algorithm::Sha256, character: ' ', position: 0 }),
            (format!("sha256:{HEX64}:"), InvalidCharacter { algorithm: Algorithm::Sha256, character: ':', position: 64 }),
            (format!("sha256:{}é", &HEX64[..63]), InvalidCharacter { algorithm: Algorithm::Sha256, character: 'é', position: 63 }),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Digest>(), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn errors_say_what_was_wrong() {
        #[rustfmt::skip]
        let cases = [
            ("sha256:abc", "invalid sha256 digest: expected 64 hex characters, found 3"),
            ("md5:abc", "unsupported digest algorithm \"md5\" (supported: sha256, sha512)"),
            ("abc", "invalid digest \"abc\": expected \"algorithm:hex\""),
        ];
        for (input, message) in cases {
            let err = input
                .parse::<Digest>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with(message), "{input}: {err}");
        }
    }

    #[test]
    fn long_input_is_cut_in_errors() {
        let input = "x".repeat(10_000);
        let err = input
            .parse::<Digest>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn hashes_known_values() {
        #[rustfmt::skip]
        let cases = [
            (Algorithm::Sha256, &b""[..], "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Algorithm::Sha256, b"abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Algorithm::Sha512, b"abc", "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ];
        for (algorithm, bytes, expected) in cases {
            assert_eq!(Digest::of(algorithm, bytes).to_string(), expected);
        }
        assert_eq!(Digest::sha256_of(b"abc").to_string(), cases[1].2);
    }

    #[test]
    fn serde_goes_through_the_string_form() {
        let d = Digest::sha256_of(b"abc");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{d}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        let cases = ["\"sha256:abc\"", "42", "null", "\"\""];
        for input in cases {
            assert!(serde_json::from_str::<Digest>(input).is_err(), "{input}");
        }
    }

    #[test]
    fn orders_by_algorithm_then_hex() {
        let a: Digest = format!("sha256:{}", "0".repeat(64)).parse().unwrap();
        let b: Digest = format!("sha256:{}", "1".repeat(64)).parse().unwrap();
        let c: Digest = format!("sha512:{}", "0".repeat(128)).parse().unwrap();
        assert!(a < b && b < c);
        assert_eq!(format!("{a:?}"), format!("Digest({a})"));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn sha256_roundtrips(hex in "[0-9a-f]{64}") {
            let d = Digest::new(Algorithm::Sha256, &hex).unwrap();
            prop_assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        }

        #[test]
        fn sha512_roundtrips(hex in "[0-9a-f]{128}") {
            let d = Digest::new(Algorithm::Sha512, &hex).unwrap();
            prop_assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        }

        #[test]
        fn hashed_digests_roundtrip(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
                let d = Digest::of(algorithm, &bytes);
                prop_assert_eq!(d.to_string().parse::<Digest>().unwrap(), d.clone());
                let json = serde_json::to_string(&d).unwrap();
                prop_assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".*") {
            if let Ok(d) = s.parse::<Digest>() {
                prop_assert_eq!(d.to_string(), s);
            }
        }
    }
}
