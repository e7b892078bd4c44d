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
//!    - a `./` entry updates the root's metadata and is no change (a
//!      non-directory root entry is ignored);
//!    - hard links and symlinks are entries like any other.
//! 3. Every path touched is compared before and after ([`super::Change`]).

use super::arena::{LayerRecord, MergedTree, Name, NodeId, ROOT, Source};
use super::change::{Change, LayerChange};
use super::entry::{LayerEntry, Whiteout};

impl MergedTree {
    /// Applies `layers` (bottom first) to an empty filesystem.
    pub fn from_layers(layers: impl IntoIterator<Item = Vec<LayerEntry>>) -> Self {
        let mut tree = MergedTree::new();
        for layer in layers {
            tree.push_layer(layer);
        }
        tree
    }

    /// Applies the next layer up; returns its index.
    pub fn push_layer(&mut self, entries: Vec<LayerEntry>) -> usize {
        let layer = self.layers.len();
        let meanings: Vec<Option<Whiteout>> = entries.iter().map(LayerEntry::whiteout).collect();
        let mut waste = std::mem::take(&mut self.waste);
        waste.observe(layer, &entries, &meanings, self);
        self.waste = waste;

        self.nodes.reserve(entries.len());
        self.index.reserve(entries.len());
        let mut apply = Apply {
            tree: self,
            layer,
            touched: Vec::new(),
            last_dir: (String::new(), ROOT),
        };
        for meaning in &meanings {
            match meaning {
                Some(Whiteout::Remove { target }) => apply.remove(target.as_str()),
                Some(Whiteout::Opaque { dir }) => apply.make_opaque(dir.as_str()),
                Some(Whiteout::Ignored) | None => {}
            }
        }
        for (index, (entry, meaning)) in entries.iter().zip(&meanings).enumerate() {
            if meaning.is_none() {
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

/// The application of one layer in progress (all at once here, a slice at
/// a time in [`super::LayerApply`]).
pub(super) struct Apply<'t> {
    pub(super) tree: &'t mut MergedTree,
    pub(super) layer: usize,
    pub(super) touched: Vec<NodeId>,
    /// The parent directory of the last entry put: tar entries come grouped
    /// by directory, so most entries skip the walk from the root.
    pub(super) last_dir: (String, NodeId),
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

    pub(super) fn remove(&mut self, path: &str) {
        if let Some(id) = self.visible(path).filter(|id| *id != ROOT) {
            self.hide(id);
        }
    }

    pub(super) fn make_opaque(&mut self, dir: &str) {
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

    pub(super) fn put(&mut self, index: usize, entry: &LayerEntry) {
        let path = entry.path.as_str();
        let source = Source::Entry {
            layer: self.layer,
            index,
        };
        if path.is_empty() {
            // The root always exists: a `./` entry only gives it metadata.
            if entry.is_dir() {
                self.tree.nodes[ROOT].source = source;
            }
            return;
        }
        let dir = super::path::split_last(path).0;
        let (last, cached) = &self.last_dir;
        let node = &self.tree.nodes[*cached];
        // A visible directory's ancestors are all visible directories.
        let parent = if last == dir && node.visible && node.is_dir {
            *cached
        } else {
            let mut parent = ROOT;
            for (slash, _) in path.match_indices('/') {
                parent = self.ensure_dir(parent, &path[..slash]);
            }
            self.last_dir = (dir.to_owned(), parent);
            parent
        };
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
    fn place(
        &mut self,
        parent: NodeId,
        path: &str,
        source: Source,
        is_dir: bool,
        size: u64,
    ) -> NodeId {
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
                let name = Name::of(&node.path);
                self.tree.nodes[parent].children.insert(name, id);
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
            changes.extend(record_change(self.tree, self.layer, id));
        }
        let nodes = &self.tree.nodes;
        changes.sort_unstable_by(|a, b| nodes[a.0].path.cmp(&nodes[b.0].path));
        changes
    }
}

/// Notes in the history of touched node `id` what `layer` did to it, if
/// anything.
pub(super) fn record_change(
    tree: &mut MergedTree,
    layer: usize,
    id: NodeId,
) -> Option<(NodeId, Change)> {
    let node = &mut tree.nodes[id];
    let change = match (node.visible_before, node.visible) {
        (false, true) => Change::Added,
        (true, true) => Change::Modified,
        (true, false) => Change::Removed,
        (false, false) => return None,
    };
    node.history.push(LayerChange { layer, change });
    Some((id, change))
}

#[cfg(test)]
pub(super) mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::merged::Change::{Added as A, Modified as M, Removed as R};

    fn f(path: &str, size: u64) -> LayerEntry {
        LayerEntry::file(path, size)
    }

    fn d(path: &str) -> LayerEntry {
        LayerEntry::dir(path)
    }

    /// `.wh.NAME` for `path` = `DIR/NAME`.
    fn wh(path: &str) -> LayerEntry {
        let (dir, name) = crate::merged::path::split_last(path);
        let sep = if dir.is_empty() { "" } else { "/" };
        f(&format!("{dir}{sep}.wh.{name}"), 0)
    }

    fn opq(dir: &str) -> LayerEntry {
        f(&format!("{dir}/.wh..wh..opq"), 0)
    }

    pub(in crate::merged) struct Case {
        pub(in crate::merged) name: &'static str,
        pub(in crate::merged) layers: Vec<Vec<LayerEntry>>,
        /// Every visible path, depth first: (path, providing layer, total size).
        visible: &'static [(&'static str, usize, u64)],
        /// Histories of chosen paths: (path, [(layer, change)]).
        history: &'static [(&'static str, &'static [(usize, Change)])],
    }

    pub(in crate::merged) fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "whiteout of a file",
                layers: vec![vec![d("a"), f("a/f", 10), f("a/g", 5)], vec![wh("a/f")]],
                visible: &[("a", 0, 5), ("a/g", 0, 5)],
                history: &[("a/f", &[(0, A), (1, R)]), ("a", &[(0, A)])],
            },
            Case {
                name: "whiteout of a directory removes the whole tree",
                layers: vec![
                    vec![
                        d("d"),
                        f("d/x", 1),
                        d("d/sub"),
                        f("d/sub/y", 2),
                        f("keep", 3),
                    ],
                    vec![wh("d")],
                ],
                visible: &[("keep", 0, 3)],
                history: &[("d", &[(0, A), (1, R)]), ("d/sub/y", &[(0, A), (1, R)])],
            },
            Case {
                name: "opaque directory hides lower children, keeps its own layer's",
                layers: vec![
                    vec![d("d"), f("d/old", 3), d("d/deep"), f("d/deep/z", 4)],
                    vec![d("d"), f("d/new", 5), opq("d"), f("d/old", 6)],
                ],
                visible: &[("d", 1, 11), ("d/new", 1, 5), ("d/old", 1, 6)],
                history: &[
                    ("d", &[(0, A), (1, M)]),
                    ("d/old", &[(0, A), (1, M)]),
                    ("d/deep/z", &[(0, A), (1, R)]),
                    ("d/new", &[(1, A)]),
                ],
            },
            Case {
                name: "file re-added after a whiteout comes back",
                layers: vec![vec![f("f", 1)], vec![wh("f")], vec![f("f", 2)]],
                visible: &[("f", 2, 2)],
                history: &[("f", &[(0, A), (1, R), (2, A)])],
            },
            Case {
                name: "whiteout and re-add in one layer, whatever the order",
                layers: vec![
                    vec![f("f", 1), f("g", 1)],
                    vec![f("f", 3), wh("f"), wh("g"), f("g", 4)],
                ],
                visible: &[("f", 1, 3), ("g", 1, 4)],
                history: &[("f", &[(0, A), (1, M)]), ("g", &[(0, A), (1, M)])],
            },
            Case {
                name: "the tutorial: file 7 obscures file 5",
                layers: vec![
                    vec![f("file1", 1), f("file2", 2), f("file3", 3)],
                    vec![f("file4", 4), f("file5", 5), f("file6", 6)],
                    vec![f("file5", 7)],
                ],
                visible: &[
                    ("file1", 0, 1),
                    ("file2", 0, 2),
                    ("file3", 0, 3),
                    ("file4", 1, 4),
                    ("file5", 2, 7),
                    ("file6", 1, 6),
                ],
                history: &[("file5", &[(1, A), (2, M)]), ("file1", &[(0, A)])],
            },
            Case {
                name: "directory replaced by a file",
                layers: vec![vec![d("x"), f("x/a", 1), f("x/b/c", 2)], vec![f("x", 7)]],
                visible: &[("x", 1, 7)],
                history: &[
                    ("x", &[(0, A), (1, M)]),
                    ("x/a", &[(0, A), (1, R)]),
                    ("x/b/c", &[(0, A), (1, R)]),
                ],
            },
            Case {
                name: "file replaced by a directory, explicit or implied",
                layers: vec![
                    vec![f("y", 9), f("z", 8)],
                    vec![d("y"), f("y/in", 1), f("z/in", 2)],
                ],
                visible: &[("y", 1, 1), ("y/in", 1, 1), ("z", 1, 2), ("z/in", 1, 2)],
                history: &[("y", &[(0, A), (1, M)]), ("z", &[(0, A), (1, M)])],
            },
            Case {
                name: "later entry for the same path wins within a layer",
                layers: vec![vec![d("p"), f("p/q", 1), f("p", 2)]],
                visible: &[("p", 0, 2)],
                history: &[("p", &[(0, A)]), ("p/q", &[])],
            },
            Case {
                name: "whiteout of a missing path changes nothing",
                layers: vec![vec![f("a", 1)], vec![wh("ghost"), f("b", 2)]],
                visible: &[("a", 0, 1), ("b", 1, 2)],
                history: &[("ghost", &[])],
            },
            Case {
                name: "directories merge, implied parents come from the layer",
                layers: vec![vec![d("usr"), f("usr/a", 1)], vec![f("usr/lib/b", 2)]],
                visible: &[
                    ("usr", 0, 3),
                    ("usr/a", 0, 1),
                    ("usr/lib", 1, 2),
                    ("usr/lib/b", 1, 2),
                ],
                history: &[("usr", &[(0, A)]), ("usr/lib", &[(1, A)])],
            },
            Case {
                name: "opaque root and aufs metadata",
                layers: vec![
                    vec![f("a", 1), f("b", 2)],
                    vec![
                        f(".wh..wh..opq", 0),
                        f("c", 3),
                        f(".wh..wh.plnk/1.2", 0),
                        d(".wh..wh.aufs"),
                    ],
                ],
                visible: &[("c", 1, 3)],
                history: &[("a", &[(0, A), (1, R)]), (".wh..wh.plnk/1.2", &[])],
            },
        ]
    }

    #[test]
    fn overlay_rules_table() {
        for case in cases() {
            let tree = MergedTree::from_layers(case.layers);
            let visible: Vec<(&str, usize, u64)> = tree
                .walk()
                .map(|n| (n.path(), n.layer().unwrap_or(usize::MAX), n.total_size()))
                .collect();
            assert_eq!(visible, case.visible, "{}", case.name);
            assert_eq!(tree.len(), case.visible.len(), "{}", case.name);
            let root_total: u64 = tree.root().children().map(|n| n.total_size()).sum();
            assert_eq!(tree.root().total_size(), root_total, "{}", case.name);
            for (path, expected) in case.history {
                let got: Vec<(usize, Change)> = tree
                    .history(path)
                    .iter()
                    .map(|c| (c.layer, c.change))
                    .collect();
                assert_eq!(got, *expected, "{}: history of {path}", case.name);
            }
        }
    }

    #[test]
    fn layer_views_list_changes_sorted() {
        let tree = MergedTree::from_layers([
            vec![d("etc"), f("etc/a", 1), f("etc/b", 2), f("z", 1)],
            vec![wh("etc"), f("new", 4), f("z", 2)],
        ]);
        let Some(top) = tree.layer(1) else {
            panic!("two layers");
        };
        let changes: Vec<(&str, Change)> = top.changes().map(|c| (c.path, c.change)).collect();
        assert_eq!(
            changes,
            [("etc", R), ("etc/a", R), ("etc/b", R), ("new", A), ("z", M)]
        );
        assert_eq!(top.entries().len(), 3);
        assert_eq!(top.content_size(), 6);
        assert_eq!(top.change_of("/z"), Some(M));
        assert_eq!(top.change_of("etc/a"), Some(R));
        assert_eq!(tree.layer(0).and_then(|l| l.change_of("z")), Some(A));
        assert!(tree.layer(2).is_none());
    }

    #[test]
    fn links_and_special_files_are_entries() {
        let mut dev = LayerEntry::new(
            crate::merged::EntryPath::new("dev/null"),
            crate::merged::EntryKind::CharDevice { major: 1, minor: 3 },
        );
        dev.size = 123;
        let tree = MergedTree::from_layers([vec![
            f("bin/busybox", 100),
            LayerEntry::symlink("bin/sh", "busybox"),
            LayerEntry::hardlink("bin/ash", "bin/busybox"),
            LayerEntry::symlink("lib", "/usr/lib"),
            dev,
        ]]);
        let kinds: Vec<(&str, char, u64)> = tree
            .walk()
            .map(|n| {
                (
                    n.path(),
                    n.entry().map_or('?', |e| e.kind.type_char()),
                    n.size(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("bin", '?', 0),
                ("bin/ash", '-', 0),
                ("bin/busybox", '-', 100),
                ("bin/sh", 'l', 0),
                ("dev", '?', 0),
                ("dev/null", 'c', 0),
                ("lib", 'l', 0),
            ]
        );
        assert_eq!(tree.dir_size("bin"), Ok(100));
        assert_eq!(tree.dir_size(""), Ok(100));
    }

    #[test]
    fn entries_below_a_symlink_are_not_resolved_through_it() {
        let tree = MergedTree::from_layers([
            vec![LayerEntry::symlink("lib", "usr/lib"), d("usr/lib")],
            vec![f("lib/libc.so", 9)],
        ]);
        assert_eq!(tree.get("lib").map(|n| n.is_dir()), Some(true));
        assert_eq!(tree.get("lib").and_then(|n| n.layer()), Some(1));
        assert!(tree.get("usr/lib/libc.so").is_none());
        assert_eq!(
            tree.history("lib")
                .iter()
                .map(|c| c.change)
                .collect::<Vec<_>>(),
            [A, M]
        );
    }
}
