//! The image page's facts for an image read through `/v2` (not from the
//! store): the same [`ImageDetail`] the store answers, with no tags, pins
//! or sharing, since nothing local names or holds it.

use crate::api::{ImageDetail, ImageInspect, LayerDetail, history_rows};
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::ImageManifest;

/// The detail of the image `manifest_digest` names, from its manifest and config.
pub fn detail_from_registry(
    manifest_digest: &Digest,
    manifest: &ImageManifest,
    config: &ImageConfig,
) -> ImageDetail {
    let id = &manifest.config.digest;
    let inspect = ImageInspect::new(id, config, &[], &[], None);
    let layers = manifest
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| LayerDetail {
            digest: l.digest.clone(),
            size: l.size,
            unpacked_size: None,
            media_type: l.media_type.as_str().to_owned(),
            diff_id: config.rootfs.diff_ids.get(i).cloned(),
            shared_with: Vec::new(),
        })
        .collect();
    ImageDetail {
        inspect,
        manifest_digest: manifest_digest.clone(),
        history: history_rows(id, manifest, config, &[]),
        layers,
        pins: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn facts_come_from_the_manifest_and_config() {
        let (a, b, c) = (
            format!("sha256:{}", "a".repeat(64)),
            format!("sha256:{}", "b".repeat(64)),
            format!("sha256:{}", "c".repeat(64)),
        );
        let manifest: ImageManifest = serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": a, "size": 100},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": b, "size": 1000}],
        }))
        .expect("manifest");
        let config = ImageConfig::from_slice(
            serde_json::json!({
                "architecture": "arm64", "variant": "v8", "os": "linux",
                "config": {"User": "app", "Labels": {"x": "<b>"}},
                "rootfs": {"type": "layers", "diff_ids": [c]},
                "history": [{"created_by": "ADD x /"}, {"created_by": "USER app", "empty_layer": true}],
            })
            .to_string()
            .as_bytes(),
        )
        .expect("config");
        let manifest_digest: Digest = c.parse().expect("digest");
        let d = detail_from_registry(&manifest_digest, &manifest, &config);
        assert_eq!(d.manifest_digest, manifest_digest);
        assert_eq!(d.inspect.id.to_string(), a);
        assert_eq!(d.inspect.size, None, "unknown until the layers are read");
        assert_eq!(
            (d.inspect.os.as_str(), d.inspect.architecture.as_str()),
            ("linux", "arm64")
        );
        assert_eq!(d.inspect.config.user.as_deref(), Some("app"));
        assert!(d.inspect.repo_tags.is_empty() && d.pins.is_empty());
        assert_eq!(d.layers.len(), 1);
        assert_eq!(
            d.layers[0].media_type,
            "application/vnd.oci.image.layer.v1.tar+zstd"
        );
        assert_eq!(
            d.layers[0].diff_id.as_ref().map(ToString::to_string),
            Some(c)
        );
        assert!(d.layers[0].shared_with.is_empty());
        let steps: Vec<(&str, bool)> = d
            .history
            .iter()
            .map(|h| (h.created_by.as_str(), h.empty_layer))
            .collect();
        assert_eq!(steps, [("USER app", true), ("ADD x /", false)]);
        assert_eq!((d.history[1].size, d.history[1].blob_size), (None, 1000));
    }
}
