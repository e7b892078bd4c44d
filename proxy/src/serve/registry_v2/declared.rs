//! [`DeclaredSizes`]: the sizes the image manifests served through `/v2`
//! declare for their config and layers, so a blob fetch whose upstream
//! sends no `Content-Length` is cut at the size the image promised rather
//! than at `--max-blob-size`.
//!
//! A declared size is a cap, never a grant: it is not proof that the
//! repository holds the blob ([`super::access`] decides that), and a size
//! larger than `--max-blob-size` is still refused. It is kept per
//! repository, since a manifest of one repository says nothing about the
//! blobs of another, in memory and bounded: a forgotten size (after a
//! restart, or once the memory started afresh) falls back to
//! `--max-blob-size`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::reference::Reference;

/// Most `(repository, digest)` sizes remembered; when full, the memory
/// starts afresh.
const DECLARED_LIMIT: usize = 65_536;

/// Blob sizes declared by the image manifests served per repository.
#[derive(Debug, Default)]
pub struct DeclaredSizes {
    sizes: Mutex<HashMap<(String, Digest), u64>>,
}

impl DeclaredSizes {
    /// Notes the config and layer sizes of `manifest` (its bytes, as
    /// served for `repository`); an index or unreadable manifest declares
    /// no blob sizes.
    pub fn note(&self, repository: &Reference, bytes: &[u8], media_type: &str) {
        let Ok(Manifest::Image(image)) = Manifest::from_slice(bytes, Some(media_type)) else {
            return;
        };
        let name = repository.canonical_name();
        let mut sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        let declared = std::iter::once(&image.config).chain(image.layers.iter());
        for descriptor in declared {
            if sizes.len() >= DECLARED_LIMIT {
                sizes.clear();
            }
            sizes.insert((name.clone(), descriptor.digest.clone()), descriptor.size);
        }
    }

    /// The size a manifest served for `repository` declared for `digest`.
    pub fn size(&self, repository: &Reference, digest: &Digest) -> Option<u64> {
        self.sizes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(repository.canonical_name(), digest.clone()))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_manifest(config: &Digest, layer: &Digest) -> Vec<u8> {
        serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.to_string(), "size": 123},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer.to_string(), "size": 4567}],
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn sizes_are_per_repository_and_only_from_image_manifests() {
        let declared = DeclaredSizes::default();
        let a: Reference = "registry.example/team/a:v1".parse().expect("ref");
        let b: Reference = "registry.example/team/b".parse().expect("ref");
        let (config, layer) = (Digest::sha256_of(b"c"), Digest::sha256_of(b"l"));
        declared.note(
            &a,
            &image_manifest(&config, &layer),
            "application/vnd.oci.image.manifest.v1+json",
        );
        assert_eq!(declared.size(&a, &config), Some(123));
        assert_eq!(
            declared.size(&a.with_digest(Digest::sha256_of(b"m")), &layer),
            Some(4567),
            "a tag or digest on the name does not matter"
        );
        assert_eq!(declared.size(&b, &layer), None, "another repository");
        declared.note(
            &b,
            b"{not json",
            "application/vnd.oci.image.manifest.v1+json",
        );
        assert_eq!(declared.size(&b, &layer), None);
    }
}
