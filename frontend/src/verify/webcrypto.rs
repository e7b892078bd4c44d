//! The fast path for blobs small enough to hold: WebCrypto's one-shot
//! `crypto.subtle.digest("SHA-256", …)`, measured at about twice the speed
//! of SHA-256 compiled to wasm, and run by the browser off the page's thread.
//!
//! WebCrypto has no streaming digest, so the blob's chunks are kept as the
//! fetch reader handed them (JS memory, never copied into wasm) and joined
//! once at the end. [`JsChunks`] refuses to grow past the size the descriptor
//! announced, so an upstream that sends more cannot make it hold more. Blobs
//! above [`WEBCRYPTO_MAX`], or pages without WebCrypto (it only exists in
//! secure contexts: https, `localhost`, `127.0.0.1`), stream through the
//! wasm hasher instead. Both paths give the same digest (tested below).

use js_sys::{Function, Reflect, Uint8Array};
use shared::digest::{Algorithm, Digest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Blobs up to this many bytes are hashed by WebCrypto: a bound on the memory
/// one held blob may take.
pub const WEBCRYPTO_MAX: u64 = 64 << 20;

/// `crypto.subtle`, if this page has it.
fn subtle() -> Option<JsValue> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    (!subtle.is_undefined() && !subtle.is_null()).then_some(subtle)
}

/// Whether WebCrypto's digest is available here.
pub fn available() -> bool {
    subtle().is_some()
}

/// Why a held blob could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldError {
    /// More bytes arrived than the descriptor announced.
    TooLarge {
        /// The announced size.
        expected: u64,
        /// How many bytes had arrived.
        seen: u64,
    },
    /// WebCrypto itself failed.
    Crypto(String),
}

impl std::fmt::Display for HeldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { expected, seen } => {
                write!(f, "expected {expected} bytes, got at least {seen}")
            }
            Self::Crypto(e) => write!(f, "WebCrypto could not hash it: {e}"),
        }
    }
}

/// A blob's chunks, kept in JS memory until [`JsChunks::sha256`] hashes them.
pub struct JsChunks {
    subtle: JsValue,
    parts: Vec<Uint8Array>,
    len: u64,
    limit: u64,
}

impl JsChunks {
    /// Holds a blob of at most `limit` bytes, if WebCrypto is here and the
    /// blob's algorithm is SHA-256 and `limit` is within [`WEBCRYPTO_MAX`].
    pub fn for_blob(algorithm: Algorithm, limit: u64) -> Option<JsChunks> {
        if algorithm != Algorithm::Sha256 || limit > WEBCRYPTO_MAX {
            return None;
        }
        Some(JsChunks {
            subtle: subtle()?,
            parts: Vec::new(),
            len: 0,
            limit,
        })
    }

    /// Keeps the next chunk (no copy), refusing to pass the limit.
    pub fn push(&mut self, chunk: &Uint8Array) -> Result<(), HeldError> {
        let len = self.len + u64::from(chunk.length());
        if len > self.limit {
            return Err(HeldError::TooLarge {
                expected: self.limit,
                seen: len,
            });
        }
        self.len = len;
        self.parts.push(chunk.clone());
        Ok(())
    }

    /// How many bytes are held.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The SHA-256 of everything held, by WebCrypto.
    pub async fn sha256(self) -> Result<Digest, HeldError> {
        let whole = match self.parts.as_slice() {
            [one] => one.clone(),
            parts => {
                let whole = Uint8Array::new_with_length(self.len as u32);
                let mut at = 0u32;
                for part in parts {
                    whole.set(part, at);
                    at += part.length();
                }
                whole
            }
        };
        digest(&self.subtle, &whole).await
    }
}

/// One-shot SHA-256 of `bytes` by WebCrypto, or `None` without WebCrypto.
#[cfg(test)]
pub async fn sha256(bytes: &Uint8Array) -> Option<Result<Digest, HeldError>> {
    let subtle = subtle()?;
    Some(digest(&subtle, bytes).await)
}

async fn digest(subtle: &JsValue, bytes: &Uint8Array) -> Result<Digest, HeldError> {
    let crypto_error = |e: JsValue| {
        HeldError::Crypto(
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| format!("{e:?}")),
        )
    };
    let function = Reflect::get(subtle, &JsValue::from_str("digest"))
        .map_err(crypto_error)?
        .dyn_into::<Function>()
        .map_err(crypto_error)?;
    let promise = function
        .call2(subtle, &JsValue::from_str("SHA-256"), bytes)
        .map_err(crypto_error)?
        .dyn_into::<js_sys::Promise>()
        .map_err(crypto_error)?;
    let buffer = JsFuture::from(promise).await.map_err(crypto_error)?;
    let hex: String = Uint8Array::new(&buffer)
        .to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Digest::new(Algorithm::Sha256, &hex).map_err(|e| HeldError::Crypto(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::digest::Hasher;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Deterministic bytes of any length (xorshift), so sizes around block
    /// and chunk boundaries are all covered.
    fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            out.extend_from_slice(&seed.to_le_bytes());
        }
        out.truncate(len);
        out
    }

    #[wasm_bindgen_test]
    async fn webcrypto_and_wasm_sha256_agree() {
        assert!(available(), "headless Chromium on 127.0.0.1 has WebCrypto");
        for (i, len) in [
            0usize,
            1,
            55,
            56,
            63,
            64,
            65,
            1000,
            1 << 20,
            (1 << 20) + 3,
            3 << 20,
        ]
        .into_iter()
        .enumerate()
        {
            let bytes = noise(len, 0x9e37_79b9 + i as u64);
            let wasm = Digest::sha256_of(&bytes);
            let js = sha256(&Uint8Array::from(bytes.as_slice()))
                .await
                .expect("WebCrypto is available")
                .expect("WebCrypto hashes");
            assert_eq!(js, wasm, "length {len}");
        }
    }

    #[wasm_bindgen_test]
    async fn held_chunks_hash_like_the_streaming_hasher() {
        let bytes = noise(5 * 1024 * 1024 + 17, 7);
        let mut held =
            JsChunks::for_blob(Algorithm::Sha256, bytes.len() as u64).expect("WebCrypto");
        let mut hasher = Hasher::sha256();
        for piece in bytes.chunks(700_001) {
            held.push(&Uint8Array::from(piece))
                .expect("within the limit");
            hasher.update(piece);
        }
        assert_eq!(held.len(), bytes.len() as u64);
        assert_eq!(held.sha256().await.expect("hash"), hasher.finish());
    }

    #[wasm_bindgen_test]
    fn held_refuses_more_than_announced() {
        let mut held = JsChunks::for_blob(Algorithm::Sha256, 10).expect("WebCrypto");
        held.push(&Uint8Array::from(&[0u8; 6][..]))
            .expect("6 of 10");
        let err = held
            .push(&Uint8Array::from(&[0u8; 6][..]))
            .expect_err("12 > 10");
        assert_eq!(
            err,
            HeldError::TooLarge {
                expected: 10,
                seen: 12
            }
        );
        assert_eq!(held.len(), 6, "the refused chunk is not kept");
    }

    #[wasm_bindgen_test]
    fn large_blobs_take_the_streaming_path() {
        assert!(JsChunks::for_blob(Algorithm::Sha256, WEBCRYPTO_MAX + 1).is_none());
        assert!(JsChunks::for_blob(Algorithm::Sha512, 10).is_none());
    }
}
