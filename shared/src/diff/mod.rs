//! Diffs between two images: config and manifest, layers side by side, and
//! the merged filesystems path by path, for `strata diff` and the `/diff`
//! page.
//!
//! | file | concept |
//! | --- | --- |
//! | [`layers`](LayerDiff) | layers by position, shared or different, and what a diff must read ([`Reads`]) |
//! | [`config`](ConfigDiff) | env, cmd, entrypoint, user, workdir, labels, ports, platform, history |
//! | [`image_files`](ImageFiles) | one image's merged tree with its files' content digests |
//! | [`files`](PathDiff) | one path of two merged trees ([`FileState`], [`PathChange`]), [`diff_trees`], the [`Show`] filter |
//! | `dirs` | [`DirDelta`]: directory size changes |
//! | [`image`](ImageDiff) | the whole diff, serialisable for `--format json` |
//! | `text` | the diff as lines a person reads ([`ImageDiff::to_text`]) |
//! | [`route`](DiffRoute) | the `/diff/{a}/{b}` page's URL |
//!
//! **What a diff reads.** Layers identical by digest at the same position
//! from the bottom up (the shared prefix) build the same tree on both
//! sides. A caller reads them once, into one [`ImageFiles`], clones it, and
//! applies each image's remaining layers to its own copy ([`Reads`] says
//! which). The file diff then looks only at paths those remaining layers
//! touched. The shared layers cannot be skipped altogether: a path that
//! only one image changed is compared with the shared layers' version.
//!
//! ```
//! use shared::diff::{ImageFiles, Show, diff_trees};
//! use shared::merged::LayerEntry;
//!
//! let shared = ImageFiles::from_layers([vec![LayerEntry::file("etc/motd", 10)]]);
//! let (mut a, mut b) = (shared.clone(), shared);
//! a.push_layer(vec![LayerEntry::file("app/config", 10)], Vec::new());
//! b.push_layer(vec![LayerEntry::file("app/config", 12)], Vec::new());
//! let diff = diff_trees(&a, &b, &[true, false], Show::Changed);
//! assert_eq!(shared::diff::file_line(&diff[0]), "M app/config (size 10 → 12, content not compared)");
//! ```

mod config;
mod dirs;
mod files;
mod image;
mod image_files;
mod layers;
mod route;
mod text;

pub use config::{Changed, ConfigDiff, ConfigRow, HistoryDiff, MapDiff, SetDiff};
pub use dirs::{DirDelta, dir_deltas};
pub use files::{Content, FileKind, FileState, PathChange, PathDiff, Show, diff_trees};
pub use image::{Image, ImageDiff, ImageSide};
pub use image_files::ImageFiles;
pub use layers::{LayerDiff, LayerRow, LayerSummary, Reads};
pub use route::{DiffRoute, show_of};
pub use text::file_line;
