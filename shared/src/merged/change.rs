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

use super::entry::{LayerEntry, Whiteout};
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

    /// How the layer list marks `entry`, one of this layer's entries: a
    /// whiteout is marked with what it did to the path it names.
    pub fn mark(&self, entry: &LayerEntry) -> EntryMark {
        let change = match entry.whiteout() {
            None => self.change_of(entry.path.as_str()),
            Some(Whiteout::Remove { target }) => self.change_of(target.as_str()),
            Some(Whiteout::Opaque { .. }) => return EntryMark::Opaque,
            Some(Whiteout::Ignored) => None,
        };
        change.map_or(EntryMark::Unchanged, EntryMark::Changed)
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

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::merged::MergedTree;

    #[test]
    fn mark_table() {
        let tree = MergedTree::from_layers([
            vec![
                LayerEntry::file("a", 1),
                LayerEntry::file("b", 2),
                LayerEntry::dir("cache"),
                LayerEntry::file("cache/old", 3),
            ],
            vec![
                LayerEntry::file("a", 10),
                LayerEntry::file("new", 4),
                LayerEntry::file(".wh.b", 0),
                LayerEntry::file(".wh.ghost", 0),
                LayerEntry::file("cache/.wh..wh..opq", 0),
                LayerEntry::file(".wh..wh.plnk", 0),
            ],
        ]);
        let Some(top) = tree.layer(1) else {
            panic!("two layers");
        };
        let marks: Vec<(&str, EntryMark)> = top
            .entries()
            .iter()
            .map(|e| (e.path.as_str(), top.mark(e)))
            .collect();
        use Change::{Added, Modified, Removed};
        assert_eq!(
            marks,
            [
                ("a", EntryMark::Changed(Modified)),
                ("new", EntryMark::Changed(Added)),
                (".wh.b", EntryMark::Changed(Removed)),
                (".wh.ghost", EntryMark::Unchanged),
                ("cache/.wh..wh..opq", EntryMark::Opaque),
                (".wh..wh.plnk", EntryMark::Unchanged),
            ]
        );
        let Some(bottom) = tree.layer(0) else {
            panic!("two layers");
        };
        assert!(
            bottom
                .entries()
                .iter()
                .all(|e| bottom.mark(e) == EntryMark::Changed(Added))
        );
    }
}
