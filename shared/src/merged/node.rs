//! The nodes of a [`MergedTree`]: how the arena stores them, and
//! [`MergedNode`], the read-only view the explorer walks.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::change::LayerChange;
use super::entry::LayerEntry;
use super::path::{EntryPath, Oddities, split_last};
use super::tree::MergedTree;
/// Index of a node in the arena.
pub(super) type NodeId = usize;

/// The root directory's node.
pub(super) const ROOT: NodeId = 0;

/// Where a node's current version comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// The layer root before any layer gave it an entry.
    Root,
    /// A directory no layer has an entry for, created for entries inside it.
    Implicit { layer: usize },
    /// Entry `index` of layer `layer`.
    Entry { layer: usize, index: usize },
}

/// A child's name as a map key, sharing the child's path allocation.
#[derive(Debug, Clone)]
pub(super) struct Name {
    path: Arc<str>,
    start: usize,
}

impl Name {
    /// The last component of `path`.
    pub(super) fn of(path: &Arc<str>) -> Self {
        let start = path.rfind('/').map_or(0, |slash| slash + 1);
        Name {
            path: Arc::clone(path),
            start,
        }
    }

    fn as_str(&self) -> &str {
        &self.path[self.start..]
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) path: Arc<str>,
    pub(super) parent: Option<NodeId>,
    /// Visible children by name (sorted).
    pub(super) children: BTreeMap<Name, NodeId>,
    pub(super) source: Source,
    pub(super) visible: bool,
    pub(super) is_dir: bool,
    /// Own content size.
    pub(super) size: u64,
    /// Own size plus the totals of visible children.
    pub(super) total: u64,
    pub(super) history: Vec<LayerChange>,
    /// The last layer that touched the node, and whether the node was
    /// visible before that layer.
    pub(super) touched: Option<usize>,
    pub(super) visible_before: bool,
}

impl Node {
    pub(super) fn new(path: Arc<str>, parent: Option<NodeId>, source: Source) -> Self {
        Node {
            path,
            parent,
            children: BTreeMap::new(),
            source,
            visible: false,
            is_dir: true,
            size: 0,
            total: 0,
            history: Vec::new(),
            touched: None,
            visible_before: false,
        }
    }
}

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
