//! Push decompression of a layer into any [`Write`] sink: compressed bytes
//! go in as they arrive, the uncompressed tar comes out in pieces of at most
//! 256 KiB (zstd; gzip hands on what `flate2` makes), and nothing holds the
//! whole layer. Verification hashes the output ([`LayerDecoder::new`]); the
//! layer explorer parses it ([`LayerDecoder::with_sink`]).
//!
//! gzip (every member) goes through `flate2`'s pure-Rust backend; zstd
//! (every frame) through `ruzstd`'s frame decoder, which needs at least one
//! whole block (at most 128 KiB) buffered before it makes progress, so its
//! input buffer stays under one block plus one chunk.

use std::io::Write;

use super::inflate::{Checkpoint, Inflater};
use crate::digest::Hasher;
use crate::media_type::Compression;

/// Largest piece the zstd path hands to the sink at once.
const OUT: usize = 256 << 10;

/// Why a layer's bytes do not decompress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The gzip stream is corrupt or ends early.
    Gzip(String),
    /// The zstd stream is corrupt or ends early.
    Zstd(String),
    /// The sink refused the bytes (it keeps its own reason).
    Sink,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Gzip(e) => write!(f, "the layer is not valid gzip: {e}"),
            Self::Zstd(e) => write!(f, "the layer is not valid zstd: {e}"),
            Self::Sink => f.write_str("the decompressed bytes were refused"),
        }
    }
}

/// Decompresses a layer as it streams into `W` (by default a SHA-256
/// hasher).
pub struct LayerDecoder<W: Write = Hasher> {
    inner: Inner<W>,
}

enum Inner<W: Write> {
    Plain(W),
    Gzip(Box<flate2::write::MultiGzDecoder<W>>),
    /// gzip through strata's own inflater, recording checkpoints.
    Checkpointed(Box<Inflater<W>>),
    Zstd(Box<Zstd<W>>),
}

impl LayerDecoder {
    /// A decoder for `compression`, hashing the output with SHA-256.
    pub fn new(compression: Compression) -> LayerDecoder {
        LayerDecoder::with_sink(compression, Hasher::sha256())
    }
}

/// The message a sink's own error carries, told apart from gzip's (a sink
/// returns `std::io::Error::other(SINK_ERROR)`).
pub const SINK_ERROR: &str = "strata: the sink refused the bytes";

fn gzip_error(e: &std::io::Error) -> DecodeError {
    if e.kind() == std::io::ErrorKind::Other && e.to_string() == SINK_ERROR {
        DecodeError::Sink
    } else {
        DecodeError::Gzip(e.to_string())
    }
}

impl<W: Write> LayerDecoder<W> {
    /// A decoder for `compression` writing the output into `sink`.
    pub fn with_sink(compression: Compression, sink: W) -> Self {
        let inner = match compression {
            Compression::None => Inner::Plain(sink),
            Compression::Gzip => Inner::Gzip(Box::new(flate2::write::MultiGzDecoder::new(sink))),
            Compression::Zstd => Inner::Zstd(Box::new(Zstd::new(sink))),
        };
        LayerDecoder { inner }
    }

    /// A decoder for `compression` writing into `sink` that, for gzip, also
    /// records a [`Checkpoint`] every `span` bytes of output (for a
    /// [`crate::layer::index::LayerIndex`]); see
    /// [`LayerDecoder::finish_with_checkpoints`].
    pub fn checkpointed(compression: Compression, sink: W, span: u64) -> Self {
        match compression {
            Compression::Gzip => LayerDecoder {
                inner: Inner::Checkpointed(Box::new(Inflater::new(sink, Some(span)))),
            },
            other => LayerDecoder::with_sink(other, sink),
        }
    }

    /// The sink, to look at what it holds so far.
    pub fn sink_mut(&mut self) -> &mut W {
        match &mut self.inner {
            Inner::Plain(w) => w,
            Inner::Gzip(d) => d.get_mut(),
            Inner::Checkpointed(i) => i.sink_mut(),
            Inner::Zstd(z) => &mut z.sink,
        }
    }

    /// Feeds the next compressed chunk.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        match &mut self.inner {
            Inner::Plain(w) => w.write_all(bytes).map_err(|_| DecodeError::Sink),
            Inner::Gzip(d) => d.write_all(bytes).map_err(|e| gzip_error(&e)),
            Inner::Checkpointed(i) => i.update(bytes),
            Inner::Zstd(z) => z.update(bytes, false),
        }
    }

    /// Ends the stream: the sink, which has seen the whole uncompressed
    /// content.
    pub fn finish(self) -> Result<W, DecodeError> {
        self.finish_with_checkpoints().map(|(sink, _)| sink)
    }

    /// Ends the stream: the sink, and the checkpoints recorded (none unless
    /// made by [`LayerDecoder::checkpointed`] for gzip).
    pub fn finish_with_checkpoints(self) -> Result<(W, Vec<Checkpoint>), DecodeError> {
        match self.inner {
            Inner::Plain(w) => Ok((w, Vec::new())),
            Inner::Gzip(d) => d
                .finish()
                .map(|w| (w, Vec::new()))
                .map_err(|e| gzip_error(&e)),
            Inner::Checkpointed(i) => i.finish(),
            Inner::Zstd(mut z) => {
                z.update(&[], true)?;
                z.finish().map(|w| (w, Vec::new()))
            }
        }
    }
}

/// Max zstd frame header: magic, descriptor, window, dictionary ID, content size.
const MAX_FRAME_HEADER: usize = 18;

struct Zstd<W: Write> {
    decoder: ruzstd::decoding::FrameDecoder,
    /// Compressed bytes not consumed yet (less than one block, plus the last chunk).
    pending: Vec<u8>,
    in_frame: bool,
    out: Vec<u8>,
    sink: W,
}

