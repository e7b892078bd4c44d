//! Image facts derived from a manifest and its config, as Docker reports
//! them for a pulled image:
//!
//! - **ID** = the config's digest (`docker images` shows its first 12 hex).
//! - **Chain IDs** name each layer together with everything below it, as
//!   the OCI image spec defines them:
//!   `ChainID(L₀) = DiffID(L₀)`,
//!   `ChainID(L₀…Lₙ) = sha256(ChainID(L₀…Lₙ₋₁) + " " + DiffID(Lₙ))`,
//!   hashing the digests' string forms (`sha256:…`).
//! - **Size** = the compressed layer sizes plus the config size, i.e. the
//!   bytes a pull downloads for the image's manifest.
//! - **Created** = the config's `created`.

use time::OffsetDateTime;

use crate::config::ImageConfig;
use crate::digest::{Digest, Hasher};
use crate::manifest::ImageManifest;
use crate::platform::Platform;

/// What Docker shows about one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFacts {
    /// The image ID: the config digest.
    pub id: Digest,
    /// Compressed layers plus config, in bytes.
    pub size: u64,
    /// When the image was built, if the config says.
    pub created: Option<OffsetDateTime>,
    /// One chain ID per diff ID, base first.
    pub chain_ids: Vec<Digest>,
    /// The platform from the config.
    pub platform: Platform,
}

/// A manifest and a config that do not describe the same layers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The manifest's layer count differs from the config's diff ID count.
    #[error(
        "the manifest lists {layers} layers but its config lists {diff_ids} diff_ids; the image is inconsistent (re-push it)"
    )]
    LayerCountMismatch {
        /// Layers in the manifest.
        layers: usize,
        /// Diff IDs in the config's rootfs.
        diff_ids: usize,
    },
}

impl ImageFacts {
    /// The facts of the image `manifest` describes, given its parsed config.
    pub fn new(manifest: &ImageManifest, config: &ImageConfig) -> ImageFacts {
        ImageFacts {
            id: manifest.config.digest.clone(),
            size: total_size(manifest),
            created: config.created,
            chain_ids: chain_ids(&config.rootfs.diff_ids),
            platform: config.platform(),
        }
    }

    /// The short image ID (12 hex), as `docker images` prints it.
    pub fn short_id(&self) -> &str {
        self.id.short()
    }
}

/// The bytes a pull downloads: compressed layers plus the config.
pub fn total_size(manifest: &ImageManifest) -> u64 {
    manifest.layers_size().saturating_add(manifest.config.size)
}

/// The chain ID of every prefix of `diff_ids`, base first.
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = match out.last() {
            None => diff_id.clone(),
            Some(parent) => {
                let mut hasher = Hasher::sha256();
                hasher.update(parent.to_string().as_bytes());
                hasher.update(b" ");
                hasher.update(diff_id.to_string().as_bytes());
                hasher.finish()
            }
        };
        out.push(next);
    }
    out
}

