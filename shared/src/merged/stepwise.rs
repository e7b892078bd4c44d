//! [`LayerApply`]: applying one layer to a [`MergedTree`] a slice at a
//! time, so a page can give the event loop a turn between slices.
//!
//! The result is the one [`MergedTree::push_layer`] gives (the tests below
//! compare the two on the overlay rule cases and on random layers). The
//! work is split into stages, each made of units of about the same cost:
//!
//! | stage | unit |
//! | --- | --- |
//! | whiteout meanings | one entry |
//! | dive's waste tracking: leaves, then records | one entry, twice |
//! | whiteouts | one whiteout entry |
//! | entries | one entry |
//! | history | one touched path |
//! | sorting the changes | one change (runs of [`RUN`] sorted, then merged pairwise) |
//!
//! Between two calls of [`LayerApply::step`] the tree can be read (it
//! shows the layer partly applied) but must not be changed in any other
//! way: the next step checks that no other layer was pushed.

use super::analysis::WasteScan;
use super::apply::{Apply, record_change};
use super::arena::{LayerRecord, MergedTree, NodeId, ROOT};
use super::change::Change;
use super::entry::{LayerEntry, Whiteout};

/// Changes sorted at once before runs are merged.
pub const RUN: usize = 2048;

/// Where a [`LayerApply`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Meanings(usize),
    WasteLeaves(usize),
    WasteRecords(usize),
    Whiteouts(usize),
    Entries(usize),
    History(usize),
    SortRuns(usize),
    Merge { width: usize, at: usize },
    Done,
}

/// One layer being applied to a [`MergedTree`], in steps.
///
/// ```
/// use shared::merged::{LayerApply, LayerEntry, MergedTree};
///
/// let entries = vec![LayerEntry::file("etc/hosts", 20), LayerEntry::file("etc/passwd", 100)];
/// let mut tree = MergedTree::new();
/// let mut apply = LayerApply::new(&tree, entries);
/// while !apply.step(&mut tree, 1) {
///     // a page yields to its event loop here
/// }
/// assert_eq!(apply.finish(&mut tree), 0);
/// assert_eq!(tree.dir_size("etc"), Ok(120));
/// ```
#[derive(Debug)]
pub struct LayerApply {
    layer: usize,
    entries: Vec<LayerEntry>,
    meanings: Vec<Option<Whiteout>>,
    stage: Stage,
    touched: Vec<NodeId>,
    last_dir: (String, NodeId),
    changes: Vec<(NodeId, Change)>,
    waste: WasteScan,
}

impl LayerApply {
    /// Starts applying `entries` as the next layer up of `tree`.
    pub fn new(tree: &MergedTree, entries: Vec<LayerEntry>) -> Self {
        LayerApply {
            layer: tree.layer_count(),
            meanings: Vec::with_capacity(entries.len()),
            entries,
            stage: Stage::Meanings(0),
            touched: Vec::new(),
            last_dir: (String::new(), ROOT),
            changes: Vec::new(),
            waste: WasteScan::default(),
        }
    }

    /// The index the layer gets.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// How many entries the layer has.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Whether every stage is done (only [`Self::finish`] is left).
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Does about `budget` units of work (at least one) on `tree`; returns
    /// whether the layer is fully applied.
    ///
    /// # Panics
    /// If another layer was pushed onto `tree` since [`Self::new`].
    pub fn step(&mut self, tree: &mut MergedTree, budget: usize) -> bool {
        assert_eq!(
            tree.layer_count(),
            self.layer,
            "the tree changed while a layer was being applied to it"
        );
        let mut left = budget.max(1);
        while left > 0 && self.stage != Stage::Done {
            left = left.saturating_sub(self.advance(tree, left));
        }
        self.stage == Stage::Done
    }

    /// Does what is left and records the layer; returns its index.
    pub fn finish(mut self, tree: &mut MergedTree) -> usize {
        self.step(tree, usize::MAX);
        let content_size = self.entries.iter().map(LayerEntry::content_size).sum();
        tree.layers.push(LayerRecord {
            entries: self.entries,
            changes: self.changes,
            content_size,
        });
        self.layer
    }

