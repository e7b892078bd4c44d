//! [`PathDiff`]: how one path of two merged trees differs, and
//! [`diff_trees`], which lists them sorted by path.
//!
//! A path is compared by what a container sees there ([`FileState`]): its
//! type, size, mode, owner and link target, and its content digest when
//! both sides know one. A tar header carries no content digest: the
//! digests are the ones [`ImageFiles`] holds, hashed as the layers were
//! read; where one is unknown the diff says the content was not compared
//! and never guesses.
//!
//! | A | B | [`PathChange`] |
//! | --- | --- | --- |
//! | absent | present | `Added` |
//! | present | absent | `Removed` |
//! | present | present, any field differs | `Modified` |
//! | a regular file | a regular file with the same metadata from another layer blob, digests unknown | `Rewritten` |
//! | otherwise | | `Unchanged` |
//!
//! Only paths that a layer above the shared prefix touched can differ, so
//! [`Show::Changed`] looks at those alone: its cost follows the differing
//! layers, not the image.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::image_files::ImageFiles;
use crate::digest::Digest;
use crate::merged::{EntryKind, MergedNode};

/// The type of what is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to another entry of its layer.
    Hardlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// Any other tar type.
    Other,
}

impl FileKind {
    fn of(kind: &EntryKind) -> FileKind {
        match kind {
            EntryKind::File => FileKind::File,
            EntryKind::Dir => FileKind::Dir,
            EntryKind::Symlink { .. } => FileKind::Symlink,
            EntryKind::Hardlink { .. } => FileKind::Hardlink,
            EntryKind::CharDevice { .. } => FileKind::CharDevice,
            EntryKind::BlockDevice { .. } => FileKind::BlockDevice,
            EntryKind::Fifo => FileKind::Fifo,
            EntryKind::Other(_) => FileKind::Other,
        }
    }
}

/// What one image has at a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// Its type.
    pub kind: FileKind,
    /// Content size (regular files; 0 otherwise).
    pub size: u64,
    /// Permission bits; `None` for a directory no layer has an entry for.
    pub mode: Option<u32>,
    /// Owner user ID; `None` like `mode`.
    pub uid: Option<u64>,
    /// Owner group ID; `None` like `mode`.
    pub gid: Option<u64>,
    /// A symlink's link text, or a hard link's target path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The content's digest, when known (see the module doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

impl FileState {
    /// What `node` of `files` is, from its entry (an implicit directory
    /// has none) and its content digest, if known.
    pub fn of(files: &ImageFiles, node: MergedNode<'_>) -> FileState {
        match node.entry() {
            Some(entry) => FileState {
                kind: FileKind::of(&entry.kind),
                size: node.size(),
                mode: Some(entry.mode),
                uid: Some(entry.uid),
                gid: Some(entry.gid),
                link: match &entry.kind {
                    EntryKind::Symlink { target } => Some(target.clone()),
                    EntryKind::Hardlink { target } => Some(target.as_str().to_owned()),
                    _ => None,
                },
                digest: files.digest_of(node).cloned(),
            },
            None => FileState {
                kind: FileKind::Dir,
                size: 0,
                mode: None,
                uid: None,
                gid: None,
                link: None,
                digest: None,
            },
        }
    }
}

/// What happened to a path between image A and image B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathChange {
    /// Only B has it.
    Added,
    /// Only A has it.
    Removed,
    /// Both have it and something compared differs.
    Modified,
    /// A regular file both have with the same metadata, but from
    /// different layer blobs: its content may differ, and no digest was
    /// known to compare.
    Rewritten,
    /// Both have the same thing there.
    Unchanged,
}

impl PathChange {
    /// The letter the table shows: `A`, `D`, `M`, `R`, or a space.
    pub fn letter(self) -> char {
        match self {
            PathChange::Added => 'A',
            PathChange::Removed => 'D',
            PathChange::Modified => 'M',
            PathChange::Rewritten => 'R',
            PathChange::Unchanged => ' ',
        }
    }
}

/// Whether the content of a path both sides have was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// Both digests known and equal.
    Same,
    /// Both digests known and different.
    Different,
    /// At least one digest unknown: not compared.
    Unknown,
    /// Not a regular file on both sides: no content to compare.
    None,
}

/// One path of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathDiff {
    /// The normalised path (no leading `/`).
    pub path: String,
    /// What happened to it.
    pub change: PathChange,
    /// Image A's version, if A has the path.
    pub a: Option<FileState>,
    /// Image B's version, if B has the path.
    pub b: Option<FileState>,
    /// Whether the contents were compared.
    pub content: Content,
}

