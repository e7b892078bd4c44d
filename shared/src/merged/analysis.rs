//! Dive-style image analysis: wasted bytes, efficiency score, largest files.
//!
//! Counted as dive (`filetree/efficiency.go`) counts them:
//! - each layer is read as its own tree, and only its leaves are visited
//!   (entries with nothing below them in that same layer); an opaque marker
//!   is not a node, aufs metadata is skipped;
//! - a leaf is keyed by its path; a whiteout `.wh.NAME` is keyed by the path
//!   it deletes;
//! - a leaf's size is its content size, except for a whiteout: the total
//!   size of the directory it deletes in the merged view of the layers
//!   below, or 0 when it deletes a file;
//! - per path, `cumulative` is the sum of the sizes seen and `min` the
//!   smallest; a path seen in two or more leaves is an [`Inefficiency`];
//! - wasted bytes = the sum of the inefficiencies' cumulative sizes (the
//!   copy still visible included, as dive reports it);
//! - efficiency = Σ min / Σ cumulative over all paths, or 1 when nothing
//!   was seen.
//!
//! Where dive errs, this does not: a whiteout of a path that does not exist
//! below counts 0 (dive aborts that layer's walk), and the layers below
//! are merged with opaque directories applied (dive ignores them).

use std::collections::{HashMap, HashSet};

use super::arena::MergedTree;
use super::entry::{EntryKind, LayerEntry, Whiteout};
use super::view::MergedNode;
use super::waste::WasteTracker;

/// One path seen in more than one layer (or removed by one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inefficiency {
    /// The normalised path.
    pub path: String,
    /// Sum of the sizes seen for it, the visible copy included.
    pub cumulative_size: u64,
    /// The layers it appears in, bottom first (a layer may repeat when it
    /// holds both the path and its whiteout).
    pub layers: Vec<usize>,
}

/// The efficiency report of an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Efficiency {
    /// Σ min / Σ cumulative, from 0 to 1 (1 when nothing is duplicated).
    pub score: f64,
    /// Sum of the inefficiencies' cumulative sizes.
    pub wasted_bytes: u64,
    /// Sum of every layer's content size.
    pub image_bytes: u64,
    /// Sum of the content sizes of the layers above the bottom one.
    pub user_bytes: u64,
    /// The duplicated or removed paths, largest cumulative size first.
    pub inefficiencies: Vec<Inefficiency>,
}

impl Efficiency {
    /// Wasted bytes as a fraction of the bytes above the bottom layer (dive's
    /// "wasted user percent"), or `None` when those layers hold no bytes.
    pub fn wasted_user_fraction(&self) -> Option<f64> {
        (self.user_bytes > 0).then(|| self.wasted_bytes as f64 / self.user_bytes as f64)
    }
}

impl WasteTracker {
    /// Records the leaves of `entries`, whose whiteout meanings are
    /// `meanings`; `below` is the merged view of the layers under this one.
    pub(super) fn observe(
        &mut self,
        layer: usize,
        entries: &[LayerEntry],
        meanings: &[Option<Whiteout>],
        below: &MergedTree,
    ) {
        let mut leaves: HashMap<&str, (&LayerEntry, &Option<Whiteout>)> =
            HashMap::with_capacity(entries.len());
        let mut marker_dirs = Vec::new();
        for (entry, meaning) in entries.iter().zip(meanings) {
            match meaning {
                Some(Whiteout::Opaque { .. }) => {
                    marker_dirs.push(entry.path.parent().unwrap_or_default())
                }
                Some(Whiteout::Ignored) => {}
                Some(Whiteout::Remove { .. }) | None => {
                    leaves.insert(entry.path.as_str(), (entry, meaning));
                }
            }
        }
        let mut inner: HashSet<&str> = HashSet::new();
        for path in leaves.keys() {
            let mut at = *path;
            while let Some(slash) = at.rfind('/') {
                at = &at[..slash];
                if !inner.insert(at) {
                    break;
                }
            }
        }
        for (path, (entry, meaning)) in &leaves {
            if path.is_empty() || inner.contains(path) {
                continue;
            }
            match meaning {
                Some(Whiteout::Remove { target }) => {
                    let deleted = below.get(target.as_str()).filter(MergedNode::is_dir);
                    let size = deleted.map_or(0, |dir| dir.total_size());
                    self.record(target.as_str(), size, layer);
                }
                _ => self.record(path, entry.content_size(), layer),
            }
        }
        for dir in marker_dirs {
            if !(dir.is_empty() || leaves.contains_key(dir) || inner.contains(dir)) {
                self.record(dir, 0, layer);
            }
        }
    }
}

/// [`WasteTracker::observe`] in slices, for [`super::LayerApply`]: the same
/// leaves recorded with the same sizes, in two passes over the entries
/// (first the leaves and their ancestors, then the records), each of which
/// can stop after any entry. The tree must stay the view below the layer
/// until [`WasteScan::finish`].
#[derive(Debug, Default)]
pub(super) struct WasteScan {
    /// Each leaf path and the index of its last entry (that one counts).
    leaves: HashMap<Box<str>, usize>,
    /// Every proper ancestor of a leaf.
    inner: HashSet<Box<str>>,
    /// Directories holding an opaque marker.
    marker_dirs: Vec<Box<str>>,
}

