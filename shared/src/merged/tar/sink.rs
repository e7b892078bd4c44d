//! [`TarSink`]: a [`TarParser`] as the [`Write`] sink of a
//! [`LayerDecoder`](crate::layer::LayerDecoder), so a layer is verified,
//! decompressed and parsed in one pass (the explorer in the browser,
//! `strata diff` on the command line).

use std::io::Write;

use super::error::TarError;
use super::parser::TarParser;
use crate::layer::SINK_ERROR;
use crate::merged::LayerEntry;

/// A parser fed by the decompressor: collects entries, keeps the first error.
pub struct TarSink {
    /// The parser (ask it for a preview before streaming).
    pub parser: TarParser,
    /// Entries whose headers completed.
    pub entries: Vec<LayerEntry>,
    /// Whether entries are kept (false when only content is wanted).
    pub keep_entries: bool,
    /// The parser's error, if it failed.
    pub error: Option<TarError>,
    /// Set once the caller has what it wants (a preview): the rest of the
    /// blob is still verified, but no longer decompressed.
    pub enough: bool,
    /// Uncompressed bytes received (the tar's size, once all passed).
    pub received: u64,
}

impl TarSink {
    /// A sink around `parser`.
    pub fn new(parser: TarParser, keep_entries: bool) -> Self {
        TarSink {
            parser,
            entries: Vec::new(),
            keep_entries,
            error: None,
            enough: false,
            received: 0,
        }
    }
}

impl Write for TarSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.received += buf.len() as u64;
        if self.parser.is_done() {
            return Ok(buf.len());
        }
        if let Err(e) = self.parser.push(buf, &mut self.entries) {
            self.error = Some(e);
            return Err(std::io::Error::other(SINK_ERROR));
        }
        if !self.keep_entries {
            self.entries.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::layer::{DecodeError, LayerDecoder};
    use crate::media_type::Compression;

    #[test]
    fn entries_through_the_decoder_and_errors_kept() {
        let mut tar = super::super::writer::TarWriter::new();
        tar.file("etc/hosts", b"127.0.0.1 localhost\n");
        let bytes = tar.finish();
        let mut decoder =
            LayerDecoder::with_sink(Compression::None, TarSink::new(TarParser::new(), true));
        for chunk in bytes.chunks(100) {
            assert_eq!(decoder.update(chunk), Ok(()));
        }
        let mut sink = decoder.finish().expect("plain bytes");
        assert_eq!(sink.parser.finish(), Ok(()));
        let paths: Vec<&str> = sink.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["etc/hosts"]);

        let mut broken =
            LayerDecoder::with_sink(Compression::None, TarSink::new(TarParser::new(), true));
        let mut header = [b'x'; 512];
        header[148..156].copy_from_slice(b"garbage!");
        assert_eq!(broken.update(&header), Err(DecodeError::Sink));
        assert!(broken.sink_mut().error.is_some());
    }
}
