//! Requests and answers of the dashboard's store-management endpoints:
//! the images list, one image's detail, tag, rm, pins and usage.

use serde::{Deserialize, Serialize};

use super::{HistoryRow, ImageInspect, ImageRow};
use crate::digest::Digest;

/// The column `GET /api/v1/images` sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSort {
    /// Newest first by default, as `docker images`.
    #[default]
    Created,
    /// Familiar repository name.
    Repository,
    /// Tag.
    Tag,
    /// Image ID.
    Id,
    /// Size.
    Size,
}

impl std::str::FromStr for ImageSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "created" => Ok(Self::Created),
            "repository" => Ok(Self::Repository),
            "tag" => Ok(Self::Tag),
            "id" => Ok(Self::Id),
            "size" => Ok(Self::Size),
            other => Err(format!(
                "cannot sort by {other:?}: use created, repository, tag, id or size"
            )),
        }
    }
}

/// Sorts rows by `sort`, ascending unless `descending`. Ties keep their order.
pub fn sort_rows(rows: &mut [ImageRow], sort: ImageSort, descending: bool) {
    rows.sort_by(|a, b| compare_rows(a, b, sort, descending));
}

/// The order [`sort_rows`] puts two rows in.
pub fn compare_rows(
    a: &ImageRow,
    b: &ImageRow,
    sort: ImageSort,
    descending: bool,
) -> std::cmp::Ordering {
    let order = match sort {
        ImageSort::Created => a.created.cmp(&b.created),
        ImageSort::Repository => a.repository.cmp(&b.repository),
        ImageSort::Tag => a.tag.cmp(&b.tag),
        ImageSort::Id => a.id.cmp(&b.id),
        ImageSort::Size => a.size.cmp(&b.size),
    };
    if descending { order.reverse() } else { order }
}

/// `GET /api/v1/images`: one page of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageListResponse {
    /// The rows of this page.
    pub rows: Vec<ImageRow>,
    /// Rows matching the filters, across all pages.
    pub total: usize,
    /// The offset of the first row.
    pub offset: usize,
}

/// One layer of an image, with the other local images that share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDetail {
    /// The compressed blob's digest.
    pub digest: Digest,
    /// Compressed size.
    pub size: u64,
    /// The unpacked (tar) size, when known.
    #[serde(default)]
    pub unpacked_size: Option<u64>,
    /// Media type (says the compression).
    pub media_type: String,
    /// The uncompressed digest (the config's diff_id).
    pub diff_id: Option<Digest>,
    /// Familiar names (or short IDs) of other local images that hold this layer.
    pub shared_with: Vec<String>,
}

/// `GET /api/v1/images/{name}`: everything the image page shows from the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageDetail {
    /// Docker's inspect record.
    pub inspect: ImageInspect,
    /// The manifest digest the image was recorded with.
    pub manifest_digest: Digest,
    /// Build history, newest first.
    pub history: Vec<HistoryRow>,
    /// Layers, base first.
    pub layers: Vec<LayerDetail>,
    /// Pins holding the image.
    pub pins: Vec<String>,
}

/// `POST /api/v1/tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRequest {
    /// The image: name, name:tag, name@digest or ID prefix.
    pub source: String,
    /// The new `name[:tag]`.
    pub target: String,
}

/// `POST /api/v1/rm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRequest {
    /// The images, as `rm` takes them.
    pub images: Vec<String>,
    /// Override pins and multi-repository references (never an operation in flight).
    #[serde(default)]
    pub force: bool,
}

/// What removing one argument did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveOutcome {
    /// The argument.
    pub image: String,
    /// `Untagged: …` / `Deleted: …` lines, when it succeeded.
    pub lines: Vec<String>,
    /// Why it failed (a conflict names the pin or operation holding it).
    pub error: Option<String>,
}

/// `POST /api/v1/pins` and `DELETE /api/v1/pins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRequest {
    /// The image.
    pub image: String,
    /// Who uses it; for unpinning, `None` removes every pin.
    pub by: Option<String>,
}

/// `GET /api/v1/usage`: store size and what layer sharing saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageInfo {
    /// Bytes of every stored blob.
    pub total_bytes: u64,
    /// Sum of image sizes, counting shared layers once per image.
    pub apparent_bytes: u64,
    /// Bytes saved because images share layers.
    pub bytes_saved: u64,
    /// Images in the store.
    pub images: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn sort_keys_parse() {
        let cases = [
            ("created", Ok(ImageSort::Created)),
            ("size", Ok(ImageSort::Size)),
            ("id", Ok(ImageSort::Id)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<ImageSort>(), want);
        }
        assert!(
            "bogus"
                .parse::<ImageSort>()
                .expect_err("error")
                .contains("created, repository")
        );
    }
}