    /// Works on the current stage, at most `budget` units; returns the
    /// units done (at least one, or the stage moves on).
    fn advance(&mut self, tree: &mut MergedTree, budget: usize) -> usize {
        let n = self.entries.len();
        match self.stage {
            Stage::Meanings(at) => {
                let end = at.saturating_add(budget).min(n);
                let more = self.entries[at..end].iter().map(LayerEntry::whiteout);
                self.meanings.extend(more);
                self.stage = if end == n {
                    Stage::WasteLeaves(0)
                } else {
                    Stage::Meanings(end)
                };
                (end - at).max(1)
            }
            Stage::WasteLeaves(at) => {
                let end = at.saturating_add(budget).min(n);
                self.waste.collect(&self.entries, &self.meanings, at..end);
                self.stage = if end == n {
                    Stage::WasteRecords(0)
                } else {
                    Stage::WasteLeaves(end)
                };
                (end - at).max(1)
            }
            Stage::WasteRecords(at) => {
                let end = at.saturating_add(budget).min(n);
                let mut tracker = std::mem::take(&mut tree.waste);
                let (entries, meanings) = (&self.entries, &self.meanings);
                self.waste
                    .record(&mut tracker, self.layer, entries, meanings, tree, at..end);
                self.stage = if end == n {
                    std::mem::take(&mut self.waste).finish(&mut tracker, self.layer);
                    tree.nodes.reserve(n);
                    tree.index.reserve(n);
                    Stage::Whiteouts(0)
                } else {
                    Stage::WasteRecords(end)
                };
                tree.waste = tracker;
                (end - at).max(1)
            }
            Stage::Whiteouts(at) => {
                let end = at.saturating_add(budget).min(n);
                let mut apply = self.apply(tree);
                for meaning in &self.meanings[at..end] {
                    match meaning {
                        Some(Whiteout::Remove { target }) => apply.remove(target.as_str()),
                        Some(Whiteout::Opaque { dir }) => apply.make_opaque(dir.as_str()),
                        Some(Whiteout::Ignored) | None => {}
                    }
                }
                self.keep(apply);
                self.stage = if end == n {
                    Stage::Entries(0)
                } else {
                    Stage::Whiteouts(end)
                };
                (end - at).max(1)
            }
            Stage::Entries(at) => {
                let end = at.saturating_add(budget).min(n);
                let mut apply = self.apply(tree);
                for index in at..end {
                    if self.meanings[index].is_none() {
                        apply.put(index, &self.entries[index]);
                    }
                }
                self.keep(apply);
                self.stage = if end == n {
                    self.changes.reserve(self.touched.len());
                    Stage::History(0)
                } else {
                    Stage::Entries(end)
                };
                (end - at).max(1)
            }
            Stage::History(at) => {
                let end = at.saturating_add(budget).min(self.touched.len());
                for id in &self.touched[at..end] {
                    self.changes.extend(record_change(tree, self.layer, *id));
                }
                self.stage = if end == self.touched.len() {
                    self.touched = Vec::new();
                    Stage::SortRuns(0)
                } else {
                    Stage::History(end)
                };
                (end - at).max(1)
            }
            Stage::SortRuns(at) => {
                let total = self.changes.len();
                let mut end = at;
                while end < total && end - at < budget {
                    let run_end = end.saturating_add(RUN).min(total);
                    let nodes = &tree.nodes;
                    self.changes[end..run_end]
                        .sort_unstable_by(|a, b| nodes[a.0].path.cmp(&nodes[b.0].path));
                    end = run_end;
                }
                self.stage = if end >= total {
                    Stage::Merge { width: RUN, at: 0 }
                } else {
                    Stage::SortRuns(end)
                };
                (end - at).max(1)
            }
            Stage::Merge { width, at } => {
                let total = self.changes.len();
                if width >= total {
                    self.stage = Stage::Done;
                    return 1;
                }
                let mut pair = at;
                while pair < total && pair - at < budget {
                    let mid = pair.saturating_add(width).min(total);
                    let end = pair.saturating_add(2 * width).min(total);
                    merge(&mut self.changes[pair..end], mid - pair, tree);
                    pair = end;
                }
                self.stage = if pair >= total {
                    Stage::Merge {
                        width: width * 2,
                        at: 0,
                    }
                } else {
                    Stage::Merge { width, at: pair }
                };
                (pair - at).max(1)
            }
            Stage::Done => 1,
        }
    }

    /// The overlay rules' state, borrowed for one slice.
    fn apply<'t>(&mut self, tree: &'t mut MergedTree) -> Apply<'t> {
        Apply {
            tree,
            layer: self.layer,
            touched: std::mem::take(&mut self.touched),
            last_dir: std::mem::take(&mut self.last_dir),
        }
    }

    /// Keeps the overlay rules' state for the next slice.
    fn keep(&mut self, apply: Apply<'_>) {
        self.touched = apply.touched;
        self.last_dir = apply.last_dir;
    }
}

