//! A [`LayerIndex`] as bytes: gzip of a first line naming the format, a
//! JSON line (sizes, checkpoint positions, entries as compact arrays), then
//! the checkpoint windows back to back. Decoding treats the bytes as
//! hostile: sizes are bounded, positions must increase and fall inside
//! the layer, and any fault is an [`IndexError`] that says which.

use std::io::{Read as _, Write as _};

use serde::{Deserialize, Serialize};

use super::LayerIndex;
use crate::digest::Digest;
use crate::layer::inflate::{Checkpoint, WINDOW};
use crate::media_type::Compression;
use crate::merged::{EntryKind, EntryPath, LayerEntry};

const MAGIC: &[u8] = b"strata-layer-index/1\n";

/// The most an index may take once decompressed (a 10 GB layer's is about
/// 80 MiB of windows plus its entries).
pub const MAX_INDEX_BYTES: u64 = 256 << 20;

/// Why bytes are not a usable index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// Not gzip, not this format, or cut short.
    #[error("not a strata layer index: {0}")]
    Format(String),
    /// Larger than [`MAX_INDEX_BYTES`] decompressed.
    #[error("the index is larger than {} MiB decompressed", MAX_INDEX_BYTES >> 20)]
    TooLarge,
    /// Well formed, but its positions cannot describe a layer.
    #[error("the index is inconsistent: {0}")]
    Inconsistent(String),
}

#[derive(Serialize, Deserialize)]
struct Header {
    digest: Digest,
    compression: String,
    compressed_size: u64,
    uncompressed_size: u64,
    /// `[in_bits, out, window length]`.
    checkpoints: Vec<(u64, u64, u32)>,
    entries: Vec<Record>,
}

/// `[path, type, mode, uid, gid, size, mtime, offset, extra]`.
#[derive(Serialize, Deserialize)]
struct Record(
    String,
    char,
    u32,
    u64,
    u64,
    u64,
    i64,
    u64,
    #[serde(default, skip_serializing_if = "Option::is_none")] Option<Extra>,
);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Extra {
    Target(String),
    Device(u32, u32),
    Byte(u8),
}

fn record(entry: &LayerEntry) -> Record {
    let (kind, extra) = match &entry.kind {
        EntryKind::File => ('f', None),
        EntryKind::Dir => ('d', None),
        EntryKind::Symlink { target } => ('l', Some(Extra::Target(target.clone()))),
        EntryKind::Hardlink { target } => ('h', Some(Extra::Target(target.original().to_owned()))),
        EntryKind::CharDevice { major, minor } => ('c', Some(Extra::Device(*major, *minor))),
        EntryKind::BlockDevice { major, minor } => ('b', Some(Extra::Device(*major, *minor))),
        EntryKind::Fifo => ('p', None),
        EntryKind::Other(byte) => ('o', Some(Extra::Byte(*byte))),
    };
    Record(
        entry.path.original().to_owned(),
        kind,
        entry.mode,
        entry.uid,
        entry.gid,
        entry.size,
        entry.mtime,
        entry.offset,
        extra,
    )
}

fn entry(record: Record) -> Result<LayerEntry, IndexError> {
    let Record(path, kind, mode, uid, gid, size, mtime, offset, extra) = record;
    let kind = match (kind, extra) {
        ('f', None) => EntryKind::File,
        ('d', None) => EntryKind::Dir,
        ('l', Some(Extra::Target(target))) => EntryKind::Symlink { target },
        ('h', Some(Extra::Target(target))) => EntryKind::Hardlink {
            target: EntryPath::new(&target),
        },
        ('c', Some(Extra::Device(major, minor))) => EntryKind::CharDevice { major, minor },
        ('b', Some(Extra::Device(major, minor))) => EntryKind::BlockDevice { major, minor },
        ('p', None) => EntryKind::Fifo,
        ('o', Some(Extra::Byte(byte))) => EntryKind::Other(byte),
        (kind, _) => {
            return Err(IndexError::Format(format!(
                "the entry `{path}` has an unknown type `{kind}` or a wrong extra field"
            )));
        }
    };
    Ok(LayerEntry {
        path: EntryPath::new(&path),
        kind,
        mode,
        uid,
        gid,
        size,
        mtime,
        offset,
    })
}

