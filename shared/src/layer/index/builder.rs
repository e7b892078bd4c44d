//! [`IndexBuilder`]: a [`LayerIndex`] made while a layer's compressed bytes
//! stream past, for code that has the blob and nothing else to do with it
//! (tests, tools). The server's background pass and the browser build the
//! same index inside passes they make anyway, from a
//! [`LayerDecoder::checkpointed`] decoder's checkpoints and their parser's
//! entries ([`LayerIndex::assemble`]); the server's pass also bounds the
//! index by [`super::MAX_INDEX_BYTES`], which this builder does not.

use super::{LayerIndex, SPAN};
use crate::digest::Digest;
use crate::layer::decode::{DecodeError, LayerDecoder};
use crate::layer::inflate::Checkpoint;
use crate::media_type::Compression;
use crate::merged::{LayerEntry, TarError, TarParser, TarSink};

/// Why no index could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// zstd layers are not indexed yet.
    #[error("zstd layers are not indexed yet")]
    Unsupported,
    /// The blob does not decompress.
    #[error("{0}")]
    Decode(DecodeError),
    /// The tar inside is not readable.
    #[error("{0}")]
    Tar(TarError),
}

/// Builds an index from the blob's bytes, in order.
pub struct IndexBuilder {
    decoder: LayerDecoder<TarSink>,
    digest: Digest,
    compression: Compression,
    compressed: u64,
}

impl IndexBuilder {
    /// A builder for the blob `digest`, compressed as `compression`.
    pub fn new(digest: Digest, compression: Compression) -> Result<IndexBuilder, BuildError> {
        if compression == Compression::Zstd {
            return Err(BuildError::Unsupported);
        }
        let sink = TarSink::new(TarParser::new(), true);
        Ok(IndexBuilder {
            decoder: LayerDecoder::checkpointed(compression, sink, SPAN),
            digest,
            compression,
            compressed: 0,
        })
    }

    fn error(&mut self, e: DecodeError) -> BuildError {
        match (e, self.decoder.sink_mut().error.take()) {
            (DecodeError::Sink, Some(tar)) => BuildError::Tar(tar),
            (e, _) => BuildError::Decode(e),
        }
    }

    /// Feeds the blob's next bytes.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), BuildError> {
        self.compressed += bytes.len() as u64;
        self.decoder.update(bytes).map_err(|e| self.error(e))
    }

    /// The index, once every byte went in. The caller has checked the
    /// blob's digest.
    pub fn finish(mut self) -> Result<LayerIndex, BuildError> {
        let tar_error = self.decoder.sink_mut().error.take();
        let (mut sink, checkpoints) =
            self.decoder
                .finish_with_checkpoints()
                .map_err(|e| match (e, tar_error) {
                    (DecodeError::Sink, Some(tar)) => BuildError::Tar(tar),
                    (e, _) => BuildError::Decode(e),
                })?;
        sink.parser.finish().map_err(BuildError::Tar)?;
        Ok(LayerIndex::assemble(
            self.digest,
            self.compression,
            (self.compressed, sink.received),
            checkpoints,
            sink.entries,
        ))
    }
}

impl LayerIndex {
    /// The index of a layer decoded in full: `sizes` are the blob's and the
    /// tar's, `checkpoints` the decoder's (see
    /// [`LayerDecoder::checkpointed`]), `entries` every tar entry.
    pub fn assemble(
        digest: Digest,
        compression: Compression,
        sizes: (u64, u64),
        checkpoints: Vec<Checkpoint>,
        entries: Vec<LayerEntry>,
    ) -> LayerIndex {
        LayerIndex {
            digest,
            compression,
            compressed_size: sizes.0,
            uncompressed_size: sizes.1,
            checkpoints,
            entries,
        }
    }
}
