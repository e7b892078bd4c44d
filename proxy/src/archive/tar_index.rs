//! The first pass over a tar: where each member's bytes are, every path
//! checked, links resolved inside the archive.
//!
//! A docker-archive may put `manifest.json` after the blobs, so a load
//! reads the tar twice: this pass notes each regular member's offset and
//! size (reading through the data, so a tar that ends early is caught
//! here), and the second reads members by offset. Symlinks and hard links
//! (legacy archives link a repeated `layer.tar` to its first copy) become
//! entries for their target; a link that leaves the archive, or a member
//! path that does, refuses the whole archive.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use shared::archive::{MemberPath, PathError};

use super::ArchiveError;

/// How many links a link may go through before it counts as a loop.
const MAX_LINK_HOPS: usize = 16;

/// Where a member's bytes are in the tar file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    /// Offset of the first data byte.
    pub(crate) offset: u64,
    /// Number of data bytes.
    pub(crate) size: u64,
}

/// Indexes the tar at `path`: every regular member (and every link to
/// one) by its normalised path.
pub(crate) fn index_tar(path: &Path) -> Result<BTreeMap<MemberPath, Span>, ArchiveError> {
    let file = File::open(path).map_err(ArchiveError::io("opening", path))?;
    let len = file
        .metadata()
        .map_err(ArchiveError::io("reading the size of", path))?
        .len();
    let truncated = |e: std::io::Error| ArchiveError::Truncated {
        problem: e.to_string(),
    };
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut members = BTreeMap::new();
    let mut links = Vec::new();
    for entry in archive.entries().map_err(truncated)? {
        let entry = entry.map_err(truncated)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        let member = match raw.parse::<MemberPath>() {
            Ok(member) => member,
            // `./`, the archive's own folder.
            Err(PathError::Empty) if kind.is_dir() => continue,
            Err(problem) => {
                return Err(ArchiveError::UnsafeMember {
                    member: raw,
                    problem,
                });
            }
        };
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            // A symlink is relative to its folder; a hard link names a
            // member from the archive's root.
            let resolved = if kind.is_symlink() {
                member.resolve_link(&target)
            } else {
                target.parse::<MemberPath>()
            };
            let resolved = resolved.map_err(|problem| ArchiveError::UnsafeLink {
                member: member.clone(),
                target: target.clone(),
                problem,
            })?;
            links.push((member, resolved));
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let span = Span {
                offset: entry.raw_file_position(),
                size: entry.size(),
            };
            if span.offset.saturating_add(span.size) > len {
                return Err(ArchiveError::Truncated {
                    problem: format!("the member {member} ends past the end of the file"),
                });
            }
            members.insert(member, span);
        }
    }
    // A link to a link is followed (at most MAX_LINK_HOPS); a dangling
    // link stays out, and the load reports the member missing if needed.
    let targets: BTreeMap<MemberPath, MemberPath> = links.into_iter().collect();
    for (link, first) in &targets {
        let mut at = first;
        for _ in 0..MAX_LINK_HOPS {
            if let Some(span) = members.get(at).copied() {
                members.insert(link.clone(), span);
                break;
            }
            match targets.get(at) {
                Some(next) => at = next,
                None => break,
            }
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar of regular files and symlinks, as given.
    fn tar_of(files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, path, *bytes)
                .expect("append");
        }
        for (path, target) in links {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder
                .append_link(&mut header, path, target)
                .expect("link");
        }
        builder.into_inner().expect("tar")
    }

    fn index(bytes: &[u8]) -> Result<BTreeMap<MemberPath, Span>, ArchiveError> {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.tar");
        std::fs::write(&path, bytes).expect("write");
        index_tar(&path)
    }

    fn at(path: &str) -> MemberPath {
        path.parse().expect("path")
    }

    #[test]
    fn links_inside_the_archive_name_their_target() {
        // Legacy docker-archives link a repeated layer to its first copy.
        let bytes = tar_of(
            &[("a/layer.tar", b"layer"), ("manifest.json", b"[]")],
            &[
                ("b/layer.tar", "../a/layer.tar"),
                ("c/layer.tar", "../b/layer.tar"),
                ("d", "gone"),
            ],
        );
        let members = index(&bytes).expect("index");
        let first = members[&at("a/layer.tar")];
        assert_eq!(first.size, 5);
        assert_eq!(members[&at("b/layer.tar")], first);
        assert_eq!(members[&at("c/layer.tar")], first, "a link to a link");
        assert!(
            !members.contains_key(&at("d")),
            "a dangling link names nothing"
        );
    }

    #[test]
    fn refusals() {
        let whole = tar_of(&[("a", &[7u8; 2000])], &[]);
        let cases: &[(&str, Vec<u8>, &str)] = &[
            ("cut in a member", whole[..1200].to_vec(), "truncated"),
            ("not a tar", b"hello".to_vec(), "truncated"),
            (
                "link out",
                tar_of(&[], &[("x", "../../etc/passwd")]),
                "leaves the archive",
            ),
            (
                "absolute link",
                tar_of(&[], &[("x", "/etc/passwd")]),
                "absolute",
            ),
        ];
        for (what, bytes, wanted) in cases {
            let err = index(bytes).expect_err(what).to_string();
            assert!(err.contains(wanted), "{what}: {err}");
        }
    }
}