impl LayerIndex {
    /// The index as bytes (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            digest: self.digest.clone(),
            compression: match self.compression {
                Compression::Gzip => "gzip",
                Compression::Zstd => "zstd",
                Compression::None => "none",
            }
            .to_owned(),
            compressed_size: self.compressed_size,
            uncompressed_size: self.uncompressed_size,
            checkpoints: self
                .checkpoints
                .iter()
                .map(|c| (c.in_bits, c.out, c.window.len() as u32))
                .collect(),
            entries: self.entries.iter().map(record).collect(),
        };
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        let json = serde_json::to_vec(&header).unwrap_or_default();
        let written = encoder
            .write_all(MAGIC)
            .and_then(|()| encoder.write_all(&json))
            .and_then(|()| encoder.write_all(b"\n"))
            .and_then(|()| {
                self.checkpoints
                    .iter()
                    .try_for_each(|c| encoder.write_all(&c.window))
            });
        // Writing into a Vec does not fail.
        debug_assert!(written.is_ok());
        encoder.finish().unwrap_or_default()
    }

    /// Reads an index from untrusted `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<LayerIndex, IndexError> {
        LayerIndex::from_bytes_within(bytes, MAX_INDEX_BYTES)
    }

    /// [`LayerIndex::from_bytes`], refusing more than `limit` bytes once
    /// decompressed.
    pub(super) fn from_bytes_within(bytes: &[u8], limit: u64) -> Result<LayerIndex, IndexError> {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(limit + 1)
            .read_to_end(&mut plain)
            .map_err(|e| IndexError::Format(e.to_string()))?;
        if plain.len() as u64 > limit {
            return Err(IndexError::TooLarge);
        }
        let rest = plain
            .strip_prefix(MAGIC)
            .ok_or_else(|| IndexError::Format("the format line is missing".into()))?;
        let newline = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| IndexError::Format("the header line is cut short".into()))?;
        let header: Header = serde_json::from_slice(&rest[..newline])
            .map_err(|e| IndexError::Format(format!("the header: {e}")))?;
        let mut windows = &rest[newline + 1..];
        let compression = match header.compression.as_str() {
            "gzip" => Compression::Gzip,
            "none" => Compression::None,
            other => {
                return Err(IndexError::Inconsistent(format!(
                    "layers compressed as `{other}` are not indexed"
                )));
            }
        };
        let mut checkpoints = Vec::with_capacity(header.checkpoints.len());
        for (in_bits, out, window_len) in header.checkpoints {
            let len = window_len as usize;
            if len > WINDOW || len as u64 > out || len > windows.len() {
                return Err(IndexError::Inconsistent(format!(
                    "the checkpoint at {out} has a window of {len} bytes"
                )));
            }
            let (window, left) = windows.split_at(len);
            windows = left;
            checkpoints.push(Checkpoint {
                in_bits,
                out,
                window: window.to_vec(),
            });
        }
        if !windows.is_empty() {
            return Err(IndexError::Format(
                "bytes follow the last checkpoint window".into(),
            ));
        }
        let entries = header
            .entries
            .into_iter()
            .map(entry)
            .collect::<Result<Vec<_>, _>>()?;
        let index = LayerIndex {
            digest: header.digest,
            compression,
            compressed_size: header.compressed_size,
            uncompressed_size: header.uncompressed_size,
            checkpoints,
            entries,
        };
        index.check()?;
        Ok(index)
    }

    /// Checks that positions increase and stay inside the layer.
    fn check(&self) -> Result<(), IndexError> {
        let bad = |m: String| Err(IndexError::Inconsistent(m));
        if self.compression == Compression::Gzip {
            match self.checkpoints.first() {
                Some(first) if *first == Checkpoint::start() => {}
                _ => return bad("the first checkpoint is not the stream's start".into()),
            }
        } else if !self.checkpoints.is_empty() {
            return bad("a plain tar layer has checkpoints".into());
        }
        for pair in self.checkpoints.windows(2) {
            if pair[1].in_bits <= pair[0].in_bits || pair[1].out <= pair[0].out {
                return bad(format!(
                    "the checkpoints at {} and {} do not increase",
                    pair[0].out, pair[1].out
                ));
            }
        }
        if let Some(last) = self.checkpoints.last()
            && (last.in_byte() >= self.compressed_size.max(1) || last.out > self.uncompressed_size)
        {
            return bad(format!(
                "the checkpoint at {} is past the layer's end",
                last.out
            ));
        }
        let mut previous: Option<u64> = None;
        for entry in &self.entries {
            let end = entry.offset.checked_add(entry.content_size());
            if previous.is_some_and(|p| entry.offset <= p)
                || entry.offset >= self.uncompressed_size
                || end.is_none_or(|end| end > self.uncompressed_size)
            {
                return bad(format!(
                    "the entry `{}` is at offset {}, out of order, or it runs past the end",
                    entry.path.as_str(),
                    entry.offset
                ));
            }
            previous = Some(entry.offset);
        }
        Ok(())
    }
}
