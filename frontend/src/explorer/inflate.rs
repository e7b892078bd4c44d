//! Push decompression of a layer into any [`Write`] sink: compressed bytes
//! go in as they arrive and the uncompressed tar comes out in pieces of at
//! most [`OUT`] bytes, straight into the sink (the explorer's tar parser),
//! so nothing holds the whole layer.
//!
//! The same formats as [`crate::verify::LayerDecoder`], which can only
//! hash its output: gzip (every member) through `flate2`, zstd (every
//! frame) through `ruzstd`, uncompressed as is.

use std::io::Write;

use shared::media_type::Compression;

/// Largest piece handed to the sink at once by the zstd path.
const OUT: usize = 256 << 10;

/// Max zstd frame header: magic, descriptor, window, dictionary ID, content size.
const MAX_FRAME_HEADER: usize = 18;

/// Why the bytes did not decompress, or the sink refused them.
#[derive(Debug)]
pub enum InflateError {
    /// The compressed stream is corrupt or ends early.
    Corrupt(String),
    /// The sink returned an error (it keeps its own reason).
    Sink,
}

/// Decompresses a layer into `W` as it streams.
pub struct Inflater<W: Write> {
    inner: Inner<W>,
}

enum Inner<W: Write> {
    Plain(W),
    Gzip(Box<flate2::write::MultiGzDecoder<W>>),
    Zstd(Box<Zstd<W>>),
}

impl<W: Write> Inflater<W> {
    /// A decoder for `compression` writing into `sink`.
    pub fn new(compression: Compression, sink: W) -> Self {
        let inner = match compression {
            Compression::None => Inner::Plain(sink),
            Compression::Gzip => Inner::Gzip(Box::new(flate2::write::MultiGzDecoder::new(sink))),
            Compression::Zstd => Inner::Zstd(Box::new(Zstd::new(sink))),
        };
        Inflater { inner }
    }

    /// The sink, to look at what it holds so far.
    pub fn sink_mut(&mut self) -> &mut W {
        match &mut self.inner {
            Inner::Plain(w) => w,
            Inner::Gzip(d) => d.get_mut(),
            Inner::Zstd(z) => &mut z.sink,
        }
    }

    /// Feeds the next compressed bytes.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), InflateError> {
        match &mut self.inner {
            Inner::Plain(w) => w.write_all(bytes).map_err(|_| InflateError::Sink),
            Inner::Gzip(d) => d.write_all(bytes).map_err(gzip_error),
            Inner::Zstd(z) => z.update(bytes, false),
        }
    }

    /// Ends the stream and gives the sink back.
    pub fn finish(self) -> Result<W, InflateError> {
        match self.inner {
            Inner::Plain(w) => Ok(w),
            Inner::Gzip(d) => d.finish().map_err(gzip_error),
            Inner::Zstd(mut z) => {
                z.update(&[], true)?;
                z.finish()
            }
        }
    }
}

fn gzip_error(e: std::io::Error) -> InflateError {
    if e.kind() == std::io::ErrorKind::Other && e.to_string() == SINK_ERROR {
        InflateError::Sink
    } else {
        InflateError::Corrupt(format!("the layer is not valid gzip: {e}"))
    }
}

/// The message a sink's own error carries, told apart from gzip's.
pub const SINK_ERROR: &str = "strata: the sink refused the bytes";

struct Zstd<W: Write> {
    decoder: ruzstd::decoding::FrameDecoder,
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

    fn emit(&mut self, n: usize) -> Result<(), InflateError> {
        self.sink
            .write_all(&self.out[..n])
            .map_err(|_| InflateError::Sink)
    }

    fn update(&mut self, bytes: &[u8], last: bool) -> Result<(), InflateError> {
        let err = |e: &dyn std::fmt::Display| {
            InflateError::Corrupt(format!("the layer is not valid zstd: {e}"))
        };
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
                    return Err(err(&"the stream ends inside a frame's checksum"));
                }
                break;
            }
            at += read;
            self.emit(written)?;
            if self.decoder.is_finished() {
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

    fn finish(self) -> Result<W, InflateError> {
        if self.in_frame || !self.pending.is_empty() {
            return Err(InflateError::Corrupt(format!(
                "the layer is not valid zstd: the stream ends inside a frame ({} bytes left undecoded)",
                self.pending.len()
            )));
        }
        Ok(self.sink)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use shared::media_type::Compression;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{InflateError, Inflater};

    fn plain() -> Vec<u8> {
        (0..20000)
            .flat_map(|i| format!("line {i} of strata test data\n").into_bytes())
            .collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    #[test]
    fn inflates_into_the_sink_whatever_the_chunking() {
        let plain = plain();
        let zstd: &[u8] = include_bytes!("../verify/testdata/two-frames.zst");
        let cases: [(&str, Compression, Vec<u8>); 3] = [
            ("plain", Compression::None, plain.clone()),
            ("gzip", Compression::Gzip, gzip(&plain)),
            ("zstd", Compression::Zstd, zstd.to_vec()),
        ];
        for (name, compression, input) in &cases {
            for split in [1, 4096, 1 << 20] {
                let mut inflater = Inflater::new(*compression, Vec::new());
                for part in input.chunks(split) {
                    inflater.update(part).expect(name);
                }
                let out = inflater.finish().expect(name);
                assert!(out == plain, "{name} split {split}");
            }
        }
    }

    #[test]
    fn corrupt_streams_fail() {
        let gz = gzip(&plain());
        let mut inflater = Inflater::new(Compression::Gzip, Vec::new());
        let fed = inflater.update(&gz[..gz.len() / 2]);
        let ended = fed.and_then(|()| inflater.finish().map(|_| ()));
        assert!(matches!(ended, Err(InflateError::Corrupt(_))), "{ended:?}");
    }
}
