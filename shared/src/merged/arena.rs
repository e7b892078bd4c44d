//! The arena behind a [`MergedTree`]: every node by index, the index from
//! normalised path to node, and what the tree keeps of each layer.
//!
//! This is the storage the rest of the module shares: the read-only views
//! (`view`) read it, `tree` answers queries from it, `apply` and
//! `stepwise` write it. It knows nothing of them.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::change::{Change, LayerChange};
use super::entry::LayerEntry;
use super::path::EntryPath;
use super::waste::WasteTracker;

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

    /// Every change recorded for `path` (normalised first), bottom layer
    /// first; empty for a path no layer touched.
    pub(super) fn changes_at(&self, path: &str) -> &[LayerChange] {
        let path = EntryPath::new(path);
        self.index
            .get(path.as_str())
            .map_or(&[][..], |id| &self.nodes[*id].history)
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
        self.nodes
            .push(Node::new(Arc::clone(&path), Some(parent), Source::Root));
        self.index.insert(path, id);
        id
    }
}
