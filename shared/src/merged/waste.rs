//! [`WasteTracker`]: the sizes seen of each path, layer after layer, that
//! dive's efficiency is computed from. A [`MergedTree`](super::MergedTree)
//! keeps one; `analysis` decides what to record and reads the result.

use std::collections::HashMap;

/// What was seen of one path.
#[derive(Debug, Clone)]
pub(super) struct PathWaste {
    /// Sum of the sizes seen.
    pub(super) cumulative: u64,
    /// The smallest size seen.
    pub(super) min: u64,
    /// The layers it was seen in, bottom first.
    pub(super) layers: Vec<usize>,
}

/// Per-path sizes seen so far, fed one layer at a time.
#[derive(Debug, Clone, Default)]
pub(super) struct WasteTracker {
    pub(super) paths: HashMap<Box<str>, PathWaste>,
}

impl WasteTracker {
    /// Adds one sighting of `path` with `size` in `layer`.
    pub(super) fn record(&mut self, path: &str, size: u64, layer: usize) {
        if let Some(seen) = self.paths.get_mut(path) {
            seen.cumulative = seen.cumulative.saturating_add(size);
            seen.min = seen.min.min(size);
            seen.layers.push(layer);
        } else {
            let seen = PathWaste {
                cumulative: size,
                min: size,
                layers: vec![layer],
            };
            self.paths.insert(path.into(), seen);
        }
    }
}
