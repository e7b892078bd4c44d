//! `history`: the config's build steps, newest first, as `docker history`
//! shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::display::{UNKNOWN_SIZE, created_since, ellipsis, human_size};
use crate::manifest::ImageManifest;

/// One build step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The image ID on the newest step; `None` (`<missing>`) on the others,
    /// as for every pulled image.
    pub id: Option<Digest>,
    /// When the step ran.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// The command of the step.
    pub created_by: String,
    /// The unpacked (tar) size of the layer it made, as Docker shows it: 0
    /// for empty layers, `None` while not known.
    #[serde(default)]
    pub size: Option<u64>,
    /// The compressed size of the layer blob it made; 0 for empty layers.
    #[serde(default)]
    pub blob_size: u64,
    /// The step's comment.
    pub comment: String,
    /// Whether the step made no layer.
    pub empty_layer: bool,
    /// The digest of the layer blob it made, if any.
    pub layer: Option<Digest>,
}

/// The history rows of an image, newest first.
///
/// `unpacked` holds each layer's unpacked size, in manifest order, where
/// known (the store learns them at pull; the browser does not read every
/// layer): a layer without one has an unknown size, never its compressed
/// size in its place.
pub fn history_rows(
    image_id: &Digest,
    manifest: &ImageManifest,
    config: &ImageConfig,
    unpacked: &[Option<u64>],
) -> Vec<HistoryRow> {
    let mut layers = manifest
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l, unpacked.get(i).copied().flatten()));
    let mut rows: Vec<HistoryRow> = config
        .history
        .iter()
        .map(|h| {
            let layer = if h.empty_layer { None } else { layers.next() };
            HistoryRow {
                id: None,
                created: h.created,
                created_by: h.created_by.clone().unwrap_or_default(),
                size: match layer {
                    None => Some(0),
                    Some((_, unpacked)) => unpacked,
                },
                blob_size: layer.map_or(0, |(l, _)| l.size),
                comment: h.comment.clone().unwrap_or_default(),
                empty_layer: h.empty_layer,
                layer: layer.map(|(l, _)| l.digest.clone()),
            }
        })
        .collect();
    rows.reverse();
    if let Some(top) = rows.first_mut() {
        top.id = Some(image_id.clone());
    }
    rows
}

impl HistoryRow {
    /// The row as `--format` templates see it (`{{.ID}}`, `{{.CreatedSince}}`,
    /// `{{.CreatedAt}}`, `{{.CreatedBy}}`, `{{.Size}}`, `{{.Comment}}`).
    /// With `no_trunc` the ID and command are whole; `human` as `--human`.
    pub fn template_value(
        &self,
        no_trunc: bool,
        human: bool,
        now: OffsetDateTime,
    ) -> serde_json::Value {
        let id = match &self.id {
            None => "<missing>".to_owned(),
            Some(d) if no_trunc => d.to_string(),
            Some(d) => d.short().to_owned(),
        };
        let created_by = self.created_by.replace('\t', " ");
        let created_by = if no_trunc {
            created_by
        } else {
            ellipsis(&created_by, 45)
        };
        // Docker's history: CreatedAt is always RFC 3339 (unlike `images`,
        // where it is Go's time.String()); CreatedSince is relative when human.
        let (since, at) = match self.created {
            Some(t) if human => (created_since(t, now), crate::display::rfc3339(t)),
            Some(t) => (crate::display::rfc3339(t), crate::display::rfc3339(t)),
            None => ("N/A".to_owned(), "N/A".to_owned()),
        };
        serde_json::json!({
            "ID": id,
            "CreatedSince": since,
            "CreatedAt": at,
            "CreatedBy": created_by,
            "Size": match self.size {
                Some(size) if human => human_size(size),
                Some(size) => size.to_string(),
                None => UNKNOWN_SIZE.to_owned(),
            },
            "Comment": self.comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::digest::repeated as digest;

    fn image() -> (ImageManifest, ImageConfig) {
        let manifest: ImageManifest = serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest('c').to_string(), "size": 10},
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest('1').to_string(), "size": 5_570_000},
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest('2').to_string(), "size": 1234},
            ],
        }))
        .expect("manifest");
        let config: ImageConfig = serde_json::from_value(serde_json::json!({
            "created": "2024-01-10T08:00:00Z",
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [digest('a').to_string(), digest('b').to_string()]},
            "history": [
                {"created": "2024-01-10T07:00:00Z", "created_by": "ADD rootfs.tar.gz /"},
                {"created": "2024-01-10T07:30:00Z", "created_by": "ENV\tA=1", "empty_layer": true},
                {"created": "2024-01-10T08:00:00Z", "created_by": "RUN /bin/sh -c apk add --no-cache a-very-long-package-name another-one", "comment": "buildkit.dockerfile.v0"},
            ],
        }))
        .expect("config");
        (manifest, config)
    }

    #[test]
    fn rows_are_newest_first_with_layer_sizes() {
        let (manifest, config) = image();
        let rows = history_rows(&digest('c'), &manifest, &config, &[Some(9_216_000), None]);
        let summary: Vec<(Option<String>, Option<u64>, u64, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.id.as_ref().map(|d| d.short().to_owned()),
                    r.size,
                    r.blob_size,
                    r.empty_layer,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some("cccccccccccc".into()), None, 1234, false),
                (None, Some(0), 0, true),
                (None, Some(9_216_000), 5_570_000, false)
            ]
        );
        assert_eq!(rows[0].layer, Some(digest('2')));
    }

    #[test]
    fn template_values_like_docker_history() {
        let (manifest, config) = image();
        let rows = history_rows(
            &digest('c'),
            &manifest,
            &config,
            &[Some(5_570_000), Some(1234)],
        );
        let now = OffsetDateTime::parse(
            "2024-01-10T11:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .expect("time");
        let top = rows[0].template_value(false, true, now);
        assert_eq!(top["ID"], "cccccccccccc");
        assert_eq!(top["CreatedSince"], "3 hours ago");
        assert!(
            top["CreatedAt"]
                .as_str()
                .is_some_and(|t| t.contains('T') && t.ends_with('Z')),
            "history's CreatedAt is RFC 3339 even when human: {}",
            top["CreatedAt"]
        );
        assert_eq!(
            top["CreatedBy"],
            "RUN /bin/sh -c apk add --no-cache a-very-lon…"
        );
        assert_eq!(top["Size"], "1.23kB");
        assert_eq!(top["Comment"], "buildkit.dockerfile.v0");
        let empty = rows[1].template_value(false, true, now);
        assert_eq!(empty["ID"], "<missing>");
        assert_eq!(empty["CreatedBy"], "ENV A=1");
        assert_eq!(empty["Size"], "0B");
        let unknown = history_rows(&digest('c'), &manifest, &config, &[]);
        assert_eq!(
            unknown[0].template_value(false, true, now)["Size"],
            "unknown"
        );
        assert_eq!(unknown[1].template_value(false, true, now)["Size"], "0B");
        let raw = rows[2].template_value(true, false, now);
        assert_eq!(raw["Size"], "5570000");
        assert_eq!(raw["CreatedAt"], "2024-01-10T07:00:00Z");
    }
}