impl<W: Write> Zstd<W> {
    fn new(sink: W) -> Self {
        Zstd {
            decoder: ruzstd::decoding::FrameDecoder::new(),
            pending: Vec::new(),
            in_frame: false,
            out: vec![0; OUT],
            sink,
        }
    }

    fn emit(&mut self, n: usize) -> Result<(), DecodeError> {
        self.sink
            .write_all(&self.out[..n])
            .map_err(|_| DecodeError::Sink)
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
                    return Err(DecodeError::Zstd(
                        "the stream ends inside a frame's checksum".into(),
                    ));
                }
                break;
            }
            at += read;
            self.emit(written)?;
            if self.decoder.is_finished() {
                // Drain what the frame left in its window, then look for the next frame.
                loop {
                    let n = std::io::Read::read(&mut self.decoder, &mut self.out)
                        .map_err(|e| err(&e))?;
                    if n == 0 {
                        break;
                    }
                    self.emit(n)?;
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

    fn finish(self) -> Result<W, DecodeError> {
        if self.in_frame || !self.pending.is_empty() {
            return Err(DecodeError::Zstd(format!(
                "the stream ends inside a frame ({} bytes left undecoded)",
                self.pending.len()
            )));
        }
        Ok(self.sink)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{DecodeError, LayerDecoder};
    use crate::digest::Digest;
    use crate::media_type::Compression;

    /// What `testdata/two-frames.zst` decompresses to (made with the zstd
    /// CLI: `-3 --check` of the first 300,000 bytes, then `-19 --no-check`
    /// of the rest, concatenated).
    fn plain() -> Vec<u8> {
        (0..20000)
            .flat_map(|i| format!("line {i} of strata test data\n").into_bytes())
            .collect()
    }

    const TWO_FRAMES: &[u8] = include_bytes!("testdata/two-frames.zst");

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn decode(compression: Compression, input: &[u8], split: usize) -> Result<Digest, DecodeError> {
        let mut decoder = LayerDecoder::new(compression);
        for part in input.chunks(split.max(1)) {
            decoder.update(part)?;
        }
        decoder.finish().map(|h| h.finish())
    }

    #[test]
    fn decoders_hash_the_uncompressed_bytes_whatever_the_chunking() {
        let plain = plain();
        let want = Digest::sha256_of(&plain);
        let mut two_members = gzip(&plain[..1000]);
        two_members.extend(gzip(&plain[1000..]));
        let cases: [(&str, Compression, Vec<u8>); 4] = [
            ("plain", Compression::None, plain.clone()),
            ("gzip", Compression::Gzip, gzip(&plain)),
            ("gzip, two members", Compression::Gzip, two_members),
            ("zstd, two frames", Compression::Zstd, TWO_FRAMES.to_vec()),
        ];
        for (name, compression, input) in &cases {
            for split in [1, 7, 4096, 131_075, 1 << 20, 3 << 20] {
                assert_eq!(
                    decode(*compression, input, split),
                    Ok(want.clone()),
                    "{name} split {split}"
                );
            }
        }
    }

    #[test]
    fn decoders_write_the_uncompressed_bytes_into_any_sink() {
        let plain = plain();
        let cases: [(&str, Compression, Vec<u8>); 3] = [
            ("plain", Compression::None, plain.clone()),
            ("gzip", Compression::Gzip, gzip(&plain)),
            ("zstd, two frames", Compression::Zstd, TWO_FRAMES.to_vec()),
        ];
        for (name, compression, input) in &cases {
            for split in [1, 4096, 1 << 20] {
                let mut decoder = LayerDecoder::with_sink(*compression, Vec::new());
                for part in input.chunks(split) {
                    decoder.update(part).expect(name);
                }
                assert!(decoder.sink_mut().len() <= plain.len(), "{name}");
                let out = decoder.finish().expect(name);
                assert!(out == plain, "{name} split {split}");
            }
        }
    }

    /// A sink that takes `room` bytes, then refuses.
    struct Full {
        room: usize,
    }

    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other(super::SINK_ERROR));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_sink_refusal_is_told_apart_from_corrupt_input() {
        let plain = plain();
        let cases: [(&str, Compression, Vec<u8>); 3] = [
            ("plain", Compression::None, plain.clone()),
            ("gzip", Compression::Gzip, gzip(&plain)),
            ("zstd", Compression::Zstd, TWO_FRAMES.to_vec()),
        ];
        for (name, compression, input) in cases {
            let mut decoder = LayerDecoder::with_sink(compression, Full { room: 1000 });
            let fed = input
                .chunks(4096)
                .try_for_each(|part| decoder.update(part))
                .and_then(|()| decoder.finish().map(|_| ()));
            assert_eq!(fed, Err(DecodeError::Sink), "{name}");
        }
    }

    #[test]
    fn truncated_or_corrupt_streams_fail() {
        let plain = plain();
        let gz = gzip(&plain);
        let mut flipped = gz.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 1;
        let cases: [(&str, Compression, &[u8]); 4] = [
            ("gzip cut", Compression::Gzip, &gz[..gz.len() - 3]),
            ("gzip flipped", Compression::Gzip, &flipped),
            (
                "zstd cut",
                Compression::Zstd,
                &TWO_FRAMES[..TWO_FRAMES.len() - 10],
            ),
            (
                "zstd garbage",
                Compression::Zstd,
                b"not zstd at all, not at all",
            ),
        ];
        for (name, compression, input) in cases {
            let got = decode(compression, input, 4096);
            assert!(got != Ok(Digest::sha256_of(&plain)), "{name}: {got:?}");
        }
    }
}
