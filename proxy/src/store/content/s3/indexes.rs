//! Layer indexes in the bucket, beside the blobs:
//! `[PREFIX/]indexes/<algorithm>/<hex>`, one object per layer blob,
//! written by one `PUT` (atomic: a reader sees the whole index or none).
//! The index is derived from verified bytes, so a second writer of the
//! same layer writes the same index; the last `PUT` wins.

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{ObjectStore, PutPayload};
use shared::digest::Digest;

use super::S3Content;
use super::reader::StreamReader;
use crate::store::StoreError;
use crate::store::content::{BlobReader, LayerIndexes};

impl S3Content {
    fn index_key(&self, layer: &Digest) -> Key {
        self.bucket.key(&format!(
            "indexes/{}/{}",
            layer.algorithm(),
            layer.encoded()
        ))
    }
}

impl LayerIndexes for S3Content {
    /// The index of `layer`, streaming; `None` if none is stored.
    fn index(&self, layer: &Digest) -> Result<Option<BlobReader>, StoreError> {
        Ok(self.get(&self.index_key(layer))?.map(|body| {
            let size = body.meta.size;
            let stream = body.into_stream();
            BlobReader {
                reader: Box::new(StreamReader::new(self.bucket.bridge.clone(), stream, size)),
                size,
            }
        }))
    }

    /// Whether an index of `layer` is stored (a `HEAD`).
    fn has_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        let key = self.index_key(layer);
        match self.bucket.bridge.block_on(self.bucket.client.head(&key)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.bucket.error("reading", &key)(e)),
        }
    }

    /// Stores `bytes` as the index of `layer`, replacing any.
    fn put_index(&self, layer: &Digest, bytes: Vec<u8>) -> Result<(), StoreError> {
        let key = self.index_key(layer);
        let payload = PutPayload::from(Bytes::from(bytes));
        self.bucket
            .bridge
            .block_on(self.bucket.client.put(&key, payload))
            .map(drop)
            .map_err(self.bucket.error("writing", &key))
    }

    /// Deletes the index of `layer`; `Ok(false)` if there was none.
    fn delete_index(&self, layer: &Digest) -> Result<bool, StoreError> {
        if !self.has_index(layer)? {
            return Ok(false);
        }
        let key = self.index_key(layer);
        match self.bucket.bridge.block_on(self.bucket.client.delete(&key)) {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.bucket.error("deleting", &key)(e)),
        }
    }
}
