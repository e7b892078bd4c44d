//! [`ImageDiff`]: everything `strata diff` and the `/diff` page show about
//! two images: which manifests they are, their config diff, their layers
//! side by side, and (once the layers are read) the file and directory
//! diffs.

use serde::{Deserialize, Serialize};

use super::config::ConfigDiff;
use super::dirs::{DirDelta, dir_deltas};
use super::files::{PathDiff, Show, diff_trees};
use super::image_files::ImageFiles;
use super::layers::LayerDiff;
use crate::config::ImageConfig;
use crate::digest::Digest;
use crate::manifest::ImageManifest;
use crate::media_type::MediaType;

/// One image, as a diff reads it: its verified manifest and config.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    /// How the user named it.
    pub reference: &'a str,
    /// The image manifest's digest.
    pub digest: &'a Digest,
    /// The image manifest.
    pub manifest: &'a ImageManifest,
    /// The image config.
    pub config: &'a ImageConfig,
}

/// Which image one side of the diff is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSide {
    /// How the user named it.
    pub reference: String,
    /// The image manifest's digest.
    pub digest: Digest,
    /// The manifest's media type.
    pub media_type: MediaType,
    /// The config's digest (the image ID).
    pub config: Digest,
    /// The layers' compressed sizes, summed.
    pub size: u64,
}

impl ImageSide {
    fn of(image: &Image<'_>) -> ImageSide {
        ImageSide {
            reference: image.reference.to_owned(),
            digest: image.digest.clone(),
            media_type: image
                .manifest
                .media_type
                .clone()
                .unwrap_or(MediaType::OciManifest),
            config: image.manifest.config.digest.clone(),
            size: image.manifest.layers_size(),
        }
    }
}

/// How image B differs from image A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDiff {
    /// Image A.
    pub a: ImageSide,
    /// Image B.
    pub b: ImageSide,
    /// The configs.
    pub config: ConfigDiff,
    /// The layers, position by position.
    pub layers: LayerDiff,
    /// Which paths [`ImageDiff::files`] lists.
    pub show: Show,
    /// The paths, sorted (empty until [`ImageDiff::with_files`]).
    pub files: Vec<PathDiff>,
    /// The directories whose total size changed, sorted.
    pub dirs: Vec<DirDelta>,
}

impl ImageDiff {
    /// The diff of everything but the files: it needs no layer read.
    pub fn new(a: &Image<'_>, b: &Image<'_>) -> ImageDiff {
        ImageDiff {
            a: ImageSide::of(a),
            b: ImageSide::of(b),
            config: ConfigDiff::new(a.config, b.config),
            layers: LayerDiff::new(&a.manifest.layers, &b.manifest.layers),
            show: Show::Changed,
            files: Vec::new(),
            dirs: Vec::new(),
        }
    }

    /// Adds the file and directory diffs of the images' files `a` and `b`,
    /// built as [`LayerDiff::reads`] says (the shared prefix applied once,
    /// then each side's own layers on a copy).
    pub fn with_files(mut self, a: &ImageFiles, b: &ImageFiles, show: Show) -> ImageDiff {
        let same = self.layers.same_positions();
        let changed = diff_trees(a, b, &same, Show::Changed);
        self.dirs = dir_deltas(a.tree(), b.tree(), &changed);
        self.files = match show {
            Show::Changed => changed,
            Show::All => diff_trees(a, b, &same, Show::All),
        };
        self.show = show;
        self
    }
}
