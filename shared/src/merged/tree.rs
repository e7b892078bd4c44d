//! Reading a [`MergedTree`]: `get`, `list`, sizes, per-path history, and
//! walking it.
//!
//! Nodes live in one arena indexed by a map from normalised path to node, so
//! `get` is one hash look-up and `list` one sorted map walk. A directory's
//! total size is kept up to date as layers are applied (each change walks
//! only up to the root), so sizes cost nothing to read. Nodes that a layer
//! removes stay in the arena, detached and invisible, to keep their history.

use super::arena::{MergedTree, NodeId, ROOT};
use super::change::LayerChange;
use super::path::EntryPath;
use super::view::{LayerView, MergedNode};

/// Why a path could not be listed or sized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergedError {
    /// Nothing is at that path in the merged view.
    #[error(
        "`{path}` is not in the merged filesystem (a layer may have removed it; see its history)"
    )]
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

impl MergedTree {
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
        MergedNode {
            tree: self,
            id: ROOT,
        }
    }

    /// The node at `path` (normalised first: `/etc/`, `./etc` and `etc` are
    /// the same), if the merged view holds it.
    pub fn get(&self, path: &str) -> Option<MergedNode<'_>> {
        let path = EntryPath::new(path);
        let id = *self.index.get(path.as_str())?;
        self.nodes[id]
            .visible
            .then_some(MergedNode { tree: self, id })
    }

    /// The children of directory `dir`, sorted by name (byte order).
    pub fn list(
        &self,
        dir: &str,
    ) -> Result<impl DoubleEndedIterator<Item = MergedNode<'_>> + ExactSizeIterator, MergedError>
    {
        Ok(self.dir(dir)?.children())
    }

    /// Total content size of everything below directory `dir`.
    pub fn dir_size(&self, dir: &str) -> Result<u64, MergedError> {
        Ok(self.dir(dir)?.total_size())
    }

    /// Every change any layer made to `path`, bottom layer first; also for
    /// paths that are no longer in the merged view.
    pub fn history(&self, path: &str) -> &[LayerChange] {
        self.changes_at(path)
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
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::merged::{LayerEntry, Oddity};

    fn sample() -> MergedTree {
        MergedTree::from_layers([
            vec![
                LayerEntry::dir("./"),
                LayerEntry::dir("etc"),
                LayerEntry::file("etc/passwd", 100),
                LayerEntry::file("etc/hosts", 20),
                LayerEntry::file("usr/bin/env", 3000),
                LayerEntry::file("Zebra", 1),
            ],
            vec![
                LayerEntry::file("etc/ssl/cert.pem", 500),
                LayerEntry::file("etc/.wh.hosts", 0),
            ],
        ])
    }

    fn names<'a>(nodes: impl Iterator<Item = MergedNode<'a>>) -> Vec<&'a str> {
        nodes.map(|n| n.name()).collect()
    }

    #[test]
    fn list_table() {
        let tree = sample();
        let cases: &[(&str, Result<&[&str], MergedError>)] = &[
            ("", Ok(&["Zebra", "etc", "usr"])),
            ("/", Ok(&["Zebra", "etc", "usr"])),
            ("etc", Ok(&["passwd", "ssl"])),
            ("./etc/", Ok(&["passwd", "ssl"])),
            ("usr/bin", Ok(&["env"])),
            (
                "etc/hosts",
                Err(MergedError::NotFound {
                    path: "etc/hosts".into(),
                }),
            ),
            (
                "/nope/",
                Err(MergedError::NotFound {
                    path: "nope".into(),
                }),
            ),
            (
                "etc/passwd",
                Err(MergedError::NotADirectory {
                    path: "etc/passwd".into(),
                }),
            ),
        ];
        for (dir, expected) in cases {
            let got = tree.list(dir).map(names);
            assert_eq!(got.as_deref(), expected.as_deref(), "{dir:?}");
        }
    }

    #[test]
    fn sizes_table() {
        let tree = sample();
        let cases: &[(&str, Result<u64, MergedError>)] = &[
            ("", Ok(3601)),
            ("etc", Ok(600)),
            ("etc/ssl", Ok(500)),
            ("usr", Ok(3000)),
            (
                "Zebra",
                Err(MergedError::NotADirectory {
                    path: "Zebra".into(),
                }),
            ),
        ];
        for (dir, expected) in cases {
            assert_eq!(&tree.dir_size(dir), expected, "{dir:?}");
        }
        assert_eq!(
            tree.get("etc/passwd").map(|n| (n.size(), n.total_size())),
            Some((100, 100))
        );
    }

    #[test]
    fn nodes_know_their_place() {
        let tree = sample();
        assert_eq!(tree.len(), 8);
        assert!(!tree.is_empty() && MergedTree::new().is_empty());
        assert_eq!(tree.root().layer(), Some(0), "the ./ entry");
        assert_eq!(MergedTree::new().root().layer(), None);
        let Some(ssl) = tree.get("etc/ssl") else {
            panic!("etc/ssl is implied by layer 1");
        };
        assert!(ssl.is_dir() && ssl.entry().is_none());
        assert_eq!((ssl.layer(), ssl.child_count()), (Some(1), 1));
        assert_eq!(ssl.parent().map(|p| p.path()), Some("etc"));
        assert_eq!(tree.root().parent().map(|p| p.path()), None);
        let walked: Vec<&str> = tree.walk().map(|n| n.path()).collect();
        assert_eq!(
            walked,
            [
                "Zebra",
                "etc",
                "etc/passwd",
                "etc/ssl",
                "etc/ssl/cert.pem",
                "usr",
                "usr/bin",
                "usr/bin/env"
            ]
        );
        assert!(format!("{ssl:?}").contains("etc/ssl"));
    }

    #[test]
    fn odd_names_are_shown_never_resolved() {
        let tree = MergedTree::from_layers([vec![
            LayerEntry::file("../etc/passwd", 1),
            LayerEntry::file("/abs", 2),
            LayerEntry::file("a/../../b", 3),
            LayerEntry::file("etc/\u{1b}[31mred", 4),
        ]]);
        let cases: &[(&str, &[Oddity])] = &[
            ("../etc/passwd", &[Oddity::ParentComponent]),
            ("..", &[Oddity::ParentComponent]),
            ("abs", &[Oddity::Absolute]),
            ("/abs", &[Oddity::Absolute]),
            ("a/../../b", &[Oddity::ParentComponent]),
            ("a/..", &[Oddity::ParentComponent]),
            ("etc/\u{1b}[31mred", &[Oddity::ControlCharacter]),
        ];
        for (path, flags) in cases {
            let node = tree.get(path);
            let got: Option<Vec<Oddity>> = node.map(|n| n.oddities().iter().collect());
            assert_eq!(got.as_deref(), Some(*flags), "{path}");
        }
        assert!(tree.get("etc/passwd").is_none(), "`..` is not resolved");
        assert!(tree.get("b").is_none(), "`a/../../b` stays where it says");
        assert_eq!(
            tree.get("abs")
                .and_then(|n| n.entry())
                .map(|e| e.path.original()),
            Some("/abs")
        );
        assert_eq!(tree.list("a/../..").map(names).ok(), Some(vec!["b"]));
    }

    #[test]
    fn history_survives_removal() {
        let tree = sample();
        assert!(tree.get("etc/hosts").is_none());
        let changes: Vec<(usize, crate::merged::Change)> = tree
            .history("/etc/hosts")
            .iter()
            .map(|c| (c.layer, c.change))
            .collect();
        use crate::merged::Change::{Added, Removed};
        assert_eq!(changes, [(0, Added), (1, Removed)]);
        assert!(tree.history("never/seen").is_empty());
    }
}
