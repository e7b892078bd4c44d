//! [`LayerListing`]: one layer blob's entries and its files' content
//! digests, read in one pass that verifies the compressed bytes against the
//! descriptor's digest and size, decompresses them, parses the tar and
//! hashes each regular file's content. Nothing it lists counts until
//! [`LayerListing::finish`] says every byte verified.
//!
//! A blob that fails to decompress or parse is read to its end all the
//! same, so a tampered blob is reported as a digest mismatch (the cause)
//! rather than as corrupt gzip (a symptom).

use crate::digest::{Digest, Verified, VerifyError};
use crate::layer::{DecodeError, LayerDecoder};
use crate::manifest::Descriptor;

use super::entry::LayerEntry;
use super::tar::{TarError, TarParser, TarSink};

/// Why a layer blob could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    /// The bytes are not the ones the descriptor names: none are used.
    #[error("the layer's bytes do not verify, so none are used: {0}")]
    Mismatch(VerifyError),
    /// The verified bytes do not decompress.
    #[error("{0}")]
    Corrupt(String),
    /// The verified tar stream is not readable.
    #[error("{0}")]
    Tar(TarError),
}

/// What a layer blob holds: its entries in archive order, and each
/// regular file's content digest (by entry offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The entries, whiteouts included.
    pub entries: Vec<LayerEntry>,
    /// Each regular file's entry offset and content SHA-256.
    pub digests: Vec<(u64, Digest)>,
}

/// One layer blob being listed, chunk by chunk.
pub struct LayerListing {
    verified: Verified<()>,
    decoder: LayerDecoder<TarSink>,
    failed: Option<ListingError>,
}

impl LayerListing {
    /// Starts listing the blob `descriptor` names.
    pub fn new(descriptor: &Descriptor) -> LayerListing {
        LayerListing {
            verified: Verified::new((), descriptor.digest.clone(), Some(descriptor.size)),
            decoder: LayerDecoder::with_sink(
                descriptor.media_type.compression(),
                TarSink::new(TarParser::new().with_content_digests(), true),
            ),
            failed: None,
        }
    }

    /// Compressed bytes verified so far.
    pub fn bytes_seen(&self) -> u64 {
        self.verified.bytes_seen()
    }

    /// The next compressed chunk. Fails at once only when more bytes than
    /// the descriptor's size arrived (stop reading then).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ListingError> {
        self.verified.pass(chunk).map_err(ListingError::Mismatch)?;
        if self.failed.is_none()
            && let Err(e) = self.decoder.update(chunk)
        {
            self.failed = Some(self.decode_error(e));
        }
        Ok(())
    }

    /// The blob ended: its entries and content digests, once every byte
    /// verified and the tar ended cleanly.
    pub fn finish(mut self) -> Result<Listed, ListingError> {
        self.verified.end().map_err(ListingError::Mismatch)?;
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut sink = self
            .decoder
            .finish()
            .map_err(|e| ListingError::Corrupt(e.to_string()))?;
        sink.parser.finish().map_err(ListingError::Tar)?;
        Ok(Listed {
            digests: sink.parser.take_content_digests(),
            entries: sink.entries,
        })
    }

    fn decode_error(&mut self, e: DecodeError) -> ListingError {
        match e {
            DecodeError::Sink => match self.decoder.sink_mut().error.clone() {
                Some(tar) => ListingError::Tar(tar),
                None => ListingError::Corrupt(e.to_string()),
            },
            corrupt => ListingError::Corrupt(corrupt.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::media_type::MediaType;
    use crate::merged::tar::writer::TarWriter;

    fn listed(blob: &[u8], descriptor: &Descriptor) -> Result<Vec<String>, ListingError> {
        let mut listing = LayerListing::new(descriptor);
        for chunk in blob.chunks(300) {
            listing.feed(chunk)?;
        }
        let listed = listing.finish()?;
        let hosts = listed
            .entries
            .iter()
            .find(|e| e.path.as_str() == "etc/hosts");
        let expected = hosts.map(|e| (e.offset, Digest::sha256_of(b"127.0.0.1 localhost\n")));
        assert_eq!(listed.digests, Vec::from_iter(expected));
        Ok(listed
            .entries
            .into_iter()
            .map(|e| e.path.as_str().to_owned())
            .collect())
    }

    #[test]
    fn lists_only_verified_bytes() {
        let tar = TarWriter::new()
            .dir("etc")
            .file("etc/hosts", b"127.0.0.1 localhost\n")
            .finish();
        let good = Descriptor::new(
            MediaType::OciLayer,
            Digest::sha256_of(&tar),
            tar.len() as u64,
        );
        assert_eq!(
            listed(&tar, &good),
            Ok(vec!["etc".to_owned(), "etc/hosts".to_owned()])
        );

        let mut tampered = tar.clone();
        tampered[600] ^= 1;
        assert!(matches!(
            listed(&tampered, &good),
            Err(ListingError::Mismatch(_))
        ));
        assert!(matches!(
            listed(&tar[..512], &good),
            Err(ListingError::Mismatch(_))
        ));

        let garbage = vec![b'x'; 1024];
        let named = Descriptor::new(MediaType::OciLayerGzip, Digest::sha256_of(&garbage), 1024);
        assert!(matches!(
            listed(&garbage, &named),
            Err(ListingError::Corrupt(_))
        ));
    }
}
