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

use super::entry::LayerEntry;
use super::node::NodeId;
use super::tree::MergedTree;

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

/// One layer's own entries and its changes, for the per-layer explorer.
#[derive(Debug, Clone, Copy)]
pub struct LayerView<'a> {
    pub(super) tree: &'a MergedTree,
    pub(super) index: usize,
}

/// What [`MergedTree`] keeps of each layer.
#[derive(Debug, Clone, Default)]
pub(super) struct LayerRecord {
    /// The layer's entries as given, whiteouts included.
    pub(super) entries: Vec<LayerEntry>,
    /// Paths it changed, sorted by path.
    pub(super) changes: Vec<(NodeId, Change)>,
    /// Sum of its entries' content sizes.
    pub(super) content_size: u64,
}

impl<'a> LayerView<'a> {
    /// Index of the layer, bottom layer 0.
    pub fn index(&self) -> usize {
        self.index
    }

    fn record(&self) -> &'a LayerRecord {
        &self.tree.layers[self.index]
    }

    /// The layer's entries in archive order, whiteout entries included.
    pub fn entries(&self) -> &'a [LayerEntry] {
        &self.record().entries
    }

    /// Sum of the content sizes of the layer's entries (what dive calls the
    /// layer size).
    pub fn content_size(&self) -> u64 {
        self.record().content_size
    }

    /// Every path the layer added, modified or removed, sorted by path.
    /// Removing a directory lists each path below it too.
    pub fn changes(&self) -> impl ExactSizeIterator<Item = PathChange<'a>> + 'a {
        let tree = self.tree;
        self.record()
            .changes
            .iter()
            .map(move |(id, change)| PathChange {
                path: tree.path_of(*id),
                change: *change,
            })
    }

    /// What the layer did to `path` (normalised first), if anything.
    pub fn change_of(&self, path: &str) -> Option<Change> {
        let history = self.tree.history(path);
        history
            .iter()
            .find(|c| c.layer == self.index)
            .map(|c| c.change)
    }
}
