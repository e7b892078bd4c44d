//! [`LayerEntry`]: one tar entry of a layer, independent of any tar crate,
//! and what its name means to the overlay rules ([`Whiteout`]).
//!
//! Whiteout names (OCI image spec, "Whiteouts"), recognised by the file name
//! alone whatever the entry's type:
//!
//! | name | meaning |
//! | --- | --- |
//! | `DIR/.wh..wh..opq` | [`Whiteout::Opaque`]: hide everything lower layers put in `DIR` |
//! | `DIR/.wh.NAME` | [`Whiteout::Remove`]: delete `DIR/NAME` (file or whole tree) from lower layers |
//! | `.wh..wh.*` (any other), `.wh.`, `.wh..`, `.wh...` | [`Whiteout::Ignored`]: aufs metadata or a whiteout naming nothing |
//!
//! Any entry below a top-level `.wh..wh.*` directory (aufs' `.wh..wh.plnk/…`)
//! is aufs metadata too.

use super::path::EntryPath;

const WHITEOUT_PREFIX: &str = ".wh.";
const META_PREFIX: &str = ".wh..wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// The type of a tar entry (the header's typeflag).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file (`0`, NUL, or `7` contiguous).
    File,
    /// A directory (`5`, or an old-style NUL entry whose name ends in `/`).
    Dir,
    /// A symbolic link (`2`). The target is link text, never resolved.
    Symlink {
        /// The link text as written (read lossily), absolute or relative.
        target: String,
    },
    /// A hard link (`1`) to an earlier entry of the same archive.
    Hardlink {
        /// The archive path of the linked entry, normalised like any path.
        target: EntryPath,
    },
    /// A character device (`3`).
    CharDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// A block device (`4`).
    BlockDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// A named pipe (`6`).
    Fifo,
    /// Any other typeflag (GNU sparse `S`, GNU dump dir `D`, vendor types …),
    /// kept with its byte.
    Other(u8),
}

impl EntryKind {
    /// The letter `ls -l` shows for this type.
    pub fn type_char(&self) -> char {
        match self {
            EntryKind::File | EntryKind::Hardlink { .. } | EntryKind::Other(_) => '-',
            EntryKind::Dir => 'd',
            EntryKind::Symlink { .. } => 'l',
            EntryKind::CharDevice { .. } => 'c',
            EntryKind::BlockDevice { .. } => 'b',
            EntryKind::Fifo => 'p',
        }
    }
}

/// One tar entry of one layer, after all its extension headers are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerEntry {
    /// The normalised path (see [`EntryPath`]).
    pub path: EntryPath,
    /// The entry type.
    pub kind: EntryKind,
    /// Permission and special bits (`mode & 0o7777`).
    pub mode: u32,
    /// Owner user ID.
    pub uid: u64,
    /// Owner group ID.
    pub gid: u64,
    /// Size from the header (or PAX `size`). Only a [`EntryKind::File`]'s
    /// size is content; see [`LayerEntry::content_size`].
    pub size: u64,
    /// Modification time, seconds since the Unix epoch (PAX fractions dropped).
    pub mtime: i64,
    /// Byte offset of the entry's first header (extension headers included)
    /// in the uncompressed layer; 0 for entries not read from a tar.
    pub offset: u64,
}

/// What an entry's name means to the overlay rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whiteout {
    /// `.wh.NAME`: removes `target` from the layers below.
    Remove {
        /// The path being deleted.
        target: EntryPath,
    },
    /// `.wh..wh..opq`: hides what the layers below put in `dir`.
    Opaque {
        /// The opaque directory.
        dir: EntryPath,
    },
    /// aufs metadata or a whiteout naming nothing: has no effect.
    Ignored,
}

impl LayerEntry {
    /// An entry with owner root, mtime 0, size 0, and mode 0o755 for
    /// directories, 0o777 for symlinks, 0o644 otherwise.
    pub fn new(path: EntryPath, kind: EntryKind) -> Self {
        let mode = match kind {
            EntryKind::Dir => 0o755,
            EntryKind::Symlink { .. } => 0o777,
            _ => 0o644,
        };
        LayerEntry {
            path,
            kind,
            mode,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            offset: 0,
        }
    }

    /// A regular file of `size` bytes at `path`.
    pub fn file(path: &str, size: u64) -> Self {
        LayerEntry {
            size,
            ..LayerEntry::new(EntryPath::new(path), EntryKind::File)
        }
    }

    /// A directory at `path`.
    pub fn dir(path: &str) -> Self {
        LayerEntry::new(EntryPath::new(path), EntryKind::Dir)
    }

    /// A symlink at `path` whose link text is `target`.
    pub fn symlink(path: &str, target: &str) -> Self {
        let kind = EntryKind::Symlink {
            target: target.to_owned(),
        };
        LayerEntry::new(EntryPath::new(path), kind)
    }

