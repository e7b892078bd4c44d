//! What a layer unpacks to: its diff_id (the SHA-256 of the uncompressed
//! tar) and the tar's size, which is the size Docker and podman show for
//! the layer (`docker history`, and summed, `docker images`' SIZE).

use serde::{Deserialize, Serialize};

use super::{DecodeError, LayerDecoder};
use crate::digest::{Digest, Hasher};

/// A layer's uncompressed digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpacked {
    /// The SHA-256 of the uncompressed tar (the config's
    /// `rootfs.diff_ids` entry for the layer).
    pub diff_id: Digest,
    /// The uncompressed tar's size in bytes.
    pub size: u64,
}

impl LayerDecoder<Hasher> {
    /// Ends the stream: the layer's diff_id and uncompressed size.
    pub fn finish_unpacked(self) -> Result<Unpacked, DecodeError> {
        let hasher = self.finish()?;
        let size = hasher.bytes_seen();
        Ok(Unpacked {
            diff_id: hasher.finish(),
            size,
        })
    }
}

/// A layer whose uncompressed tar is not the one the image config names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "layer {layer} unpacks to {actual}, but the image config's rootfs.diff_ids says {expected}: the layer or the config was altered; do not use this image, and tell its publisher"
)]
pub struct DiffIdMismatch {
    /// The layer blob's digest.
    pub layer: Digest,
    /// The diff_id the config names for it.
    pub expected: Digest,
    /// The digest of what it unpacked to.
    pub actual: Digest,
}

impl Unpacked {
    /// Checks this, the unpacking of layer `layer`, against the config's
    /// `expected` diff_id.
    pub fn check(&self, layer: &Digest, expected: &Digest) -> Result<(), DiffIdMismatch> {
        if &self.diff_id == expected {
            Ok(())
        } else {
            Err(DiffIdMismatch {
                layer: layer.clone(),
                expected: expected.clone(),
                actual: self.diff_id.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;
    use crate::media_type::Compression;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_gzip_layer_unpacks_to_its_tar_digest_and_size() {
        let tar: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mut decoder = LayerDecoder::new(Compression::Gzip);
        for part in gz.chunks(1000) {
            decoder.update(part).expect("decode");
        }
        let unpacked = decoder.finish_unpacked().expect("finish");
        assert_eq!(unpacked.size, 40_000);
        assert_eq!(unpacked.diff_id, Digest::sha256_of(&tar));
        let layer = Digest::sha256_of(&gz);
        assert_eq!(unpacked.check(&layer, &Digest::sha256_of(&tar)), Ok(()));
        let wrong = Digest::sha256_of(b"another tar");
        let err = unpacked.check(&layer, &wrong).expect_err("mismatch");
        let message = err.to_string();
        assert!(message.contains(&layer.to_string()), "{message}");
        assert!(message.contains(&wrong.to_string()), "{message}");
        assert!(message.contains(&unpacked.diff_id.to_string()), "{message}");
    }
}
