//! End-to-end tests: tar bytes → [`TarParser`] → [`MergedTree`], and scale.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::tar::writer::TarWriter;
use super::*;

/// Parses one layer's bytes fed in chunks of `size`.
fn read_layer(bytes: &[u8], size: usize) -> Vec<LayerEntry> {
    let mut parser = TarParser::new();
    let mut entries = Vec::new();
    for chunk in bytes.chunks(size) {
        parser
            .push(chunk, &mut entries)
            .expect("test layer is a valid tar");
    }
    parser.finish().expect("test layer ends cleanly");
    entries
}

fn layers() -> Vec<Vec<u8>> {
    vec![
        TarWriter::new()
            .dir("etc/")
            .file("etc/os-release", b"ID=alpine\n")
            .dir("var/cache/")
            .file("var/cache/a.idx", &[1; 700])
            .file("var/cache/b.idx", &[2; 300])
            .entry("bin/sh", b'2', b"", "/bin/busybox")
            .file("bin/busybox", &[0x7f; 1000])
            .finish(),
        TarWriter::new()
            .dir("etc/")
            .file("etc/os-release", b"ID=strata\nVERSION=1\n")
            .file("var/.wh.cache", b"")
            .entry("bin/ash", b'1', b"", "bin/busybox")
            .finish(),
        TarWriter::new()
            .dir("var/cache/")
            .file("var/cache/.wh..wh..opq", b"")
            .file("var/cache/fresh", b"new")
            .finish(),
    ]
}

#[test]
fn tar_layers_merge_the_same_in_any_chunk_size() {
    let tars = layers();
    let mut reference: Option<Vec<(String, Option<usize>, u64)>> = None;
    for size in [1, 7, 512, 1 << 20] {
        let tree = MergedTree::from_layers(tars.iter().map(|t| read_layer(t, size)));
        let view: Vec<(String, Option<usize>, u64)> = tree
            .walk()
            .map(|n| (n.path().to_owned(), n.layer(), n.total_size()))
            .collect();
        match &reference {
            Some(expected) => assert_eq!(&view, expected, "chunk size {size}"),
            None => reference = Some(view),
        }
    }
    let tree = MergedTree::from_layers(tars.iter().map(|t| read_layer(t, 4096)));
    let listing: Vec<(&str, Option<usize>, u64)> = tree
        .walk()
        .map(|n| (n.path(), n.layer(), n.total_size()))
        .collect();
    assert_eq!(
        listing,
        [
            ("bin", Some(0), 1000),
            ("bin/ash", Some(1), 0),
            ("bin/busybox", Some(0), 1000),
            ("bin/sh", Some(0), 0),
            ("etc", Some(1), 20),
            ("etc/os-release", Some(1), 20),
            ("var", Some(0), 3),
            ("var/cache", Some(2), 3),
            ("var/cache/fresh", Some(2), 3),
        ]
    );
    let history: Vec<(usize, Change)> = tree
        .history("var/cache/a.idx")
        .iter()
        .map(|c| (c.layer, c.change))
        .collect();
    assert_eq!(history, [(0, Change::Added), (1, Change::Removed)]);
    let report = tree.efficiency();
    assert_eq!(report.wasted_bytes, 10 + 20, "os-release written twice");
    assert_eq!(
        tree.largest_files(1).first().map(|n| n.path()),
        Some("bin/busybox")
    );
}

#[test]
fn preview_of_a_file_chosen_in_the_merged_view() {
    let tars = layers();
    let tree = MergedTree::from_layers(tars.iter().map(|t| read_layer(t, 1 << 20)));
    let Some(node) = tree.get("etc/os-release") else {
        panic!("os-release is in the merged view");
    };
    let layer = node.layer().unwrap_or_default();
    let path = node
        .entry()
        .map(|e| e.path.clone())
        .unwrap_or_else(EntryPath::root);
    let mut parser = TarParser::with_preview(&path, 8);
    let mut entries = Vec::new();
    parser
        .push(&tars[layer], &mut entries)
        .expect("valid layer");
    let preview = parser.take_preview().expect("the file is in its layer");
    assert_eq!(preview.bytes, b"ID=strat");
    assert!(preview.is_truncated() && preview.complete);
}

#[test]
fn a_hundred_thousand_entries() {
    const DIRS: usize = 500;
    const PER_DIR: usize = 100;
    let mut base = Vec::with_capacity(DIRS * (PER_DIR + 1));
    for d in 0..DIRS {
        base.push(LayerEntry::dir(&format!("usr/share/d{d}")));
        for f in 0..PER_DIR {
            base.push(LayerEntry::file(&format!("usr/share/d{d}/f{f}"), 10));
        }
    }
    let mut update = Vec::new();
    for d in (0..DIRS).step_by(5) {
        update.push(LayerEntry::file(&format!("usr/share/.wh.d{d}"), 0));
    }
    for d in (1..DIRS).step_by(5) {
        for f in 0..PER_DIR {
            update.push(LayerEntry::file(&format!("usr/share/d{d}/f{f}"), 20));
        }
    }
    update.push(LayerEntry::file("usr/share/d2/.wh..wh..opq", 0));
    let tree = MergedTree::from_layers([base, update]);

    let removed_dirs = DIRS / 5;
    let expected_len = 2 + (DIRS - removed_dirs) * (PER_DIR + 1) - PER_DIR;
    assert_eq!(tree.len(), expected_len);
    assert_eq!(
        tree.list("usr/share").map(|c| c.len()),
        Ok(DIRS - removed_dirs)
    );
    let doubled = (DIRS / 5) as u64 * PER_DIR as u64;
    let kept = ((DIRS - 2 * removed_dirs) * PER_DIR - PER_DIR) as u64;
    assert_eq!(tree.dir_size("usr"), Ok(doubled * 20 + kept * 10));
    let top = tree.layer(1).expect("two layers");
    let removed = top
        .changes()
        .filter(|c| c.change == Change::Removed)
        .count();
    assert_eq!(removed, removed_dirs * (PER_DIR + 1) + PER_DIR);
    let report = tree.efficiency();
    assert_eq!(
        report.wasted_bytes,
        doubled * 30,
        "deleted directories count once, as in dive"
    );
    assert_eq!(
        tree.largest_files(3)
            .iter()
            .map(|n| n.size())
            .collect::<Vec<_>>(),
        [20, 20, 20]
    );
}
