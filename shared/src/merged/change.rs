//! What each layer did to each path, relative to the layers below it.
//!
//! For every path a layer touches, the state before the layer (the merged
//! view of the layers below) is compared with the state after it:
//!
//! | before | after | change |
//! | --- | --- | --- |
//! | absent | present | [`Change::Added`] |
//! | present | present | [`Change::Modified`] (new content, new metadata, another type, or re-added after its own whiteout) |
//! | present | absent | [`Change::Removed`] (by a whiteout, an opaque directory, or a file replacing the directory it was in) |
//!
//! A path the layer touches only in passing (a directory it merely holds
//! entries in, without an entry of its own) is not a change; a whiteout of a
//! path that does not exist below is not one either.

use std::fmt;

/// What one layer did to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// The path did not exist below this layer.
    Added,
    /// The path existed below and this layer replaced or updated it.
    Modified,
    /// The path existed below and this layer deleted or hid it.
    Removed,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::Added => "added",
            Change::Modified => "modified",
            Change::Removed => "removed",
        })
    }
}

/// One step of a path's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerChange {
    /// Index of the layer, bottom layer 0.
    pub layer: usize,
    /// What it did.
    pub change: Change,
}

/// One path a layer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathChange<'a> {
    /// The normalised path.
    pub path: &'a str,
    /// What the layer did to it.
    pub change: Change,
}

/// How the per-layer list marks one of the layer's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryMark {
    /// The entry (or, for a `.wh.NAME` whiteout, the path it deletes) was
    /// added, modified or removed by this layer.
    Changed(Change),
    /// A `.wh..wh..opq` marker: the directory hides what lower layers put in it.
    Opaque,
    /// No change: a whiteout of nothing below, aufs metadata, or a path the
    /// layer left as it was.
    Unchanged,
}