impl WasteScan {
    /// First pass, entries `range` (in order, `entries[i]` meaning `meanings[i]`).
    pub(super) fn collect(
        &mut self,
        entries: &[LayerEntry],
        meanings: &[Option<Whiteout>],
        range: std::ops::Range<usize>,
    ) {
        for index in range {
            match &meanings[index] {
                Some(Whiteout::Opaque { .. }) => {
                    let dir = entries[index].path.parent().unwrap_or_default();
                    self.marker_dirs.push(dir.into());
                }
                Some(Whiteout::Ignored) => {}
                Some(Whiteout::Remove { .. }) | None => {
                    let path = entries[index].path.as_str();
                    self.leaves.insert(path.into(), index);
                    let mut at = path;
                    while let Some(slash) = at.rfind('/') {
                        at = &at[..slash];
                        if self.inner.contains(at) {
                            break;
                        }
                        self.inner.insert(at.into());
                    }
                }
            }
        }
    }

    /// Second pass, entries `range`: records the leaves into `tracker`.
    pub(super) fn record(
        &self,
        tracker: &mut WasteTracker,
        layer: usize,
        entries: &[LayerEntry],
        meanings: &[Option<Whiteout>],
        below: &MergedTree,
        range: std::ops::Range<usize>,
    ) {
        for index in range {
            let path = entries[index].path.as_str();
            if self.leaves.get(path) != Some(&index) || path.is_empty() || self.inner.contains(path)
            {
                continue;
            }
            match &meanings[index] {
                Some(Whiteout::Remove { target }) => {
                    let deleted = below.get(target.as_str()).filter(MergedNode::is_dir);
                    let size = deleted.map_or(0, |dir| dir.total_size());
                    tracker.record(target.as_str(), size, layer);
                }
                _ => tracker.record(path, entries[index].content_size(), layer),
            }
        }
    }

    /// The opaque directories that are no leaf's ancestor count as leaves.
    pub(super) fn finish(self, tracker: &mut WasteTracker, layer: usize) {
        for dir in self.marker_dirs {
            let dir: &str = &dir;
            if !(dir.is_empty() || self.leaves.contains_key(dir) || self.inner.contains(dir)) {
                tracker.record(dir, 0, layer);
            }
        }
    }
}

impl MergedTree {
    /// The dive-style efficiency report of the layers applied so far.
    pub fn efficiency(&self) -> Efficiency {
        let (mut minimum, mut discovered) = (0u64, 0u64);
        let mut inefficiencies = Vec::new();
        for (path, seen) in &self.waste.paths {
            minimum = minimum.saturating_add(seen.min);
            discovered = discovered.saturating_add(seen.cumulative);
            if seen.layers.len() > 1 {
                inefficiencies.push(Inefficiency {
                    path: path.to_string(),
                    cumulative_size: seen.cumulative,
                    layers: seen.layers.clone(),
                });
            }
        }
        inefficiencies.sort_unstable_by(|a, b| {
            (b.cumulative_size, &a.path).cmp(&(a.cumulative_size, &b.path))
        });
        let score = if discovered == 0 {
            1.0
        } else {
            minimum as f64 / discovered as f64
        };
        let sizes: Vec<u64> = self.layers.iter().map(|l| l.content_size).collect();
        Efficiency {
            score,
            wasted_bytes: inefficiencies.iter().map(|i| i.cumulative_size).sum(),
            image_bytes: sizes.iter().sum(),
            user_bytes: sizes.iter().skip(1).sum(),
            inefficiencies,
        }
    }

    /// The `n` largest regular files of the merged view, largest first
    /// (ties by path).
    pub fn largest_files(&self, n: usize) -> Vec<MergedNode<'_>> {
        let mut files: Vec<MergedNode<'_>> = self
            .walk()
            .filter(|node| node.entry().is_some_and(|e| e.kind == EntryKind::File))
            .collect();
        let order = |a: &MergedNode<'_>, b: &MergedNode<'_>| {
            (b.size(), a.path()).cmp(&(a.size(), b.path()))
        };
        if n < files.len() {
            files.select_nth_unstable_by(n, order);
            files.truncate(n);
        }
        files.sort_unstable_by(order);
        files
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn f(path: &str, size: u64) -> LayerEntry {
        LayerEntry::file(path, size)
    }

    struct Case {
        name: &'static str,
        layers: Vec<Vec<LayerEntry>>,
        /// Σ min / Σ cumulative, as a fraction.
        score: (u64, u64),
        wasted: u64,
        inefficiencies: &'static [(&'static str, u64, &'static [usize])],
    }

