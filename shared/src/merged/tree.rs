//! [`MergedTree`]: the unified filesystem of a stack of layers, and how to
//! walk it.
//!
//! Nodes live in one arena indexed by a map from normalised path to node, so
//! `get` is one hash look-up and `list` one sorted map walk. A directory's
//! total size is kept up to date as layers are applied (each change walks
//! only up to the root), so sizes cost nothing to read. Nodes that a layer
//! removes stay in the arena, detached and invisible, to keep their history.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use super::analysis::WasteTracker;
use super::change::{LayerChange, LayerRecord, LayerView};
use super::entry::LayerEntry;
use super::path::{EntryPath, Oddities, split_last};

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

#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) path: Arc<str>,
    pub(super) parent: Option<NodeId>,
    /// Visible children by name (sorted).
    pub(super) children: BTreeMap<Box<str>, NodeId>,
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
    fn new(path: Arc<str>, parent: Option<NodeId>, source: Source) -> Self {
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

/// Why a path could not be listed or sized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergedError {
    /// Nothing is at that path in the merged view.
    #[error("`{path}` is not in the merged filesystem (a layer may have removed it; see its history)")]
    NotFound {
        /// The normalised path asked for.
        path: String,
    },
    /// The path is a file, link or device, not a directory.
    #[error("`{path}` is not a directory")]
    NotADirectory {
        /// The normalised path asked for.
        path: String,
    },
}

/// The merged filesystem of an ordered stack of layers (bottom first),
/// built with the overlay rules described in the [module docs](super).
#[derive(Debug, Clone)]
pub struct MergedTree {
    pub(super) nodes: Vec<Node>,
    pub(super) index: HashMap<Arc<str>, NodeId>,
    pub(super) layers: Vec<LayerRecord>,
    pub(super) visible: usize,
    pub(super) waste: WasteTracker,
}

impl Default for MergedTree {
    fn default() -> Self {
        MergedTree::new()
    }
}

impl MergedTree {
    /// An empty filesystem: only the root directory.
    pub fn new() -> Self {
        let root: Arc<str> = Arc::from("");
        let mut node = Node::new(Arc::clone(&root), None, Source::Root);
        node.visible = true;
        MergedTree {
            nodes: vec![node],
            index: HashMap::from([(root, ROOT)]),
            layers: Vec::new(),
            visible: 0,
            waste: WasteTracker::default(),
        }
    }

    /// Applies `layers` (bottom first) to an empty filesystem.
    pub fn from_layers(layers: impl IntoIterator<Item = Vec<LayerEntry>>) -> Self {
        let mut tree = MergedTree::new();
        for layer in layers {
            tree.push_layer(layer);
        }
        tree
    }

    /// How many layers have been applied.
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// One layer's entries and changes, or `None` past the top layer.
    pub fn layer(&self, index: usize) -> Option<LayerView<'_>> {
        (index < self.layers.len()).then_some(LayerView { tree: self, index })
    }

    /// How many paths the merged view holds (the root not counted).
    pub fn len(&self) -> usize {
        self.visible
    }

    /// Whether the merged view holds nothing but the root.
    pub fn is_empty(&self) -> bool {
        self.visible == 0
    }

    /// The root directory.
    pub fn root(&self) -> MergedNode<'_> {
        MergedNode { tree: self, id: ROOT }
    }

    /// The node at `path` (normalised first: `/etc/`, `./etc` and `etc` are
    /// the same), if the merged view holds it.
    pub fn get(&self, path: &str) -> Option<MergedNode<'_>> {
        let path = EntryPath::new(path);
        let id = *self.index.get(path.as_str())?;
        self.nodes[id].visible.then_some(MergedNode { tree: self, id })
    }

    /// The children of directory `dir`, sorted by name (byte order).
    pub fn list(
        &self,
        dir: &str,
    ) -> Result<impl DoubleEndedIterator<Item = MergedNode<'_>> + ExactSizeIterator, MergedError> {
        Ok(self.dir(dir)?.children())
    }

    /// Total content size of everything below directory `dir`.
    pub fn dir_size(&self, dir: &str) -> Result<u64, MergedError> {
        Ok(self.dir(dir)?.total_size())
    }

    /// Every change any layer made to `path`, bottom layer first; also for
    /// paths that are no longer in the merged view.
    pub fn history(&self, path: &str) -> &[LayerChange] {
        let path = EntryPath::new(path);
        self.index
            .get(path.as_str())
            .map_or(&[][..], |id| &self.nodes[*id].history)
    }

    /// Every node of the merged view, depth first, children in name order,
    /// the root excluded.
    pub fn walk(&self) -> impl Iterator<Item = MergedNode<'_>> {
        let mut stack: Vec<NodeId> = self.nodes[ROOT].children.values().rev().copied().collect();
        std::iter::from_fn(move || {
            let id = stack.pop()?;
            stack.extend(self.nodes[id].children.values().rev().copied());
            Some(MergedNode { tree: self, id })
        })
    }

    fn dir(&self, dir: &str) -> Result<MergedNode<'_>, MergedError> {
        let node = self.get(dir).ok_or_else(|| MergedError::NotFound {
            path: EntryPath::new(dir).as_str().to_owned(),
        })?;
        if !node.is_dir() {
            let path = node.path().to_owned();
            return Err(MergedError::NotADirectory { path });
        }
        Ok(node)
    }

    pub(super) fn path_of(&self, id: NodeId) -> &str {
        &self.nodes[id].path
    }

    /// Adds `amount` to the totals of `from` and its ancestors.
    pub(super) fn grow(&mut self, from: NodeId, amount: u64) {
        let mut at = Some(from);
        while let Some(id) = at {
            self.nodes[id].total = self.nodes[id].total.saturating_add(amount);
            at = self.nodes[id].parent;
        }
    }

    /// Takes `amount` from the totals of `from` and its ancestors.
    pub(super) fn shrink(&mut self, from: NodeId, amount: u64) {
        let mut at = Some(from);
        while let Some(id) = at {
            self.nodes[id].total = self.nodes[id].total.saturating_sub(amount);
            at = self.nodes[id].parent;
        }
    }

    /// The node for `path` below `parent`: the one it had before, or a new one.
    pub(super) fn node_for(&mut self, path: &str, parent: NodeId) -> NodeId {
        if let Some(id) = self.index.get(path) {
            return *id;
        }
        let id = self.nodes.len();
        let path: Arc<str> = Arc::from(path);
        self.nodes.push(Node::new(Arc::clone(&path), Some(parent), Source::Root));
        self.index.insert(path, id);
        id
    }
}

/// One node of the merged view: a file, directory, link or device.
#[derive(Clone, Copy)]
pub struct MergedNode<'a> {
    tree: &'a MergedTree,
    id: NodeId,
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
        self.entry()
            .map_or_else(|| EntryPath::new(self.path()).oddities(), |e| e.path.oddities())
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
    pub fn children(&self) -> impl DoubleEndedIterator<Item = MergedNode<'a>> + ExactSizeIterator + use<'a> {
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
