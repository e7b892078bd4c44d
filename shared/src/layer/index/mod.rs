//! [`LayerIndex`]: random access into one layer blob, made in the one pass
//! that verifies it. It holds
//! - the decompressor's [`Checkpoint`]s, one per [`SPAN`] of output (a
//!   gzip block boundary, to the bit, and the 32 KiB window before it), so
//!   a reader can start near any offset instead of at byte 0;
//! - every tar entry with its offset in the uncompressed stream.
//!
//! To open one file, [`LayerIndex::plan`] names the checkpoint before the
//! entry and the compressed byte range that covers the entry's headers
//! and content; [`EntryReader`] decodes that range and checks the tar
//! header it finds at the entry's offset against the index's entry.
//!
//! An index that came from elsewhere (the server's
//! `/api/v1/layers/{digest}/index`) is a hint: [`LayerIndex::from_bytes`]
//! checks its shape and bounds, and the entry reader catches offsets that
//! do not lead to the named entry, but only the layer's digest, checked
//! over the whole blob, makes the listing trustworthy; the same pass
//! builds an index of one's own to compare ([`LayerIndex::differs_from`]).
//!
//! zstd layers are not indexed yet (their frames would be the
//! checkpoints); plain tar needs no checkpoints (offsets are positions).

mod builder;
mod codec;
mod entry_reader;

use std::ops::Range;

pub use builder::{BuildError, IndexBuilder};
pub use codec::{IndexError, MAX_INDEX_BYTES};
pub use entry_reader::{EntryReader, OpenError};

use super::inflate::Checkpoint;
use crate::digest::Digest;
use crate::media_type::Compression;
use crate::merged::{EntryKind, LayerEntry};

/// Output bytes between two checkpoints: about 4 MiB, as soci-snapshotter
/// spaces its spans. A checkpoint costs up to 32 KiB, so the index is
/// under 1% of the uncompressed layer plus its entries.
pub const SPAN: u64 = 4 << 20;

/// What one entry costs an index, in bytes once decompressed: its path (as
/// written and normalised), its link target, and a fixed overhead. With
/// the checkpoint windows, this is what [`MAX_INDEX_BYTES`] bounds, so a
/// layer of many entries with long names or long link targets cannot make
/// an index (or the pass that builds it) hold more.
pub fn entry_weight(entry: &LayerEntry) -> u64 {
    let target = match &entry.kind {
        EntryKind::Symlink { target } => target.len(),
        EntryKind::Hardlink { target } => target.original().len(),
        _ => 0,
    };
    (entry.path.original().len() + entry.path.as_str().len() + target) as u64 + 64
}

/// One layer's index; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerIndex {
    /// The layer blob's digest (compressed bytes).
    pub digest: Digest,
    /// How the blob is compressed: [`Compression::Gzip`] or
    /// [`Compression::None`].
    pub compression: Compression,
    /// The blob's size.
    pub compressed_size: u64,
    /// The tar stream's size.
    pub uncompressed_size: u64,
    /// Where a decoder can start, in order, the first at the stream's start
    /// (empty for plain tar).
    pub checkpoints: Vec<Checkpoint>,
    /// Every tar entry, in stream order.
    pub entries: Vec<LayerEntry>,
}

/// What to fetch to read one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPlan {
    /// Where decoding starts (`None` for plain tar).
    pub checkpoint: Option<Checkpoint>,
    /// The blob's bytes to fetch (an HTTP `Range`, end exclusive).
    pub range: Range<u64>,
}

impl LayerIndex {
    /// The end of `entry` in the uncompressed stream: its headers, content
    /// and padding (what an [`EntryReader`] must decode). An upper bound:
    /// extension headers are counted generously.
    fn entry_end(&self, entry: &LayerEntry) -> u64 {
        let after = self.entries.partition_point(|e| e.offset <= entry.offset);
        // The last entry runs to the tar's end (only the end-of-archive
        // blocks follow it); any other to the next entry's first header.
        let next = self.entries.get(after).map(|e| e.offset);
        next.unwrap_or(self.uncompressed_size)
            .min(self.uncompressed_size)
            .max(entry.offset.saturating_add(512))
    }

    /// The checkpoint to start from and the blob range to fetch to read
    /// `entry` (one of [`LayerIndex::entries`]).
    pub fn plan(&self, entry: &LayerEntry) -> ReadPlan {
        let end = self.entry_end(entry);
        if self.compression == Compression::None {
            return ReadPlan {
                checkpoint: None,
                range: entry.offset..end.min(self.compressed_size),
            };
        }
        let at = self
            .checkpoints
            .partition_point(|c| c.out <= entry.offset)
            .saturating_sub(1);
        let start = self
            .checkpoints
            .get(at)
            .cloned()
            .unwrap_or_else(Checkpoint::start);
        // The first checkpoint at or past the entry's end starts a block
        // after it: the bytes up to and including its first bit's byte hold
        // every bit before it.
        let stop = self
            .checkpoints
            .iter()
            .find(|c| c.out >= end)
            .map_or(self.compressed_size, |c| {
                (c.in_byte() + 1).min(self.compressed_size)
            });
        ReadPlan {
            range: start.in_byte()..stop,
            checkpoint: Some(start),
        }
    }

    /// The entry for `path` that a reader of this layer alone sees (the
    /// last one written).
    pub fn entry(&self, path: &str) -> Option<&LayerEntry> {
        self.entries.iter().rev().find(|e| e.path.as_str() == path)
    }

    /// How this index (say, the server's) differs from `own`, built from
    /// the verified bytes: `None` if it does not, else the first difference,
    /// for the page to show.
    pub fn differs_from(&self, own: &LayerIndex) -> Option<String> {
        self.entries_differ(own).or_else(|| {
            let points = |i: &LayerIndex| -> Vec<(u64, u64)> {
                i.checkpoints.iter().map(|c| (c.in_bits, c.out)).collect()
            };
            if points(self) != points(own) {
                Some("its checkpoints are not where the layer's blocks start".into())
            } else if self.checkpoints != own.checkpoints {
                Some("its checkpoint windows are not the layer's bytes".into())
            } else {
                None
            }
        })
    }

    /// [`LayerIndex::differs_from`], for the digest, sizes and entries only
    /// (when `own` has no checkpoints: too many to keep).
    pub fn entries_differ(&self, own: &LayerIndex) -> Option<String> {
        if self.digest != own.digest {
            return Some(format!("it is for {}, not for {}", self.digest, own.digest));
        }
        if self.uncompressed_size != own.uncompressed_size {
            return Some(format!(
                "it says the tar is {} bytes; it is {}",
                self.uncompressed_size, own.uncompressed_size
            ));
        }
        if self.entries.len() != own.entries.len() {
            return Some(format!(
                "it lists {} entries; the layer has {}",
                self.entries.len(),
                own.entries.len()
            ));
        }
        for (theirs, ours) in self.entries.iter().zip(&own.entries) {
            if theirs != ours {
                return Some(format!(
                    "it says `{}` is at offset {} ({} bytes); the layer has `{}` at offset {} ({} bytes)",
                    theirs.path.as_str(),
                    theirs.offset,
                    theirs.size,
                    ours.path.as_str(),
                    ours.offset,
                    ours.size
                ));
            }
        }
        None
    }

    /// The index's size as encoded, in bytes, over the blob's: how much it
    /// costs to keep.
    pub fn overhead(&self, encoded_len: usize) -> f64 {
        encoded_len as f64 / self.compressed_size.max(1) as f64
    }
}

#[cfg(test)]
mod tests;
