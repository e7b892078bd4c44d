//! Push decompression of a layer into a hasher: compressed bytes go in as
//! they arrive, the uncompressed tar is hashed as it comes out, and nothing
//! holds the whole layer.
//!
//! gzip (every member) goes through `flate2`'s pure-Rust backend; zstd
//! (every frame) through `ruzstd`'s frame decoder, which needs at least one
//! whole block (at most 128 KiB) buffered before it makes progress, so its
//! input buffer stays under one block plus one chunk.

use std::io::Write as _;

use shared::digest::Hasher;
use shared::media_type::Compression;

/// Why a layer's bytes do not decompress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The gzip stream is corrupt or ends early.
    Gzip(String),
    /// The zstd stream is corrupt or ends early.
    Zstd(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Gzip(e) => write!(f, "the layer is not valid gzip: {e}"),
            Self::Zstd(e) => write!(f, "the layer is not valid zstd: {e}"),
        }
    }
}

/// Decompresses a layer as it streams and hashes what comes out.
pub struct LayerDecoder {
    inner: Inner,
}

enum Inner {
    Plain(Hasher),
    Gzip(Box<flate2::write::MultiGzDecoder<Hasher>>),
    Zstd(Box<Zstd>),
}

impl LayerDecoder {
    /// A decoder for `compression`, hashing the output with SHA-256.
    pub fn new(compression: Compression) -> LayerDecoder {
        let inner = match compression {
            Compression::None => Inner::Plain(Hasher::sha256()),
            Compression::Gzip => Inner::Gzip(Box::new(flate2::write::MultiGzDecoder::new(
                Hasher::sha256(),
            ))),
            Compression::Zstd => Inner::Zstd(Box::new(Zstd::new())),
        };
        LayerDecoder { inner }
    }

    /// Feeds the next compressed chunk.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        match &mut self.inner {
            Inner::Plain(h) => {
                h.update(bytes);
                Ok(())
            }
            Inner::Gzip(d) => d
                .write_all(bytes)
                .map_err(|e| DecodeError::Gzip(e.to_string())),
            Inner::Zstd(z) => z.update(bytes, false),
        }
    }

    /// Ends the stream: the hasher of the whole uncompressed content.
    pub fn finish(self) -> Result<Hasher, DecodeError> {
        match self.inner {
            Inner::Plain(h) => Ok(h),
            Inner::Gzip(d) => d.finish().map_err(|e| DecodeError::Gzip(e.to_string())),
            Inner::Zstd(mut z) => {
                z.update(&[], true)?;
                z.finish()
            }
        }
    }
}

/// Max zstd frame header: magic, descriptor, window, dictionary ID, content size.
const MAX_FRAME_HEADER: usize = 18;

struct Zstd {
    decoder: ruzstd::decoding::FrameDecoder,
    /// Compressed bytes not consumed yet (less than one block, plus the last chunk).
    pending: Vec<u8>,
    in_frame: bool,
    out: Vec<u8>,
    hasher: Hasher,
}

impl Zstd {
    fn new() -> Zstd {
        Zstd {
            decoder: ruzstd::decoding::FrameDecoder::new(),
            pending: Vec::new(),
            in_frame: false,
            out: vec![0; 256 << 10],
            hasher: Hasher::sha256(),
        }
    }

    fn update(&mut self, bytes: &[u8], last: bool) -> Result<(), DecodeError> {
        let err = |e: &dyn std::fmt::Display| DecodeError::Zstd(e.to_string());
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            if !self.in_frame {
                let rest = &self.pending[at..];
                if rest.is_empty() || (!last && rest.len() < MAX_FRAME_HEADER) {
                    break;
                }
                let mut source = rest;
                self.decoder.reset(&mut source).map_err(|e| err(&e))?;
                at += rest.len() - source.len();
                self.in_frame = true;
            }
            let rest = self.pending.len() - at;
            let (read, written) = self
                .decoder
                .decode_from_to(&self.pending[at..], &mut self.out)
                .map_err(|e| err(&e))?;
            // ruzstd may claim a frame's 4 checksum bytes before they are all here.
            if read > rest {
                if last {
                    return Err(DecodeError::Zstd("the stream ends inside a frame's checksum".into()));
                }
                break;
            }
            at += read;
            self.hasher.update(&self.out[..written]);
            if self.decoder.is_finished() {
                // Drain what the frame left in its window, then look for the next frame.
                loop {
                    let n = std::io::Read::read(&mut self.decoder, &mut self.out)
                        .map_err(|e| err(&e))?;
                    if n == 0 {
                        break;
                    }
                    self.hasher.update(&self.out[..n]);
                }
                self.in_frame = false;
                continue;
            }
            if read == 0 && written == 0 {
                break;
            }
        }
        self.pending.drain(..at);
        Ok(())
    }

    fn finish(self) -> Result<Hasher, DecodeError> {
        if self.in_frame || !self.pending.is_empty() {
            return Err(DecodeError::Zstd(format!(
                "the stream ends inside a frame ({} bytes left undecoded)",
                self.pending.len()
            )));
        }
        Ok(self.hasher)
    }
}