/// Checks that the manifest has one layer per diff ID in the config (the
/// pairing the trust chain relies on to check each uncompressed layer).
pub fn check_layers(manifest: &ImageManifest, config: &ImageConfig) -> Result<(), ImageError> {
    let (layers, diff_ids) = (manifest.layers.len(), config.rootfs.diff_ids.len());
    if layers == diff_ids {
        Ok(())
    } else {
        Err(ImageError::LayerCountMismatch { layers, diff_ids })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;
    use crate::manifest::Manifest;

    const SCHEMA2: &str = include_str!("manifest/testdata/docker-schema2-manifest.json");
    const REDIS: &str = include_str!("config/testdata/redis-config.json");

    fn fixtures() -> (ImageManifest, ImageConfig) {
        let manifest = Manifest::from_slice(SCHEMA2.as_bytes(), None).unwrap();
        let config = ImageConfig::from_slice(REDIS.as_bytes()).unwrap();
        (manifest.as_image().unwrap().clone(), config)
    }

    fn digests(hex: &[&str]) -> Vec<Digest> {
        hex.iter()
            .map(|h| format!("sha256:{h}").parse().unwrap())
            .collect()
    }

    #[test]
    fn chain_ids_match_an_independent_computation() {
        // Expected values computed once with the shell:
        //   chain="sha256:$d1"; chain="sha256:$(printf '%s' "$chain sha256:$d2" | sha256sum | cut -c1-64)"; …
        let diff_ids = digests(&[
            "8b53639f152c8fc6ef30802fde462ba0be9cf085f7580dc69efd72e002abbb35",
            "e788103ee15318fcd2af9b73b4ebbb33a903b020de7b307d71f5fed0f433e548",
            "f451a61749c611ba0fa0e16c61831db44f38c611dff25879cf271a24c81a88b6",
            "af327a6478537246e0d9f0c589986d5f067d2e2351a1ca5a0a4962424da0e408",
            "25f682044b5badaff8b296bf6fd676214968b238fcff5559e64f38c88bb9790f",
            "79b98f273c175489f40b682a0e43f0b22aa3cc9cf2a578e163f291f13fc9f912",
        ]);
        let expected = digests(&[
            "8b53639f152c8fc6ef30802fde462ba0be9cf085f7580dc69efd72e002abbb35",
            "ec4a1f34a5b3f8cce98b4b328024c445699c3b75426415a485d08aeb1f683c75",
            "77b763683c7f066066254410439d66f1166946513faf28aa04e4067d7f4227c0",
            "c466b759fe31f68b2a203921bfc559a4536d9dc9d089573f71caab7d8bc774d1",
            "f74201c0927155dcdbd26a83d22cf615bee8b3222181f8816680f91fa40145a8",
            "cd0acb2b76dae2bfc9858a82fde64afed61e3bab16f8512757d1e22d92b45d85",
        ]);
        let cases: [(&[Digest], &[Digest]); 4] = [
            (&[], &[]),
            (&diff_ids[..1], &expected[..1]),
            (&diff_ids[..2], &expected[..2]),
            (&diff_ids, &expected),
        ];
        for (input, output) in cases {
            assert_eq!(chain_ids(input), output, "{} diff ids", input.len());
        }
    }

    #[test]
    fn facts_of_a_pulled_image() {
        let (manifest, config) = fixtures();
        let facts = ImageFacts::new(&manifest, &config);
        assert_eq!(facts.id, manifest.config.digest);
        assert_eq!(facts.short_id(), "e67d23e7820c");
        assert_eq!(
            facts.size,
            29_126_484 + 1079 + 1_206_876 + 10_936_592 + 98 + 576 + 7111
        );
        assert_eq!(
            facts.created,
            Some(datetime!(2024-04-10 19:52:11.471623187 UTC))
        );
        assert_eq!(facts.chain_ids.len(), 6);
        assert_eq!(
            facts.chain_ids[5].to_string(),
            "sha256:cd0acb2b76dae2bfc9858a82fde64afed61e3bab16f8512757d1e22d92b45d85"
        );
        assert_eq!(facts.platform.to_string(), "linux/amd64");
    }

    #[test]
    fn sizes() {
        let (mut manifest, _) = fixtures();
        let template = manifest.layers[0].clone();
        let cases = [
            (vec![], 10, 10),
            (vec![1, 2, 3], 10, 16),
            (vec![u64::MAX, 1], 10, u64::MAX),
        ];
        for (layers, config, expected) in cases {
            manifest.layers = layers
                .iter()
                .map(|&size| crate::manifest::Descriptor {
                    size,
                    ..template.clone()
                })
                .collect();
            manifest.config.size = config;
            assert_eq!(total_size(&manifest), expected, "{layers:?} + {config}");
        }
    }

    #[test]
    fn layer_counts_must_agree() {
        let (mut manifest, config) = fixtures();
        assert_eq!(check_layers(&manifest, &config), Ok(()));
        manifest.layers.pop();
        let err = check_layers(&manifest, &config);
        assert_eq!(
            err,
            Err(ImageError::LayerCountMismatch {
                layers: 5,
                diff_ids: 6
            })
        );
        assert!(
            err.err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .starts_with("the manifest lists 5 layers but its config lists 6 diff_ids")
        );
    }
}
