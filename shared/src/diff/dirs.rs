//! [`DirDelta`]: how much each directory grew or shrank from image A to
//! image B (the content sizes of everything below it), for the directories
//! that hold a changed path.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::files::PathDiff;
use crate::merged::MergedTree;

/// One directory's total size in each image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirDelta {
    /// The directory (`""` is the root).
    pub path: String,
    /// Total size below it in A (0 when A has no such directory).
    pub a: u64,
    /// Total size below it in B (0 when B has no such directory).
    pub b: u64,
}

impl DirDelta {
    /// `b - a`, in bytes.
    pub fn delta(&self) -> i128 {
        i128::from(self.b) - i128::from(self.a)
    }
}

/// The directories holding a path of `diffs` (their ancestors, up to the
/// root) whose total size differs between `a` and `b`, sorted by path.
pub fn dir_deltas(a: &MergedTree, b: &MergedTree, diffs: &[PathDiff]) -> Vec<DirDelta> {
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for diff in diffs {
        let mut path = diff.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if !dirs.insert(parent) {
                break;
            }
            path = parent;
        }
        dirs.insert("");
    }
    dirs.into_iter()
        .map(|dir| DirDelta {
            path: dir.to_owned(),
            a: a.dir_size(dir).unwrap_or(0),
            b: b.dir_size(dir).unwrap_or(0),
        })
        .filter(|d| d.a != d.b)
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::diff::{ImageFiles, Show, diff_trees};
    use crate::merged::LayerEntry;

    #[test]
    fn deltas_of_the_changed_directories() {
        let base = vec![
            LayerEntry::file("etc/passwd", 100),
            LayerEntry::file("usr/lib/libc.so", 1000),
            LayerEntry::file("usr/share/doc/readme", 10),
        ];
        let a =
            ImageFiles::from_layers([base.clone(), vec![LayerEntry::file("usr/lib/libz.so", 50)]]);
        let b = ImageFiles::from_layers([
            base,
            vec![
                LayerEntry::file("usr/lib/libz.so", 80),
                LayerEntry::file("opt/app/bin", 7),
            ],
        ]);
        let diffs = diff_trees(&a, &b, &[true, false], Show::Changed);
        let owned: Vec<(String, u64, u64, i128)> = dir_deltas(a.tree(), b.tree(), &diffs)
            .into_iter()
            .map(|d| {
                let delta = d.delta();
                (d.path, d.a, d.b, delta)
            })
            .collect();
        assert_eq!(
            owned,
            [
                (String::new(), 1160, 1197, 37),
                ("opt".to_owned(), 0, 7, 7),
                ("opt/app".to_owned(), 0, 7, 7),
                ("usr".to_owned(), 1060, 1090, 30),
                ("usr/lib".to_owned(), 1050, 1080, 30),
            ]
        );
    }
}
