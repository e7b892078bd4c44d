//! eStargz layers (stargz-snapshotter's seekable gzip): each file is a gzip
//! member of its own, and the layer ends with a table of contents (a gzip
//! member holding the tar entry `stargz.index.json`) and a footer (an
//! empty gzip member whose extra field says where the table starts). The
//! explorer lists such a layer from those two short ranges, as a hint,
//! before the layer's bytes are checked.
//!
//! Read here: [`toc_offset`] from the footer, [`toc_entries`] from the
//! table's member. A layer is eStargz when its descriptor carries
//! [`TOC_DIGEST_ANNOTATION`].

use std::io::Read as _;

use serde::Deserialize;

use crate::merged::{EntryKind, EntryPath, LayerEntry, TarParser};

/// The annotation eStargz builders put on the layer's descriptor.
pub const TOC_DIGEST_ANNOTATION: &str = "containerd.io/snapshot/stargz/toc.digest";
/// The footer's size (the legacy stargz footer is 47 bytes, inside these).
pub const FOOTER_SIZE: u64 = 51;
/// The table of contents' name in the tar.
pub const TOC_NAME: &str = "stargz.index.json";
/// The largest table of contents read (decompressed).
const MAX_TOC: u64 = 64 << 20;

/// Why a layer's table of contents cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TocError {
    /// The footer does not name a table.
    #[error("the eStargz footer does not say where the table of contents is")]
    Footer,
    /// The table is not a gzip member holding `stargz.index.json`.
    #[error("the eStargz table of contents is unreadable: {0}")]
    Unreadable(String),
}

/// Where the table of contents starts, read from the layer's last
/// [`FOOTER_SIZE`] bytes (or fewer): the 16 hex digits before `STARGZ` in
/// the footer's gzip extra field.
pub fn toc_offset(footer: &[u8]) -> Result<u64, TocError> {
    let at = footer
        .windows(6)
        .rposition(|w| w == b"STARGZ")
        .ok_or(TocError::Footer)?;
    let hex = footer.get(at.checked_sub(16).ok_or(TocError::Footer)?..at);
    let hex = hex
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or(TocError::Footer)?;
    u64::from_str_radix(hex, 16).map_err(|_| TocError::Footer)
}

#[derive(Deserialize)]
struct Toc {
    entries: Vec<TocEntry>,
}

#[derive(Deserialize)]
struct TocEntry {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    modtime: Option<String>,
    #[serde(default, rename = "linkName")]
    link_name: String,
    #[serde(default)]
    mode: u64,
    #[serde(default)]
    uid: u64,
    #[serde(default)]
    gid: u64,
    #[serde(default, rename = "devMajor")]
    dev_major: u32,
    #[serde(default, rename = "devMinor")]
    dev_minor: u32,
}

