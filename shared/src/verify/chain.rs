//! The tree of things to verify for one image, flattened in display order.

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageManifest};
use crate::reference::Tag;

use super::state::{NodeState, Verdict};

/// What the verification started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A digest (a share link): the whole chain hangs from it.
    Digest(Digest),
    /// A tag: the registry chooses the digest, and trust starts there.
    Tag(Tag),
}

/// Names one node of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKey {
    /// The index the reference names.
    Index,
    /// The image manifest (the reference's own, or the index's chosen child).
    Manifest,
    /// The config blob.
    Config,
    /// The compressed bytes of layer `i` (0 is the base).
    Layer(usize),
    /// The uncompressed tar of layer `i`, checked against `rootfs.diff_ids[i]`.
    Diff(usize),
}

impl NodeKey {
    /// A stable id for the page and its tests: `index`, `manifest`,
    /// `config`, `layer-0`, `diff-0`.
    pub fn id(self) -> String {
        match self {
            NodeKey::Index => "index".to_owned(),
            NodeKey::Manifest => "manifest".to_owned(),
            NodeKey::Config => "config".to_owned(),
            NodeKey::Layer(i) => format!("layer-{i}"),
            NodeKey::Diff(i) => format!("diff-{i}"),
        }
    }

    /// How deep the node sits in the tree (for indentation).
    pub fn depth(self, has_index: bool) -> usize {
        let base = usize::from(has_index);
        match self {
            NodeKey::Index => 0,
            NodeKey::Manifest => base,
            NodeKey::Config | NodeKey::Layer(_) => base + 1,
            NodeKey::Diff(_) => base + 2,
        }
    }
}

/// One thing to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Which node this is.
    pub key: NodeKey,
    /// What it is, for the user (`image index`, `layer 2 (gzip)`).
    pub label: String,
    /// The digest the content must have, once known.
    pub expected: Option<Digest>,
    /// The size the content must have, when a descriptor says.
    pub size: Option<u64>,
    /// Where its verification stands.
    pub state: NodeState,
}

impl Node {
    fn new(key: NodeKey, label: String, expected: Option<Digest>, size: Option<u64>) -> Node {
        Node {
            key,
            label,
            expected,
            size,
            state: NodeState::Pending,
        }
    }
}

/// The whole chain of one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    origin: Origin,
    /// The digest the tag resolved to, when opened by tag.
    resolved: Option<Digest>,
    nodes: Vec<Node>,
}

impl Chain {
    /// A chain with only its top node: a manifest (or index, once known)
    /// named by the link's digest, or by nothing yet for a tag.
    pub fn new(origin: Origin) -> Chain {
        let expected = match &origin {
            Origin::Digest(d) => Some(d.clone()),
            Origin::Tag(_) => None,
        };
        let top = Node::new(NodeKey::Manifest, "manifest".to_owned(), expected, None);
        Chain {
            origin,
            resolved: None,
            nodes: vec![top],
        }
    }

    /// What verification started from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The digest of the top node: the link's, or the one the tag resolved to.
    pub fn top_digest(&self) -> Option<&Digest> {
        match &self.origin {
            Origin::Digest(d) => Some(d),
            Origin::Tag(_) => self.resolved.as_ref(),
        }
    }

    /// Records what a tag resolved to (the registry's `Docker-Content-Digest`,
    /// or the digest of the bytes it sent when it gave none); it becomes the
    /// top node's expected digest.
    pub fn resolve_tag(&mut self, digest: Digest) {
        if let Some(top) = self.nodes.first_mut() {
            top.expected = Some(digest.clone());
        }
        self.resolved = Some(digest);
    }

    /// The top node turned out to be an index: it becomes [`NodeKey::Index`],
    /// and the chosen platform's `child` descriptor becomes the manifest.
    pub fn top_is_index(&mut self, child: &Descriptor) {
        if let Some(top) = self.nodes.first_mut() {
            top.key = NodeKey::Index;
            top.label = "image index".to_owned();
        }
        let label = match &child.platform {
            Some(p) => format!("manifest for {p}"),
            None => "manifest".to_owned(),
        };
        self.nodes.push(Node::new(
            NodeKey::Manifest,
            label,
            Some(child.digest.clone()),
            Some(child.size),
        ));
    }

