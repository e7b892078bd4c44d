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

use super::entry::{EntryKind, LayerEntry, Whiteout};
use super::tree::{MergedNode, MergedTree};

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

#[derive(Debug, Clone)]
struct PathWaste {
    cumulative: u64,
    min: u64,
    layers: Vec<usize>,
}

/// Per-path sizes seen so far, fed one layer at a time.
#[derive(Debug, Clone, Default)]
pub(super) struct WasteTracker {
    paths: HashMap<Box<str>, PathWaste>,
}

impl WasteTracker {
    /// Records the leaves of `entries`; `below` is the merged view of the
    /// layers under this one.
    pub(super) fn observe(&mut self, layer: usize, entries: &[LayerEntry], below: &MergedTree) {
        let mut leaves: HashMap<&str, &LayerEntry> = HashMap::with_capacity(entries.len());
        let mut marker_dirs = Vec::new();
        for entry in entries {
            match entry.whiteout() {
                Some(Whiteout::Opaque { .. }) => marker_dirs.push(entry.path.parent().unwrap_or_default()),
                Some(Whiteout::Ignored) => {}
                Some(Whiteout::Remove { .. }) | None => {
                    leaves.insert(entry.path.as_str(), entry);
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
        for (path, entry) in &leaves {
            if path.is_empty() || inner.contains(path) {
                continue;
            }
            match entry.whiteout() {
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

    fn record(&mut self, path: &str, size: u64, layer: usize) {
        let seen = self.paths.entry(path.into()).or_insert(PathWaste {
            cumulative: 0,
            min: size,
            layers: Vec::new(),
        });
        seen.cumulative = seen.cumulative.saturating_add(size);
        seen.min = seen.min.min(size);
        seen.layers.push(layer);
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