    #[test]
    fn efficiency_table() {
        let cases = vec![
            Case {
                name: "dive's own example, with the directory entry a real layer has",
                layers: vec![
                    vec![
                        LayerEntry::dir("etc/nginx"),
                        f("etc/nginx/nginx.conf", 2000),
                        f("etc/nginx/public", 3000),
                    ],
                    vec![f("etc/nginx/nginx.conf", 5000), f("etc/athing", 10000)],
                    vec![f("etc/.wh.nginx", 0)],
                ],
                score: (2000 + 3000 + 10000 + 8000, 7000 + 3000 + 10000 + 8000),
                wasted: 7000,
                inefficiencies: &[("etc/nginx/nginx.conf", 7000, &[0, 1])],
            },
            Case {
                name: "the tutorial: file 5 overwritten",
                layers: vec![
                    vec![f("file1", 10), f("file2", 20), f("file3", 30)],
                    vec![f("file4", 40), f("file5", 50), f("file6", 60)],
                    vec![f("file5", 70)],
                ],
                score: (210, 280),
                wasted: 120,
                inefficiencies: &[("file5", 120, &[1, 2])],
            },
            Case {
                name: "a deleted file wastes its size",
                layers: vec![vec![f("a", 100), f("b", 300)], vec![f(".wh.a", 0)]],
                score: (300, 400),
                wasted: 100,
                inefficiencies: &[("a", 100, &[0, 1])],
            },
            Case {
                name: "a deleted directory counts once, as in dive",
                layers: vec![
                    vec![LayerEntry::dir("d"), f("d/x", 40), f("d/y", 60)],
                    vec![f(".wh.d", 0)],
                ],
                score: (200, 200),
                wasted: 0,
                inefficiencies: &[],
            },
            Case {
                name: "largest first, ties by path; empty directories are leaves",
                layers: vec![
                    vec![f("b", 5), f("a", 5), f("big", 50), LayerEntry::dir("empty")],
                    vec![f("b", 5), f("a", 5), f("big", 1), LayerEntry::dir("empty")],
                ],
                score: (5 + 5 + 1, 10 + 10 + 51),
                wasted: 71,
                inefficiencies: &[
                    ("big", 51, &[0, 1]),
                    ("a", 10, &[0, 1]),
                    ("b", 10, &[0, 1]),
                    ("empty", 0, &[0, 1]),
                ],
            },
            Case {
                name: "whiteout of nothing counts 0",
                layers: vec![vec![f("a", 8)], vec![f(".wh.ghost", 0)]],
                score: (8, 8),
                wasted: 0,
                inefficiencies: &[],
            },
            Case {
                name: "scratch image",
                layers: vec![vec![f("nothing", 0)]],
                score: (1, 1),
                wasted: 0,
                inefficiencies: &[],
            },
            Case {
                name: "no layers",
                layers: vec![],
                score: (1, 1),
                wasted: 0,
                inefficiencies: &[],
            },
        ];
        for case in cases {
            let report = MergedTree::from_layers(case.layers).efficiency();
            let expected = case.score.0 as f64 / case.score.1 as f64;
            assert!(
                (report.score - expected).abs() < 1e-12,
                "{}: score {}",
                case.name,
                report.score
            );
            assert_eq!(report.wasted_bytes, case.wasted, "{}", case.name);
            let got: Vec<(&str, u64, &[usize])> = report
                .inefficiencies
                .iter()
                .map(|i| (i.path.as_str(), i.cumulative_size, i.layers.as_slice()))
                .collect();
            assert_eq!(got, case.inefficiencies, "{}", case.name);
        }
    }

    #[test]
    fn image_and_user_bytes() {
        let tree = MergedTree::from_layers([
            vec![f("base", 1000), LayerEntry::symlink("l", "base")],
            vec![f("base", 500), f("app", 1500)],
        ]);
        let report = tree.efficiency();
        assert_eq!(
            (report.image_bytes, report.user_bytes, report.wasted_bytes),
            (3000, 2000, 1500)
        );
        assert_eq!(report.wasted_user_fraction(), Some(0.75));
        assert_eq!(MergedTree::new().efficiency().wasted_user_fraction(), None);
    }

    #[test]
    fn largest_files_table() {
        let tree = MergedTree::from_layers([
            vec![
                f("a", 10),
                f("b/c", 30),
                f("d", 20),
                f("e", 30),
                LayerEntry::hardlink("h", "b/c"),
            ],
            vec![f("d", 40), f(".wh.a", 0)],
        ]);
        let cases: &[(usize, &[(&str, u64)])] = &[
            (0, &[]),
            (1, &[("d", 40)]),
            (3, &[("d", 40), ("b/c", 30), ("e", 30)]),
            (10, &[("d", 40), ("b/c", 30), ("e", 30)]),
        ];
        for (n, expected) in cases {
            let got: Vec<(&str, u64)> = tree
                .largest_files(*n)
                .iter()
                .map(|f| (f.path(), f.size()))
                .collect();
            assert_eq!(got, *expected, "n = {n}");
        }
    }
}