/// Merges the sorted halves `changes[..mid]` and `changes[mid..]` by path.
fn merge(changes: &mut [(NodeId, Change)], mid: usize, tree: &MergedTree) {
    let nodes = &tree.nodes;
    let path = |c: &(NodeId, Change)| &nodes[c.0].path;
    if mid == 0 || mid >= changes.len() || path(&changes[mid - 1]) <= path(&changes[mid]) {
        return;
    }
    let mut merged = Vec::with_capacity(changes.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < changes.len() {
        if path(&changes[j]) < path(&changes[i]) {
            merged.push(changes[j]);
            j += 1;
        } else {
            merged.push(changes[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&changes[i..mid]);
    merged.extend_from_slice(&changes[j..]);
    changes.copy_from_slice(&merged);
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::merged::LayerEntry;

    /// Everything a tree shows: each visible node (path, layer, total size,
    /// history), each layer's changes, entry count and content size, the
    /// efficiency report.
    fn snapshot(tree: &MergedTree) -> String {
        let mut out = String::new();
        for node in std::iter::once(tree.root()).chain(tree.walk()) {
            out += &format!(
                "{:?} {:?} {} {} {:?}\n",
                node.path(),
                node.layer(),
                node.size(),
                node.total_size(),
                node.history()
            );
        }
        for n in 0..tree.layer_count() {
            if let Some(layer) = tree.layer(n) {
                let changes: Vec<_> = layer.changes().map(|c| (c.path, c.change)).collect();
                out += &format!(
                    "layer {n}: {} entries, {} bytes, {changes:?}\n",
                    layer.entries().len(),
                    layer.content_size()
                );
            }
        }
        out += &format!("{:?} {}", tree.efficiency(), tree.len());
        out
    }

    /// Applies `layers` with steps of `budget` units.
    fn stepped(layers: &[Vec<LayerEntry>], budget: usize) -> MergedTree {
        let mut tree = MergedTree::new();
        for layer in layers {
            let mut apply = LayerApply::new(&tree, layer.clone());
            let mut steps = 0;
            while !apply.step(&mut tree, budget) {
                steps += 1;
                assert!(steps < 1_000_000, "steps make progress");
            }
            assert!(apply.is_done());
            apply.finish(&mut tree);
        }
        tree
    }

    #[test]
    fn steps_give_what_push_layer_gives_on_the_overlay_cases() {
        for case in crate::merged::apply::tests::cases() {
            let whole = MergedTree::from_layers(case.layers.clone());
            for budget in [1, 2, 3, 7, 1000] {
                let tree = stepped(&case.layers, budget);
                assert_eq!(
                    snapshot(&tree),
                    snapshot(&whole),
                    "{} budget {budget}",
                    case.name
                );
            }
        }
    }

    #[test]
    fn changes_sort_across_many_runs() {
        // 3 × RUN + 5 paths, listed in reverse so every run and merge matters.
        let count = 3 * RUN + 5;
        let layer: Vec<LayerEntry> = (0..count)
            .rev()
            .map(|i| LayerEntry::file(&format!("d{}/f{i}", i % 7), 1))
            .collect();
        let layers = [layer.clone(), layer];
        let whole = MergedTree::from_layers(layers.clone());
        for budget in [1, 100, RUN + 1, usize::MAX] {
            assert_eq!(
                snapshot(&stepped(&layers, budget)),
                snapshot(&whole),
                "budget {budget}"
            );
        }
        let top = whole.layer(1).map(|l| l.changes().len());
        assert_eq!(
            top,
            Some(count),
            "every file modified, implied directories not"
        );
    }

    #[test]
    fn a_step_does_about_its_budget() {
        let layer: Vec<LayerEntry> = (0..10_000)
            .map(|i| LayerEntry::file(&format!("d{}/f{i}", i % 10), 1))
            .collect();
        let mut tree = MergedTree::new();
        let mut apply = LayerApply::new(&tree, layer);
        let mut steps = 0;
        while !apply.step(&mut tree, 500) {
            steps += 1;
        }
        // Meanings, the two waste passes, whiteouts, entries, history: 10,000
        // units each, 20 steps each; then the sort's runs and merges.
        assert!((120..=150).contains(&steps), "{steps} steps");
        assert_eq!(apply.finish(&mut tree), 0);
        assert_eq!(tree.len(), 10_010);
    }

    #[test]
    #[should_panic(expected = "the tree changed")]
    fn a_tree_changed_between_steps_is_refused() {
        let mut tree = MergedTree::new();
        let mut apply = LayerApply::new(&tree, vec![LayerEntry::file("a", 1)]);
        tree.push_layer(vec![LayerEntry::file("b", 1)]);
        apply.step(&mut tree, 1);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod random {
        use proptest::prelude::*;

        use super::{snapshot, stepped};
        use crate::merged::{LayerEntry, MergedTree};

        /// Entries over a small name space, so layers collide: files, dirs,
        /// symlinks, whiteouts and opaque markers.
        fn entry() -> impl Strategy<Value = LayerEntry> {
            let name = prop::sample::select(vec!["a", "b", "c", "a/b", "a/c", "b/a", "a/b/c"]);
            (0u8..6, name, 0u64..50).prop_map(|(kind, path, size)| {
                let (dir, last) = crate::merged::path::split_last(path);
                let sep = if dir.is_empty() { "" } else { "/" };
                match kind {
                    0 | 1 => LayerEntry::file(path, size),
                    2 => LayerEntry::dir(path),
                    3 => LayerEntry::symlink(path, "a"),
                    4 => LayerEntry::file(&format!("{dir}{sep}.wh.{last}"), 0),
                    _ => LayerEntry::file(&format!("{path}/.wh..wh..opq"), 0),
                }
            })
        }

        proptest! {
            #[test]
            fn stepping_equals_push_layer(
                layers in prop::collection::vec(prop::collection::vec(entry(), 0..25), 1..5),
                budget in 1usize..12,
            ) {
                let whole = MergedTree::from_layers(layers.clone());
                prop_assert_eq!(snapshot(&stepped(&layers, budget)), snapshot(&whole));
            }
        }
    }
}