impl PathDiff {
    /// Compares `a` with `b` at `path`; `rewritten` says the two versions
    /// come from different layer blobs.
    pub fn new(
        path: &str,
        a: Option<FileState>,
        b: Option<FileState>,
        rewritten: bool,
    ) -> PathDiff {
        let content = match (&a, &b) {
            (Some(x), Some(y)) if x.kind == FileKind::File && y.kind == FileKind::File => {
                match (&x.digest, &y.digest) {
                    (Some(dx), Some(dy)) if dx == dy => Content::Same,
                    (Some(_), Some(_)) => Content::Different,
                    _ => Content::Unknown,
                }
            }
            _ => Content::None,
        };
        let change = match (&a, &b) {
            (None, _) => PathChange::Added,
            (_, None) => PathChange::Removed,
            (Some(x), Some(y)) if x != y => PathChange::Modified,
            _ if content == Content::Unknown && rewritten => PathChange::Rewritten,
            _ => PathChange::Unchanged,
        };
        PathDiff {
            path: path.to_owned(),
            change,
            a,
            b,
            content,
        }
    }

    /// The fields that differ, by name (`kind`, `size`, `mode`, `uid`,
    /// `gid`, `link`, `digest`); empty unless both sides have the path.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        let (Some(a), Some(b)) = (&self.a, &self.b) else {
            return Vec::new();
        };
        let checks = [
            ("kind", a.kind != b.kind),
            ("size", a.size != b.size),
            ("mode", a.mode != b.mode),
            ("uid", a.uid != b.uid),
            ("gid", a.gid != b.gid),
            ("link", a.link != b.link),
            ("digest", a.digest != b.digest),
        ];
        checks
            .into_iter()
            .filter_map(|(name, differs)| differs.then_some(name))
            .collect()
    }
}

/// Which paths a file diff lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// Added, removed, modified and rewritten paths.
    #[default]
    Changed,
    /// Every path of either image, unchanged ones included.
    All,
}

impl Show {
    /// Whether a path with `change` is listed.
    pub fn shows(self, change: PathChange) -> bool {
        self == Show::All || change != PathChange::Unchanged
    }
}

