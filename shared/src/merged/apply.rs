//! Applying one layer to a [`MergedTree`], as overlayfs and containerd do.
//!
//! 1. The layer's whiteouts go first and reach only the layers below, so a
//!    layer never hides its own entries, whatever their order in the tar:
//!    `.wh.NAME` removes `NAME` and everything below it; `.wh..wh..opq`
//!    removes every child its directory had.
//! 2. Then each other entry in archive order (a later entry for the same
//!    path wins):
//!    - a missing parent directory is created implicitly; a file, link or
//!      device standing where a parent directory is needed is replaced by
//!      one (paths are never resolved through symlinks);
//!    - a directory over a directory keeps the children and takes the new
//!      metadata; anything else over a directory removes the children;
//!      anything over a non-directory replaces it;
//!    - a `./` entry updates the root's metadata (a non-directory root entry
//!      is ignored);
//!    - hard links and symlinks are entries like any other.
//! 3. Every path touched is compared before and after ([`super::Change`]).

use super::change::{Change, LayerChange, LayerRecord};
use super::entry::{LayerEntry, Whiteout};
use super::tree::{MergedTree, NodeId, ROOT, Source};

impl MergedTree {
    /// Applies the next layer up; returns its index.
    pub fn push_layer(&mut self, entries: Vec<LayerEntry>) -> usize {
        let layer = self.layers.len();
        let mut waste = std::mem::take(&mut self.waste);
        waste.observe(layer, &entries, self);
        self.waste = waste;

        let mut apply = Apply {
            tree: self,
            layer,
            touched: Vec::new(),
        };
        for entry in &entries {
            match entry.whiteout() {
                Some(Whiteout::Remove { target }) => apply.remove(target.as_str()),
                Some(Whiteout::Opaque { dir }) => apply.make_opaque(dir.as_str()),
                Some(Whiteout::Ignored) | None => {}
            }
        }
        for (index, entry) in entries.iter().enumerate() {
            if entry.whiteout().is_none() {
                apply.put(index, entry);
            }
        }
        let changes = apply.finish();
        let content_size = entries.iter().map(LayerEntry::content_size).sum();
        self.layers.push(LayerRecord {
            entries,
            changes,
            content_size,
        });
        layer
    }
}

/// The application of one layer in progress.
struct Apply<'t> {
    tree: &'t mut MergedTree,
    layer: usize,
    touched: Vec<NodeId>,
}

impl Apply<'_> {
    /// Notes the node's state before this layer, the first time it is touched.
    fn touch(&mut self, id: NodeId) {
        let node = &mut self.tree.nodes[id];
        if node.touched != Some(self.layer) {
            node.touched = Some(self.layer);
            node.visible_before = node.visible;
            self.touched.push(id);
        }
    }

    fn visible(&self, path: &str) -> Option<NodeId> {
        let id = *self.tree.index.get(path)?;
        self.tree.nodes[id].visible.then_some(id)
    }

    fn remove(&mut self, path: &str) {
        if let Some(id) = self.visible(path).filter(|id| *id != ROOT) {
            self.hide(id);
        }
    }

    fn make_opaque(&mut self, dir: &str) {
        if let Some(id) = self.visible(dir).filter(|id| self.tree.nodes[*id].is_dir) {
            self.clear_children(id);
        }
    }

    fn clear_children(&mut self, id: NodeId) {
        let children: Vec<NodeId> = self.tree.nodes[id].children.values().copied().collect();
        for child in children {
            self.hide(child);
        }
    }

    /// Detaches a visible node from its parent and hides it and its subtree.
    fn hide(&mut self, id: NodeId) {
        let node = &self.tree.nodes[id];
        let (path, total) = (std::sync::Arc::clone(&node.path), node.total);
        if let Some(parent) = node.parent {
            let name = super::path::split_last(&path).1;
            self.tree.nodes[parent].children.remove(name);
            self.tree.shrink(parent, total);
        }
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            self.touch(at);
            let node = &mut self.tree.nodes[at];
            node.visible = false;
            stack.extend(std::mem::take(&mut node.children).into_values());
            self.tree.visible -= 1;
        }
    }

    fn put(&mut self, index: usize, entry: &LayerEntry) {
        let path = entry.path.as_str();
        let source = Source::Entry {
            layer: self.layer,
            index,
        };
        if path.is_empty() {
            if entry.is_dir() {
                self.touch(ROOT);
                self.tree.nodes[ROOT].source = source;
            }
            return;
        }
        let mut parent = ROOT;
        for (slash, _) in path.match_indices('/') {
            parent = self.ensure_dir(parent, &path[..slash]);
        }
        self.place(parent, path, source, entry.is_dir(), entry.content_size());
    }

    /// The directory at `path` below `parent`, created or substituted if needed.
    fn ensure_dir(&mut self, parent: NodeId, path: &str) -> NodeId {
        let name = super::path::split_last(path).1;
        if let Some(id) = self.tree.nodes[parent].children.get(name)
            && self.tree.nodes[*id].is_dir
        {
            return *id;
        }
        let source = Source::Implicit { layer: self.layer };
        self.place(parent, path, source, true, 0)
    }

    /// Makes `path`, a child of `parent`, visible with this source.
    fn place(&mut self, parent: NodeId, path: &str, source: Source, is_dir: bool, size: u64) -> NodeId {
        let name = super::path::split_last(path).1;
        let id = match self.tree.nodes[parent].children.get(name) {
            Some(id) => {
                let id = *id;
                self.touch(id);
                if self.tree.nodes[id].is_dir && !is_dir {
                    self.clear_children(id);
                }
                let old = self.tree.nodes[id].size;
                self.tree.shrink(id, old);
                id
            }
            None => {
                let id = self.tree.node_for(path, parent);
                self.touch(id);
                let node = &mut self.tree.nodes[id];
                node.visible = true;
                node.total = 0;
                self.tree.visible += 1;
                self.tree.nodes[parent].children.insert(name.into(), id);
                id
            }
        };
        let node = &mut self.tree.nodes[id];
        node.source = source;
        node.is_dir = is_dir;
        node.size = size;
        self.tree.grow(id, size);
        id
    }

    /// Records what the layer did to every path it touched.
    fn finish(self) -> Vec<(NodeId, Change)> {
        let mut changes = Vec::with_capacity(self.touched.len());
        for id in self.touched {
            let node = &mut self.tree.nodes[id];
            let change = match (node.visible_before, node.visible) {
                (false, true) => Change::Added,
                (true, true) => Change::Modified,
                (true, false) => Change::Removed,
                (false, false) => continue,
            };
            let layer = self.layer;
            node.history.push(LayerChange { layer, change });
            changes.push((id, change));
        }
        let nodes = &self.tree.nodes;
        changes.sort_unstable_by(|a, b| nodes[a.0].path.cmp(&nodes[b.0].path));
        changes
    }
}
