//! [`ManifestBytes`]: a manifest or index as `/v2` serves it.

use bytes::Bytes;
use shared::digest::Digest;
use shared::media_type::MediaType;

/// A manifest or index, as served: its bytes (verified against `digest`)
/// and its media type.
#[derive(Clone, Debug)]
pub struct ManifestBytes {
    /// The exact bytes.
    pub bytes: Bytes,
    /// Its media type (the `Content-Type` to send).
    pub media_type: MediaType,
    /// Its digest.
    pub digest: Digest,
}