/// Compares tree `a` with tree `b`, path by path, sorted by path.
/// `same[i]` says layer `i` is the same blob in both images
/// ([`LayerDiff::same_positions`](super::LayerDiff::same_positions)): the
/// leading run of those is the shared prefix, and with [`Show::Changed`]
/// only the paths the layers above it touched are looked at. A path both
/// images take from one shared position is the same entry on both sides.
pub fn diff_trees(a: &ImageFiles, b: &ImageFiles, same: &[bool], show: Show) -> Vec<PathDiff> {
    let shared = same.iter().take_while(|s| **s).count();
    let mut paths: BTreeSet<&str> = BTreeSet::new();
    match show {
        Show::Changed => {
            for tree in [a.tree(), b.tree()] {
                for layer in (shared..tree.layer_count()).filter_map(|i| tree.layer(i)) {
                    paths.extend(layer.changes().map(|c| c.path));
                }
            }
        }
        Show::All => {
            for tree in [a.tree(), b.tree()] {
                paths.extend(tree.walk().map(|n| n.path()));
            }
        }
    }
    paths
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|path| {
            let (na, nb) = (a.tree().get(path), b.tree().get(path));
            let (la, lb) = (na.and_then(|n| n.layer()), nb.and_then(|n| n.layer()));
            let one_entry = la == lb && la.is_none_or(|l| same.get(l).copied().unwrap_or(false));
            let rewritten = !one_entry;
            PathDiff::new(
                path,
                na.map(|n| FileState::of(a, n)),
                nb.map(|n| FileState::of(b, n)),
                rewritten,
            )
        })
        .filter(|d| show.shows(d.change))
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::merged::LayerEntry;

    fn base() -> Vec<LayerEntry> {
        vec![
            LayerEntry::dir("etc"),
            LayerEntry::file("etc/passwd", 100),
            LayerEntry::file("etc/hosts", 20),
            LayerEntry::symlink("bin/sh", "/bin/busybox"),
            LayerEntry::file("bin/busybox", 900),
            LayerEntry::file("var/cache/a", 5),
        ]
    }

    fn tree(layers: Vec<Vec<LayerEntry>>) -> ImageFiles {
        ImageFiles::from_layers(layers)
    }

    fn changes(diff: &[PathDiff]) -> Vec<(&str, PathChange)> {
        diff.iter().map(|d| (d.path.as_str(), d.change)).collect()
    }

    #[test]
    fn changes_table() {
        use PathChange::{Added, Modified, Removed, Rewritten};
        let mut chmod = LayerEntry::file("etc/hosts", 20);
        chmod.mode = 0o600;
        let mut chown = LayerEntry::file("etc/passwd", 100);
        chown.uid = 100;
        chown.gid = 101;
        let a = tree(vec![base(), vec![LayerEntry::file("etc/motd", 3)]]);
        let b = tree(vec![
            base(),
            vec![
                chmod,
                chown,
                LayerEntry::symlink("bin/sh", "/bin/bash"),
                LayerEntry::file("bin/busybox", 900),
                LayerEntry::file("usr/local/bin/app", 7),
                LayerEntry::file("var/.wh.cache", 0),
            ],
        ]);
        let diff = diff_trees(&a, &b, &[true], Show::Changed);
        assert_eq!(
            changes(&diff),
            [
                ("bin/busybox", Rewritten),
                ("bin/sh", Modified),
                ("etc/hosts", Modified),
                ("etc/motd", Removed),
                ("etc/passwd", Modified),
                ("usr", Added),
                ("usr/local", Added),
                ("usr/local/bin", Added),
                ("usr/local/bin/app", Added),
                ("var/cache", Removed),
                ("var/cache/a", Removed),
            ]
        );
        let fields: Vec<Vec<&str>> = diff.iter().map(PathDiff::changed_fields).collect();
        assert_eq!(fields[1], ["link"]);
        assert_eq!(fields[2], ["mode"]);
        assert_eq!(fields[4], ["uid", "gid"]);
        assert!(fields[0].is_empty() && fields[3].is_empty());
        assert_eq!(diff[0].content, Content::Unknown);
        assert_eq!(diff[1].content, Content::None);
    }

    #[test]
    fn shared_prefix_paths_are_not_listed() {
        let a = tree(vec![base(), vec![LayerEntry::file("x", 1)]]);
        let b = tree(vec![base(), vec![LayerEntry::file("x", 2)]]);
        let diff = diff_trees(&a, &b, &[true], Show::Changed);
        assert_eq!(changes(&diff), [("x", PathChange::Modified)]);
        let all = diff_trees(&a, &b, &[true], Show::All);
        assert_eq!(all.len(), 10);
        assert_eq!(
            all.iter()
                .filter(|d| d.change == PathChange::Unchanged)
                .count(),
            9
        );
        assert!(all.windows(2).all(|w| w[0].path < w[1].path), "sorted");
    }

    #[test]
    fn a_shared_layer_above_a_different_one_is_the_same_entry() {
        let top = vec![LayerEntry::file("etc/done", 5)];
        let a = tree(vec![base(), vec![LayerEntry::file("x", 1)], top.clone()]);
        let b = tree(vec![base(), vec![LayerEntry::file("x", 2)], top.clone()]);
        let diff = diff_trees(&a, &b, &[true, false, true], Show::Changed);
        assert_eq!(changes(&diff), [("x", PathChange::Modified)]);
        let unshared = diff_trees(&a, &b, &[true, false, false], Show::Changed);
        assert_eq!(
            changes(&unshared),
            [
                ("etc/done", PathChange::Rewritten),
                ("x", PathChange::Modified)
            ]
        );
    }

    #[test]
    fn identical_images_have_no_changes() {
        let a = tree(vec![base()]);
        assert!(diff_trees(&a, &a.clone(), &[true], Show::Changed).is_empty());
    }

    #[test]
    fn kind_change_and_digests() {
        let a = tree(vec![vec![LayerEntry::file("p", 1)]]);
        let b = tree(vec![vec![LayerEntry::dir("p")]]);
        let diff = diff_trees(&a, &b, &[false], Show::Changed);
        assert_eq!(diff[0].changed_fields(), ["kind", "size", "mode"]);
        // Content is compared when a caller knows both digests.
        let file = |digest: &str| FileState {
            kind: FileKind::File,
            size: 1,
            mode: Some(0o644),
            uid: Some(0),
            gid: Some(0),
            link: None,
            digest: Some(Digest::sha256_of(digest.as_bytes())),
        };
        let cases = [
            (file("x"), file("x"), PathChange::Unchanged, Content::Same),
            (
                file("x"),
                file("y"),
                PathChange::Modified,
                Content::Different,
            ),
        ];
        for (x, y, change, content) in cases {
            let d = PathDiff::new("f", Some(x), Some(y), true);
            assert_eq!((d.change, d.content), (change, content));
        }
    }

    #[test]
    fn known_digests_decide_rewritten_files() {
        let with = |content: &[u8]| {
            let mut files = ImageFiles::new();
            let mut conf = LayerEntry::file("etc/app.conf", 4);
            conf.offset = 1024;
            files.push_layer(vec![conf], vec![(1024, Digest::sha256_of(content))]);
            files
        };
        let (a, same, other) = (with(b"abcd"), with(b"abcd"), with(b"abce"));
        assert!(diff_trees(&a, &same, &[false], Show::Changed).is_empty());
        let diff = diff_trees(&a, &other, &[false], Show::Changed);
        assert_eq!(changes(&diff), [("etc/app.conf", PathChange::Modified)]);
        assert_eq!(diff[0].changed_fields(), ["digest"]);
        assert_eq!(diff[0].content, Content::Different);
    }

    #[test]
    fn show_filter() {
        for change in [
            PathChange::Added,
            PathChange::Rewritten,
            PathChange::Unchanged,
        ] {
            assert!(Show::All.shows(change));
            assert_eq!(Show::Changed.shows(change), change != PathChange::Unchanged);
        }
    }
}
