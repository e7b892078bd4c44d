//! The read-only views of a [`MergedTree`] the explorer walks: one node
//! ([`MergedNode`]) and one layer ([`LayerView`]).

use std::fmt;

use super::arena::{LayerRecord, MergedTree, Node, NodeId, Source};
use super::change::{Change, EntryMark, LayerChange, PathChange};
use super::entry::{LayerEntry, Whiteout};
use super::path::{EntryPath, Oddities, split_last};

/// One node of the merged view: a file, directory, link or device.
#[derive(Clone, Copy)]
pub struct MergedNode<'a> {
    pub(super) tree: &'a MergedTree,
    pub(super) id: NodeId,
}

impl<'a> MergedNode<'a> {
    fn node(&self) -> &'a Node {
        &self.tree.nodes[self.id]
    }

    /// The normalised path (empty for the root).
    pub fn path(&self) -> &'a str {
        &self.node().path
    }

    /// The last path component (empty for the root).
    pub fn name(&self) -> &'a str {
        split_last(self.path()).1
    }

    /// Whether this is a directory (implicit ones included).
    pub fn is_dir(&self) -> bool {
        self.node().is_dir
    }

    /// The entry that provides this node, or `None` for an implicit
    /// directory (and for the root unless a layer has a `./` entry).
    pub fn entry(&self) -> Option<&'a LayerEntry> {
        match self.node().source {
            Source::Entry { layer, index } => self.tree.layers[layer].entries.get(index),
            Source::Root | Source::Implicit { .. } => None,
        }
    }

    /// The layer that provides this node's current version: the last layer
    /// with an entry for it, or the layer that implied the directory.
    /// `None` only for the root when no layer has a `./` entry.
    pub fn layer(&self) -> Option<usize> {
        match self.node().source {
            Source::Root => None,
            Source::Implicit { layer } | Source::Entry { layer, .. } => Some(layer),
        }
    }

    /// What is odd about the path (see [`super::Oddity`]).
    pub fn oddities(&self) -> Oddities {
        self.entry().map_or_else(
            || EntryPath::new(self.path()).oddities(),
            |e| e.path.oddities(),
        )
    }

    /// Own content size (a regular file's size; 0 for anything else).
    pub fn size(&self) -> u64 {
        self.node().size
    }

    /// Own size plus everything below (a directory's total).
    pub fn total_size(&self) -> u64 {
        self.node().total
    }

    /// Number of children (0 for non-directories).
    pub fn child_count(&self) -> usize {
        self.node().children.len()
    }

    /// The children, sorted by name.
    pub fn children(
        &self,
    ) -> impl DoubleEndedIterator<Item = MergedNode<'a>> + ExactSizeIterator + use<'a> {
        let tree = self.tree;
        self.node()
            .children
            .values()
            .map(move |id| MergedNode { tree, id: *id })
    }

    /// The parent directory (`None` for the root).
    pub fn parent(&self) -> Option<MergedNode<'a>> {
        let tree = self.tree;
        self.node().parent.map(|id| MergedNode { tree, id })
    }

    /// Every change layers made to this path, bottom layer first.
    pub fn history(&self) -> &'a [LayerChange] {
        &self.node().history
    }
}

impl fmt::Debug for MergedNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergedNode")
            .field("path", &self.path())
            .field("dir", &self.is_dir())
            .field("layer", &self.layer())
            .field("total_size", &self.total_size())
            .finish()
    }
}

/// One layer's own entries and its changes, for the per-layer explorer.
#[derive(Debug, Clone, Copy)]
pub struct LayerView<'a> {
    pub(super) tree: &'a MergedTree,
    pub(super) index: usize,
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
        let history = self.tree.changes_at(path);
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
