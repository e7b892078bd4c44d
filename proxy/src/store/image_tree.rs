//! `images --tree`: each image by name with the platforms of the index it
//! was pulled from, read from the store; the shape and rendering are
//! `shared::image_tree`'s.

use std::collections::{BTreeMap, BTreeSet};

use shared::digest::Digest;
use shared::image_tree::{StoredPlatform, TreeImage, TreePlatform, index_platforms};
use shared::manifest::Manifest;

use super::disk_usage::UsageFacts;
use super::record::ImageRow;
use super::{Store, StoreError};

/// What the tree needs of one stored image: its stored bytes and content
/// size, pinned or not.
struct ImageBytes<'a> {
    facts: &'a UsageFacts,
}

impl ImageBytes<'_> {
    /// The image's blobs but its indexes, each once.
    fn blobs(&self, id: &Digest) -> BTreeSet<&Digest> {
        self.facts
            .uses
            .get(id)
            .into_iter()
            .flatten()
            .filter(|(role, _, _)| role != "index")
            .map(|(_, d, _)| d)
            .collect()
    }

    /// Stored bytes of `blobs`.
    fn stored(&self, blobs: &BTreeSet<&Digest>) -> u64 {
        blobs.iter().filter_map(|d| self.facts.stored.get(*d)).sum()
    }

    /// Compressed config and layers, as recorded (each once).
    fn content(&self, id: &Digest) -> u64 {
        let blobs: BTreeMap<&Digest, u64> = self
            .facts
            .uses
            .get(id)
            .into_iter()
            .flatten()
            .filter(|(role, _, _)| role == "config" || role == "layer")
            .map(|(_, d, size)| (d, *size))
            .collect();
        blobs.values().sum()
    }
}

impl Store {
    /// One [`TreeImage`] per tag (and one per dangling image), newest
    /// image first.
    pub fn image_tree(&self) -> Result<Vec<TreeImage>, StoreError> {
        let facts = self.usage_facts()?;
        let bytes = ImageBytes { facts: &facts };
        // Which image each manifest belongs to.
        let mut by_manifest: BTreeMap<&Digest, &ImageRow> = BTreeMap::new();
        let rows: BTreeMap<&Digest, &ImageRow> =
            facts.rows.iter().map(|r| (r.id.digest(), r)).collect();
        for (id, uses) in &facts.uses {
            for (role, digest, _) in uses {
                if let (true, Some(row)) = (role == "manifest", rows.get(id)) {
                    by_manifest.insert(digest, row);
                }
            }
        }
        let stored_platform = |manifest: &Digest| {
            by_manifest.get(manifest).map(|row| StoredPlatform {
                disk_usage: bytes.stored(&bytes.blobs(row.id.digest())),
                content_size: bytes.content(row.id.digest()),
                in_use: !row.pins.is_empty(),
            })
        };
        let mut tree = Vec::new();
        for row in &facts.rows {
            let record = match self.get(&row.id) {
                Ok(record) => record,
                // Removed since it was listed.
                Err(StoreError::NoSuchImage { .. }) => continue,
                Err(e) => return Err(e),
            };
            let index = match &record.index {
                Some(blob) => self.read_small(&blob.digest)?.and_then(|bytes| {
                    Manifest::from_slice(&bytes, Some(blob.media_type.as_str()))
                        .ok()
                        .and_then(|m| m.as_index().cloned())
                }),
                None => None,
            };
            let platforms: Vec<TreePlatform> = match &index {
                Some(index) => index_platforms(index, stored_platform),
                None => vec![TreePlatform {
                    platform: row.platform.to_string(),
                    manifest: row.manifest_digest.clone(),
                    stored: stored_platform(&row.manifest_digest),
                }],
            };
            // The image line: every stored platform, and the index, once.
            let mut blobs = bytes.blobs(row.id.digest());
            let mut content = BTreeSet::from([row.id.digest()]);
            for p in platforms.iter().filter(|p| p.stored.is_some()) {
                if let Some(other) = by_manifest.get(&p.manifest) {
                    blobs.extend(bytes.blobs(other.id.digest()));
                    content.insert(other.id.digest());
                }
            }
            if let Some(blob) = &record.index {
                blobs.insert(&blob.digest);
            }
            let names: Vec<String> = if row.repo_tags.is_empty() {
                vec!["<none>:<none>".to_owned()]
            } else {
                row.repo_tags.iter().map(|r| r.familiar()).collect()
            };
            for name in names {
                tree.push(TreeImage {
                    name,
                    id: row.id.digest().clone(),
                    disk_usage: bytes.stored(&blobs),
                    content_size: content.iter().map(|id| bytes.content(id)).sum(),
                    in_use: !row.pins.is_empty(),
                    platforms: platforms.clone(),
                });
            }
        }
        Ok(tree)
    }
}