    /// Adds the config and layer nodes of a parsed (not yet trusted until
    /// its node is verified) image manifest. Diff nodes get their expected
    /// digest later, from the config ([`Chain::set_diff_ids`]).
    pub fn add_blobs(&mut self, manifest: &ImageManifest) {
        self.nodes.push(Node::new(
            NodeKey::Config,
            "config".to_owned(),
            Some(manifest.config.digest.clone()),
            Some(manifest.config.size),
        ));
        for (i, layer) in manifest.layers.iter().enumerate() {
            let compression = format!("{:?}", layer.media_type.compression()).to_lowercase();
            self.nodes.push(Node::new(
                NodeKey::Layer(i),
                format!("layer {i} ({compression})"),
                Some(layer.digest.clone()),
                Some(layer.size),
            ));
            self.nodes.push(Node::new(
                NodeKey::Diff(i),
                format!("layer {i} uncompressed"),
                None,
                None,
            ));
        }
    }

    /// Gives each diff node its expected digest from the verified config's
    /// `rootfs.diff_ids`. A layer with no diff ID fails its diff node; diff
    /// IDs with no layer are reported on the config node by the caller.
    pub fn set_diff_ids(&mut self, diff_ids: &[Digest]) {
        for node in &mut self.nodes {
            if let NodeKey::Diff(i) = node.key {
                match diff_ids.get(i) {
                    Some(d) => node.expected = Some(d.clone()),
                    None => {
                        node.state = NodeState::Failed {
                            message: format!(
                                "the config lists {} diff IDs, so layer {i} has none to check against",
                                diff_ids.len()
                            ),
                        }
                    }
                }
            }
        }
    }

    /// The nodes, in display order (a parent before its children).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Whether the top node is an index.
    pub fn has_index(&self) -> bool {
        self.get(NodeKey::Index).is_some()
    }

