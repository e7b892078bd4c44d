//! [`LayerDiff`]: the two images' layers side by side, and which of them a
//! diff has to read ([`LayerDiff::reads`]).
//!
//! Layers are matched by position: layer `i` of A and layer `i` of B are
//! shared when their digests are equal. The run of shared layers from the
//! bottom (the [`shared prefix`](LayerDiff::shared_prefix)) builds the same
//! merged tree on both sides, so a diff reads it once, clones the tree, and
//! applies only each side's own layers on top. Reading the shared prefix
//! once is the floor: a path changed on one side only is compared with the
//! shared layers' version of it, which only reading them gives. Above the
//! prefix, a layer is read once per side even when the other side has it
//! too (at another position, or above a differing layer): the trees below
//! it differ.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::manifest::Descriptor;

/// One layer as the diff shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSummary {
    /// The blob's digest.
    pub digest: Digest,
    /// The blob's (compressed) size.
    pub size: u64,
}

/// Layer `index` of each image, when the image has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRow {
    /// Position, bottom layer 0.
    pub index: usize,
    /// Image A's layer at this position.
    pub a: Option<LayerSummary>,
    /// Image B's layer at this position.
    pub b: Option<LayerSummary>,
    /// Both images have the same layer (by digest) here.
    pub shared: bool,
}

/// Which layers of the two images are the same, position by position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDiff {
    /// How many layers from the bottom both images share (by digest).
    pub shared_prefix: usize,
    /// One row per position, up to the taller image's top layer.
    pub rows: Vec<LayerRow>,
}

/// What a diff reads: the shared prefix once, then each side's own layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    /// Layers `0..shared` (of either image: they are the same) build the
    /// tree both sides start from.
    pub shared: usize,
    /// Image A's layers from `shared` up to this count go on A's copy.
    pub a_layers: usize,
    /// Image B's layers from `shared` up to this count go on B's copy.
    pub b_layers: usize,
}

impl LayerDiff {
    /// Compares the layer lists `a` and `b` (base first).
    pub fn new(a: &[Descriptor], b: &[Descriptor]) -> LayerDiff {
        let summary = |d: &Descriptor| LayerSummary {
            digest: d.digest.clone(),
            size: d.size,
        };
        let rows: Vec<LayerRow> = (0..a.len().max(b.len()))
            .map(|index| {
                let (a, b) = (a.get(index).map(summary), b.get(index).map(summary));
                let shared = matches!((&a, &b), (Some(a), Some(b)) if a.digest == b.digest);
                LayerRow {
                    index,
                    a,
                    b,
                    shared,
                }
            })
            .collect();
        let shared_prefix = rows.iter().take_while(|r| r.shared).count();
        LayerDiff {
            shared_prefix,
            rows,
        }
    }

    /// How many positions hold the same layer in both images (the shared
    /// prefix and any shared layer above it).
    pub fn shared_count(&self) -> usize {
        self.rows.iter().filter(|r| r.shared).count()
    }

    /// Whether each position holds the same blob in both images, for
    /// [`diff_trees`](super::diff_trees).
    pub fn same_positions(&self) -> Vec<bool> {
        self.rows.iter().map(|r| r.shared).collect()
    }

    /// Which layers a file diff reads (see the module doc).
    pub fn reads(&self) -> Reads {
        let count = |side: fn(&LayerRow) -> bool| self.rows.iter().filter(|r| side(r)).count();
        Reads {
            shared: self.shared_prefix,
            a_layers: count(|r| r.a.is_some()),
            b_layers: count(|r| r.b.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::media_type::MediaType;

    fn layers(names: &str) -> Vec<Descriptor> {
        names
            .chars()
            .map(|c| {
                let digest = Digest::sha256_of(c.to_string().as_bytes());
                Descriptor::new(MediaType::OciLayerGzip, digest, u64::from(c))
            })
            .collect()
    }

    #[test]
    fn shared_prefix_table() {
        // (A's layers, B's layers, shared prefix, shared positions, reads)
        let cases = [
            ("abc", "abc", 3, 3, (3, 3, 3)),
            ("abc", "abd", 2, 2, (2, 3, 3)),
            ("abc", "xbc", 0, 2, (0, 3, 3)),
            ("ab", "abcd", 2, 2, (2, 2, 4)),
            ("", "a", 0, 0, (0, 0, 1)),
            ("abc", "acb", 1, 1, (1, 3, 3)),
            ("", "", 0, 0, (0, 0, 0)),
        ];
        for (a, b, prefix, shared, (reads_shared, reads_a, reads_b)) in cases {
            let diff = LayerDiff::new(&layers(a), &layers(b));
            assert_eq!(diff.shared_prefix, prefix, "{a} vs {b}");
            assert_eq!(diff.shared_count(), shared, "{a} vs {b}");
            assert_eq!(diff.rows.len(), a.len().max(b.len()), "{a} vs {b}");
            let reads = Reads {
                shared: reads_shared,
                a_layers: reads_a,
                b_layers: reads_b,
            };
            assert_eq!(diff.reads(), reads, "{a} vs {b}");
        }
    }

    #[test]
    fn rows_name_each_side() {
        let diff = LayerDiff::new(&layers("ab"), &layers("a"));
        assert!(diff.rows[0].shared);
        assert_eq!(diff.rows[1].b, None);
        assert_eq!(
            diff.rows[1].a.as_ref().map(|l| l.size),
            Some(u64::from('b'))
        );
    }
}
