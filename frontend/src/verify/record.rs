//! The trust chain's manifest and config nodes, from an image walk: what
//! the walk verified is verified, and the document it stopped at takes the
//! state its failure earned (a digest or size mismatch, too large, failed).

use shared::digest::Digest;
use shared::manifest::{Descriptor, ImageManifest};
use shared::media_type::MediaType;
use shared::verify::{Chain, NodeKey, NodeState};
use shared::walk::{Part, WalkError};

use crate::load::{LoadError, Loaded};

/// Records `loaded` in `chain`. Returns the verified image manifest, whose
/// layers are still to check, if the walk got that far.
pub fn record(loaded: &Loaded, chain: &mut Chain) -> Option<ImageManifest> {
    if let Some(resolved) = &loaded.resolved {
        chain.resolve_tag(resolved.clone());
    }
    let walk = &loaded.walk;
    if let Some((doc, _)) = walk.index() {
        // The top node is the index: verified, with the chosen entry below.
        chain.set(NodeKey::Manifest, verified(&doc.digest));
        let child = walk
            .chosen()
            .cloned()
            .unwrap_or_else(|| Descriptor::new(MediaType::OciManifest, doc.digest.clone(), 0));
        chain.top_is_index(&child);
    }
    if let Some((doc, manifest)) = walk.manifest() {
        chain.set(NodeKey::Manifest, verified(&doc.digest));
        chain.add_blobs(manifest);
    }
    if let Some((doc, config)) = walk.config() {
        chain.set(NodeKey::Config, verified(&doc.digest));
        chain.set_diff_ids(&config.rootfs.diff_ids);
    }
    if let Some(failure) = &loaded.failure {
        let key = node_of(failure, chain.has_index());
        chain.set(key, state_of(failure));
        if walk.manifest().is_some() && walk.config().is_none() {
            let reason = match failure {
                LoadError::Walk(WalkError::TooLarge { .. }) => "the config was too large to read",
                _ => "the config, which lists the diff IDs, did not verify",
            };
            for i in 0..chain.nodes().len() {
                chain.set(
                    NodeKey::Diff(i),
                    NodeState::NotChecked {
                        reason: reason.to_owned(),
                    },
                );
            }
        }
    }
    walk.manifest().map(|(_, manifest)| manifest.clone())
}

fn verified(digest: &Digest) -> NodeState {
    NodeState::Verified {
        digest: digest.clone(),
    }
}

/// The node a failure belongs to.
fn node_of(failure: &LoadError, has_index: bool) -> NodeKey {
    match failure {
        // No entry to take: the (placeholder) platform manifest fails, the
        // index itself verified.
        LoadError::Walk(WalkError::NoPlatform(_)) => NodeKey::Manifest,
        // The config's diff IDs do not fit the layers: the config says so.
        LoadError::Walk(WalkError::Layers { .. }) => NodeKey::Config,
        _ => match failure.part() {
            Some(Part::Index) if has_index => NodeKey::Index,
            Some(Part::Config) => NodeKey::Config,
            _ => NodeKey::Manifest,
        },
    }
}

/// The state a failure earns its node.
fn state_of(failure: &LoadError) -> NodeState {
    match failure {
        LoadError::Walk(WalkError::Verify { source, .. }) => {
            NodeState::from_result(Err(source.clone()))
        }
        LoadError::Walk(WalkError::TooLarge {
            part: Part::Config,
            size,
            ..
        }) => NodeState::SkippedTooLarge { size: *size },
        other => NodeState::Failed {
            message: other.to_string(),
        },
    }
}
