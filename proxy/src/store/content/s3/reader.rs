//! [`StreamReader`]: an object's body (a GET's byte stream) as a blocking
//! [`Read`], one network chunk held at a time, so a blob streams from S3
//! to its reader in bounded memory.

use std::io::{self, Read};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::bridge::Bridge;

/// Reads a GET's body, blocking on the store's runtime for each chunk.
pub(crate) struct StreamReader {
    bridge: Bridge,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
    /// Bytes still to come; a body that ends early is an error, not a
    /// short blob.
    remaining: u64,
}

impl StreamReader {
    pub(crate) fn new(
        bridge: Bridge,
        stream: BoxStream<'static, object_store::Result<Bytes>>,
        len: u64,
    ) -> StreamReader {
        StreamReader {
            bridge,
            stream,
            chunk: Bytes::new(),
            remaining: len,
        }
    }
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.remaining == 0 {
            return Ok(0);
        }
        while self.chunk.is_empty() {
            match self.bridge.block_on(self.stream.next()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the object store ended the body {} bytes early",
                            self.remaining
                        ),
                    ));
                }
            }
        }
        let n = buf
            .len()
            .min(self.chunk.len())
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        self.remaining -= n as u64;
        Ok(n)
    }
}