    /// A hard link at `path` to the archive path `target`.
    pub fn hardlink(path: &str, target: &str) -> Self {
        let kind = EntryKind::Hardlink {
            target: EntryPath::new(target),
        };
        LayerEntry::new(EntryPath::new(path), kind)
    }

    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }

    /// The bytes this entry adds to the filesystem: `size` for a regular
    /// file, 0 for everything else (a hard link's bytes belong to its target).
    pub fn content_size(&self) -> u64 {
        match self.kind {
            EntryKind::File => self.size,
            _ => 0,
        }
    }

    /// The overlay meaning of the name, or `None` for an ordinary entry.
    pub fn whiteout(&self) -> Option<Whiteout> {
        let path = &self.path;
        let first = path.components().next().unwrap_or_default();
        if first.starts_with(META_PREFIX) && path.name() != OPAQUE_MARKER {
            return Some(Whiteout::Ignored);
        }
        let name = path.name().strip_prefix(WHITEOUT_PREFIX)?;
        let dir = path.parent_path();
        if path.name() == OPAQUE_MARKER {
            return Some(Whiteout::Opaque { dir });
        }
        if name.is_empty() || name == "." || name == ".." || name.starts_with(WHITEOUT_PREFIX) {
            return Some(Whiteout::Ignored);
        }
        Some(Whiteout::Remove {
            target: dir.join(name),
        })
    }

    /// The `ls -l` mode column, e.g. `drwxr-xr-x` or `-rwsr-xr-x`.
    pub fn mode_string(&self) -> String {
        let mut out = String::with_capacity(10);
        out.push(self.kind.type_char());
        let special = [(0o4000, 's', 'S'), (0o2000, 's', 'S'), (0o1000, 't', 'T')];
        for (i, (bit, with_x, without_x)) in special.into_iter().enumerate() {
            let shift = 6 - 3 * i;
            let bits = (self.mode >> shift) & 0o7;
            out.push(if bits & 4 != 0 { 'r' } else { '-' });
            out.push(if bits & 2 != 0 { 'w' } else { '-' });
            let exec = bits & 1 != 0;
            out.push(match (self.mode & bit != 0, exec) {
                (true, true) => with_x,
                (true, false) => without_x,
                (false, true) => 'x',
                (false, false) => '-',
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn remove(target: &str) -> Option<Whiteout> {
        Some(Whiteout::Remove {
            target: EntryPath::new(target),
        })
    }

    fn opaque(dir: &str) -> Option<Whiteout> {
        Some(Whiteout::Opaque {
            dir: EntryPath::new(dir),
        })
    }

    #[test]
    fn whiteout_table() {
        let cases: &[(&str, Option<Whiteout>)] = &[
            ("etc/passwd", None),
            ("etc/.wh.passwd", remove("etc/passwd")),
            ("./.wh.tmp", remove("tmp")),
            ("a/b/.wh..hidden", remove("a/b/.hidden")),
            ("var/.wh..wh..opq", opaque("var")),
            (".wh..wh..opq", opaque("")),
            (".wh..wh.plnk", Some(Whiteout::Ignored)),
            (".wh..wh.plnk/1234.5", Some(Whiteout::Ignored)),
            ("a/.wh..wh.aufs", Some(Whiteout::Ignored)),
            ("a/.wh.", Some(Whiteout::Ignored)),
            ("a/.wh..", Some(Whiteout::Ignored)),
            ("a/.wh...", Some(Whiteout::Ignored)),
            ("a/x.wh.y", None),
            ("a/.wh", None),
            ("../.wh.x", remove("../x")),
        ];
        for (path, expected) in cases {
            assert_eq!(&LayerEntry::file(path, 0).whiteout(), expected, "{path}");
        }
    }

    #[test]
    fn whiteout_target_keeps_odd_flags() {
        let entry = LayerEntry::file("/etc/.wh.shadow", 0);
        let Some(Whiteout::Remove { target }) = entry.whiteout() else {
            panic!("not a whiteout: {entry:?}");
        };
        assert_eq!(target.as_str(), "etc/shadow");
        assert!(!target.oddities().is_empty());
    }

    #[test]
    fn content_size_counts_regular_files_only() {
        let mut link = LayerEntry::hardlink("a", "b");
        link.size = 99;
        let cases = [
            (LayerEntry::file("f", 12), 12),
            (LayerEntry::dir("d"), 0),
            (LayerEntry::symlink("l", "/x"), 0),
            (link, 0),
        ];
        for (entry, size) in cases {
            assert_eq!(entry.content_size(), size, "{entry:?}");
        }
    }

    #[test]
    fn mode_string_table() {
        let dev = EntryKind::CharDevice { major: 1, minor: 3 };
        let cases = [
            (EntryKind::File, 0o644, "-rw-r--r--"),
            (EntryKind::Dir, 0o755, "drwxr-xr-x"),
            (EntryKind::Dir, 0o1777, "drwxrwxrwt"),
            (EntryKind::File, 0o4755, "-rwsr-xr-x"),
            (EntryKind::File, 0o2644, "-rw-r-Sr--"),
            (
                EntryKind::Symlink { target: "x".into() },
                0o777,
                "lrwxrwxrwx",
            ),
            (dev, 0o666, "crw-rw-rw-"),
            (EntryKind::Fifo, 0o600, "prw-------"),
        ];
        for (kind, mode, expected) in cases {
            let mut entry = LayerEntry::new(EntryPath::new("x"), kind);
            entry.mode = mode;
            assert_eq!(entry.mode_string(), expected, "{mode:o}");
        }
    }

    #[test]
    fn constructors_pick_sensible_modes() {
        assert_eq!(LayerEntry::dir("d").mode, 0o755);
        assert_eq!(LayerEntry::file("f", 1).mode, 0o644);
        assert_eq!(LayerEntry::symlink("l", "t").mode, 0o777);
        assert!(LayerEntry::dir("d").is_dir());
    }
}