    /// One node.
    pub fn get(&self, key: NodeKey) -> Option<&Node> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// Sets one node's state (a missing node is ignored).
    pub fn set(&mut self, key: NodeKey, state: NodeState) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.key == key) {
            node.state = state;
        }
    }

    /// The verdict over every node.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.nodes.iter().map(|n| &n.state))
    }

    /// When opened by tag: the sentence that says where trust starts.
    pub fn trust_note(&self) -> Option<String> {
        let Origin::Tag(tag) = &self.origin else {
            return None;
        };
        Some(match &self.resolved {
            Some(d) => format!(
                "Opened by tag \"{tag}\": the registry chose {d}. Trust starts at that digest; everything below is checked against it. Share the link with the digest so that others check the same content."
            ),
            None => format!(
                "Opened by tag \"{tag}\": trust will start at the digest the tag resolves to."
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::manifest::Manifest;
    use crate::media_type::MediaType;
    use crate::platform::Platform;

    fn d(byte: u8) -> Digest {
        Digest::sha256_of(&[byte])
    }

    fn manifest() -> ImageManifest {
        let json = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d(1).to_string(), "size": 10},
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d(2).to_string(), "size": 20},
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": d(3).to_string(), "size": 30},
            ],
        });
        match Manifest::from_slice(json.to_string().as_bytes(), None) {
            Ok(Manifest::Image(m)) => *m,
            other => panic!("{other:?}"),
        }
    }

    fn ids(chain: &Chain) -> Vec<(String, usize)> {
        let has_index = chain.has_index();
        chain
            .nodes()
            .iter()
            .map(|n| (n.key.id(), n.key.depth(has_index)))
            .collect()
    }

    #[test]
    fn builds_the_tree_in_display_order() {
        let mut by_digest = Chain::new(Origin::Digest(d(9)));
        by_digest.add_blobs(&manifest());
        let mut by_index = Chain::new(Origin::Digest(d(9)));
        let mut child = Descriptor::new(MediaType::OciManifest, d(8), 99);
        child.platform = Some(Platform::new("linux", "amd64"));
        by_index.top_is_index(&child);
        by_index.add_blobs(&manifest());
        let cases: [(&Chain, &[(&str, usize)]); 2] = [
            (
                &by_digest,
                &[
                    ("manifest", 0),
                    ("config", 1),
                    ("layer-0", 1),
                    ("diff-0", 2),
                    ("layer-1", 1),
                    ("diff-1", 2),
                ],
            ),
            (
                &by_index,
                &[
                    ("index", 0),
                    ("manifest", 1),
                    ("config", 2),
                    ("layer-0", 2),
                    ("diff-0", 3),
                    ("layer-1", 2),
                    ("diff-1", 3),
                ],
            ),
        ];
        for (chain, want) in cases {
            let want: Vec<(String, usize)> =
                want.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect();
            assert_eq!(ids(chain), want);
        }
        let m = by_index.get(NodeKey::Manifest).expect("manifest");
        assert_eq!((m.expected.clone(), m.size), (Some(d(8)), Some(99)));
        assert_eq!(m.label, "manifest for linux/amd64");
        let l = by_index.get(NodeKey::Layer(1)).expect("layer");
        assert_eq!(
            (l.expected.clone(), l.size, l.label.as_str()),
            (Some(d(3)), Some(30), "layer 1 (zstd)")
        );
    }

    #[test]
    fn diff_ids_fill_or_fail_the_diff_nodes() {
        let mut chain = Chain::new(Origin::Digest(d(9)));
        chain.add_blobs(&manifest());
        chain.set_diff_ids(&[d(5)]);
        assert_eq!(
            chain.get(NodeKey::Diff(0)).and_then(|n| n.expected.clone()),
            Some(d(5))
        );
        assert_eq!(
            chain.get(NodeKey::Diff(1)).map(|n| n.state.name()),
            Some("failed")
        );
        assert_eq!(chain.verdict(), Verdict::Failed);
    }

    #[test]
    fn verdict_follows_the_nodes() {
        let mut chain = Chain::new(Origin::Digest(d(9)));
        chain.add_blobs(&manifest());
        assert_eq!(chain.verdict(), Verdict::InProgress);
        let keys: Vec<NodeKey> = chain.nodes().iter().map(|n| n.key).collect();
        for key in &keys {
            chain.set(*key, NodeState::Verified { digest: d(1) });
        }
        assert_eq!(chain.verdict(), Verdict::Verified);
        chain.set(
            NodeKey::Layer(1),
            NodeState::SkippedTooLarge { size: 1 << 30 },
        );
        assert_eq!(chain.verdict(), Verdict::Incomplete);
        chain.set(
            NodeKey::Config,
            NodeState::Mismatch {
                expected: d(1),
                actual: d(2),
            },
        );
        assert_eq!(chain.verdict(), Verdict::Failed);
    }

    #[test]
    fn trust_note_only_for_tags() {
        let tag: Tag = "latest".parse().expect("tag");
        let mut by_tag = Chain::new(Origin::Tag(tag));
        assert_eq!(by_tag.top_digest(), None);
        assert!(
            by_tag
                .trust_note()
                .is_some_and(|n| n.contains("will start"))
        );
        by_tag.resolve_tag(d(4));
        assert_eq!(by_tag.top_digest(), Some(&d(4)));
        assert_eq!(
            by_tag
                .get(NodeKey::Manifest)
                .and_then(|n| n.expected.clone()),
            Some(d(4))
        );
        let note = by_tag.trust_note().expect("note");
        assert!(note.contains(&d(4).to_string()), "{note}");
        assert!(note.contains("\"latest\""), "{note}");
        let by_digest = Chain::new(Origin::Digest(d(4)));
        assert_eq!(by_digest.trust_note(), None);
        assert_eq!(by_digest.top_digest(), Some(&d(4)));
    }
}