/// The entries the table lists, from the bytes between the table's start
/// and the footer, as [`LayerEntry`]s (offsets unknown: 0). Continuation
/// `chunk` records of large files are folded into their file.
pub fn toc_entries(member: &[u8]) -> Result<Vec<LayerEntry>, TocError> {
    let bad = |e: &dyn std::fmt::Display| TocError::Unreadable(e.to_string());
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(member)
        .take(MAX_TOC + 1)
        .read_to_end(&mut tar)
        .map_err(|e| bad(&e))?;
    if tar.len() as u64 > MAX_TOC {
        return Err(bad(&format!("larger than {} MiB", MAX_TOC >> 20)));
    }
    let mut parser = TarParser::with_preview(&EntryPath::new(TOC_NAME), MAX_TOC as usize);
    let mut entries = Vec::new();
    parser.push(&tar, &mut entries).map_err(|e| bad(&e))?;
    let preview = parser
        .take_preview()
        .filter(|p| p.complete)
        .ok_or_else(|| bad(&format!("no `{TOC_NAME}` in it")))?;
    let toc: Toc = serde_json::from_slice(&preview.bytes).map_err(|e| bad(&e))?;
    Ok(toc
        .entries
        .into_iter()
        .filter_map(|e| {
            let kind = match e.kind.as_str() {
                "reg" => EntryKind::File,
                "dir" => EntryKind::Dir,
                "symlink" => EntryKind::Symlink {
                    target: e.link_name.clone(),
                },
                "hardlink" => EntryKind::Hardlink {
                    target: EntryPath::new(&e.link_name),
                },
                "char" => EntryKind::CharDevice {
                    major: e.dev_major,
                    minor: e.dev_minor,
                },
                "block" => EntryKind::BlockDevice {
                    major: e.dev_major,
                    minor: e.dev_minor,
                },
                "fifo" => EntryKind::Fifo,
                _ => return None,
            };
            let mtime = e
                .modtime
                .as_deref()
                .and_then(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .map_or(0, |t| t.unix_timestamp());
            Some(LayerEntry {
                path: EntryPath::new(&e.name),
                size: if kind == EntryKind::File { e.size } else { 0 },
                kind,
                mode: (e.mode & 0o7777) as u32,
                uid: e.uid,
                gid: e.gid,
                mtime,
                offset: 0,
            })
        })
        .collect())
}

/// How the table's listing differs from the layer's own entries, by path,
/// type and size (`stargz.index.json` itself is only in the tar): `None`
/// when it does not.
pub fn toc_differs(toc: &[LayerEntry], tar: &[LayerEntry]) -> Option<String> {
    let key = |e: &LayerEntry| {
        (
            e.path.as_str().to_owned(),
            e.kind.type_char(),
            e.content_size(),
        )
    };
    let mut listed: Vec<_> = toc.iter().map(key).collect();
    let mut actual: Vec<_> = tar
        .iter()
        .filter(|e| e.path.as_str() != TOC_NAME)
        .map(key)
        .collect();
    listed.sort();
    actual.sort();
    if listed == actual {
        return None;
    }
    // Both sorted: binary searches, so a table of many entries stays cheap.
    let missing = actual.iter().find(|a| listed.binary_search(a).is_err());
    let extra = listed.iter().find(|l| actual.binary_search(l).is_err());
    Some(match (extra, missing) {
        (Some((path, _, size)), _) => format!(
            "the table of contents lists `{path}` ({size} bytes), which the layer does not hold so"
        ),
        (None, Some((path, _, size))) => {
            format!("the table of contents leaves out `{path}` ({size} bytes)")
        }
        (None, None) => "the table of contents lists entries more than once".into(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{TOC_NAME, toc_differs, toc_entries, toc_offset};
    use crate::merged::tar::writer::TarWriter;
    use crate::merged::{EntryKind, LayerEntry};

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(data).expect("gzip");
        e.finish().expect("gzip")
    }

    #[test]
    fn the_footer_names_the_table_and_the_table_lists_entries() {
        let mut footer = vec![
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 26, 0, b'S', b'G', 22, 0,
        ];
        footer.extend(b"00000000000a1b2cSTARGZ");
        footer.extend([1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(footer.len(), 51);
        assert_eq!(toc_offset(&footer), Ok(0xa1b2c));
        assert!(toc_offset(b"no footer here, nothing at all").is_err());

        let json = r#"{"version":1,"entries":[
            {"name":"etc/","type":"dir","mode":493},
            {"name":"etc/hosts","type":"reg","size":12,"mode":420,"modtime":"2024-01-02T03:04:05Z","offset":40},
            {"name":"big","type":"reg","size":9000000,"offset":100},
            {"name":"big","type":"chunk","chunkOffset":4194304,"offset":5000},
            {"name":"etc/link","type":"symlink","linkName":"hosts"}]}"#;
        let mut tar = TarWriter::new();
        tar.file(TOC_NAME, json.as_bytes());
        let entries = toc_entries(&gzip(&tar.finish())).expect("toc");
        let names: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["etc", "etc/hosts", "big", "etc/link"]);
        assert_eq!(entries[1].size, 12);
        assert_eq!(entries[1].mode, 0o644);
        assert_eq!(entries[1].mtime, 1_704_164_645);
        assert_eq!(
            entries[3].kind,
            EntryKind::Symlink {
                target: "hosts".into()
            }
        );
        assert!(toc_entries(b"not gzip").is_err());
    }

    #[test]
    fn a_table_that_differs_from_the_tar_is_named() {
        let toc = vec![LayerEntry::file("a", 3), LayerEntry::dir("d")];
        let mut tar = toc.clone();
        tar.push(LayerEntry::file(TOC_NAME, 100));
        assert_eq!(toc_differs(&toc, &tar), None);
        let lying = vec![LayerEntry::file("a", 4), LayerEntry::dir("d")];
        let reason = toc_differs(&lying, &tar).expect("differs");
        assert!(reason.contains("`a` (4 bytes)"), "{reason}");
    }
}
