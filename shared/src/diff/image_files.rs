//! [`ImageFiles`]: one image's merged tree, with the content digests of the
//! regular files whose layers were hashed as they were read
//! ([`TarParser::with_content_digests`](crate::merged::TarParser::with_content_digests)).
//!
//! A digest belongs to one entry of one layer, so it is kept by layer index
//! and entry offset; a node of the tree finds its own through the entry
//! that provides it.

use std::collections::HashMap;

use crate::digest::Digest;
use crate::merged::{LayerEntry, MergedNode, MergedTree};

/// A merged tree and the content digests known for its entries.
#[derive(Debug, Clone, Default)]
pub struct ImageFiles {
    tree: MergedTree,
    digests: HashMap<(usize, u64), Digest>,
}

impl ImageFiles {
    /// An empty filesystem.
    pub fn new() -> ImageFiles {
        ImageFiles::default()
    }

    /// `layers` applied bottom first, no content digests known.
    pub fn from_layers(layers: impl IntoIterator<Item = Vec<LayerEntry>>) -> ImageFiles {
        ImageFiles {
            tree: MergedTree::from_layers(layers),
            digests: HashMap::new(),
        }
    }

    /// Applies the next layer up, with its files' content digests (each
    /// entry's offset and digest; empty when not hashed).
    pub fn push_layer(&mut self, entries: Vec<LayerEntry>, digests: Vec<(u64, Digest)>) {
        let layer = self.tree.push_layer(entries);
        self.digests
            .extend(digests.into_iter().map(|(offset, d)| ((layer, offset), d)));
    }

    /// The merged tree.
    pub fn tree(&self) -> &MergedTree {
        &self.tree
    }

    /// The content digest of the entry that provides `node`, if known.
    pub fn digest_of(&self, node: MergedNode<'_>) -> Option<&Digest> {
        let (layer, entry) = (node.layer()?, node.entry()?);
        self.digests.get(&(layer, entry.offset))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn digests_follow_the_entry_that_provides_a_path() {
        let mut files = ImageFiles::new();
        let mut old = LayerEntry::file("etc/motd", 3);
        old.offset = 512;
        let mut new = LayerEntry::file("etc/motd", 4);
        new.offset = 512;
        let (d0, d1) = (Digest::sha256_of(b"old"), Digest::sha256_of(b"new!"));
        files.push_layer(
            vec![old, LayerEntry::file("etc/other", 1)],
            vec![(512, d0.clone())],
        );
        let digest = |files: &ImageFiles, path: &str| {
            files
                .tree()
                .get(path)
                .and_then(|n| files.digest_of(n))
                .cloned()
        };
        assert_eq!(digest(&files, "etc/motd"), Some(d0));
        assert_eq!(digest(&files, "etc/other"), None, "not hashed");
        files.push_layer(vec![new], vec![(512, d1.clone())]);
        assert_eq!(
            digest(&files, "etc/motd"),
            Some(d1),
            "the upper layer's entry"
        );
        assert_eq!(digest(&files, "etc"), None, "a directory has none");
    }
}
