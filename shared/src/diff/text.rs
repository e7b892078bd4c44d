//! The human-readable diff `strata diff` prints: the two images, then
//! config differences, then the layers shared and different, then the
//! files (`A path`, `D path`, `M path (size 10 → 12, mode 0644 → 0755)`),
//! then the directories whose total size changed.
//!
//! Sizes are exact byte counts, so a diff reads the same on every machine.

use std::fmt::Write as _;

use super::config::{Changed, ConfigDiff, MapDiff};
use super::files::{Content, FileState, PathChange, PathDiff};
use super::image::{ImageDiff, ImageSide};
use super::layers::LayerSummary;

impl ImageDiff {
    /// The diff as text, one line per difference.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        side(&mut out, "---", &self.a);
        side(&mut out, "+++", &self.b);
        config(&mut out, &self.config);
        layers(&mut out, self);
        files(&mut out, self);
        out
    }
}

fn side(out: &mut String, mark: &str, image: &ImageSide) {
    let _ = writeln!(
        out,
        "{mark} {} ({}, config {})",
        image.reference, image.digest, image.config
    );
}

fn config(out: &mut String, diff: &ConfigDiff) {
    if diff.is_empty() {
        out.push_str("\nConfig: the same\n");
        return;
    }
    out.push_str("\nConfig:\n");
    if let Some(c) = &diff.platform {
        changed(out, "platform", c, |v| v.clone());
    }
    map(out, "env", &diff.env);
    let args = |v: &Option<Vec<String>>| match v {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "(unset)".to_owned(),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unset)".to_owned());
    if let Some(c) = &diff.entrypoint {
        changed(out, "entrypoint", c, args);
    }
    if let Some(c) = &diff.cmd {
        changed(out, "cmd", c, args);
    }
    if let Some(c) = &diff.user {
        changed(out, "user", c, text);
    }
    if let Some(c) = &diff.working_dir {
        changed(out, "workdir", c, text);
    }
    map(out, "label", &diff.labels);
    for port in &diff.exposed_ports.removed {
        let _ = writeln!(out, "  - port {port}");
    }
    for port in &diff.exposed_ports.added {
        let _ = writeln!(out, "  + port {port}");
    }
    let history = &diff.history;
    if !history.is_empty() {
        let _ = writeln!(out, "  history: {} steps the same, then", history.shared);
        for step in &history.a {
            let _ = writeln!(out, "  - {step}");
        }
        for step in &history.b {
            let _ = writeln!(out, "  + {step}");
        }
    }
}

fn changed<T>(out: &mut String, name: &str, c: &Changed<T>, show: impl Fn(&T) -> String) {
    let _ = writeln!(out, "  {name}: {} → {}", show(&c.a), show(&c.b));
}

fn map(out: &mut String, name: &str, diff: &MapDiff) {
    for (key, value) in &diff.removed {
        let _ = writeln!(out, "  - {name} {key}={value}");
    }
    for (key, value) in &diff.added {
        let _ = writeln!(out, "  + {name} {key}={value}");
    }
    for (key, c) in &diff.changed {
        let _ = writeln!(out, "  {name} {key}: {} → {}", c.a, c.b);
    }
}

fn layers(out: &mut String, diff: &ImageDiff) {
    let rows = &diff.layers.rows;
    let shared = diff.layers.shared_count();
    let _ = writeln!(
        out,
        "\nLayers: {shared} shared, {} different:",
        rows.len() - shared
    );
    let layer = |l: &Option<LayerSummary>| match l {
        Some(l) => format!("{} ({} bytes)", l.digest, l.size),
        None => "(none)".to_owned(),
    };
    for row in rows {
        if row.shared {
            let _ = writeln!(out, "  = {} {}", row.index, layer(&row.a));
        } else {
            let _ = writeln!(out, "  - {} {}", row.index, layer(&row.a));
            let _ = writeln!(out, "  + {} {}", row.index, layer(&row.b));
        }
    }
}

fn files(out: &mut String, diff: &ImageDiff) {
    let changed = diff
        .files
        .iter()
        .filter(|f| f.change != PathChange::Unchanged)
        .count();
    let _ = writeln!(out, "\nFiles: {changed} changed:");
    for file in &diff.files {
        let _ = writeln!(out, "  {}", file_line(file));
    }
    if diff.dirs.is_empty() {
        return;
    }
    out.push_str("\nDirectories:\n");
    for dir in &diff.dirs {
        let path = if dir.path.is_empty() { "/" } else { &dir.path };
        let _ = writeln!(
            out,
            "  {path}: {} → {} bytes ({:+})",
            dir.a,
            dir.b,
            dir.delta()
        );
    }
}

/// One file's line: its letter, its path, and what changed.
pub fn file_line(file: &PathDiff) -> String {
    let mut line = format!("{} {}", file.change.letter(), file.path);
    let (Some(a), Some(b)) = (&file.a, &file.b) else {
        return line;
    };
    let mut parts: Vec<String> = file
        .changed_fields()
        .into_iter()
        .map(|field| format!("{field} {} → {}", value(a, field), value(b, field)))
        .collect();
    if file.change == PathChange::Rewritten {
        parts.push("written again; content not compared".to_owned());
    } else if file.change == PathChange::Modified && file.content == Content::Unknown {
        parts.push("content not compared".to_owned());
    }
    if !parts.is_empty() {
        let _ = write!(line, " ({})", parts.join(", "));
    }
    line
}

fn value(state: &FileState, field: &str) -> String {
    let opt = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    match field {
        "kind" => serde_json::to_value(state.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        "size" => state.size.to_string(),
        "mode" => state
            .mode
            .map_or_else(|| "-".to_owned(), |m| format!("{m:04o}")),
        "uid" => opt(state.uid),
        "gid" => opt(state.gid),
        "link" => state.link.clone().unwrap_or_else(|| "-".to_owned()),
        _ => state
            .digest
            .as_ref()
            .map_or_else(|| "unknown".to_owned(), |d| d.short().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::diff::ImageFiles;
    use crate::diff::{Show, diff_trees};
    use crate::merged::LayerEntry;

    #[test]
    fn file_lines_table() {
        let mut exe = LayerEntry::file("bin/app", 10);
        exe.mode = 0o755;
        let a = ImageFiles::from_layers([vec![
            LayerEntry::file("bin/app", 10),
            LayerEntry::file("etc/old", 1),
            LayerEntry::symlink("bin/sh", "busybox"),
            LayerEntry::file("etc/same", 4),
        ]]);
        let b = ImageFiles::from_layers([vec![
            exe,
            LayerEntry::file("etc/new", 1),
            LayerEntry::symlink("bin/sh", "bash"),
            LayerEntry::file("etc/same", 4),
        ]]);
        let lines: Vec<String> = diff_trees(&a, &b, &[false], Show::Changed)
            .iter()
            .map(file_line)
            .collect();
        assert_eq!(
            lines,
            [
                "M bin/app (mode 0644 → 0755, content not compared)",
                "M bin/sh (link busybox → bash)",
                "A etc/new",
                "D etc/old",
                "R etc/same (written again; content not compared)",
            ]
        );
    }
}
