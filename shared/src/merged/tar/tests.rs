//! Parser tests on archives built byte by byte with [`super::writer`].

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::writer::{Magic, TarWriter, pax_record, seal};
use super::*;
use crate::merged::{EntryKind, EntryPath, LayerEntry, Oddity};

/// (case name, archive bytes, expected end, entries read).
type EndCase<'a> = (&'a str, &'a [u8], Result<(), TarError>, usize);

/// (path asked for, preview size, expected bytes and truncation).
type PreviewCase<'a> = (&'a str, usize, Option<(&'a [u8], bool)>);

const CHUNK_SIZES: [usize; 5] = [1, 7, 512, 1 << 20, usize::MAX];

/// Parses `bytes` fed in chunks of `size`; returns the entries and the
/// first error (from `push` or `finish`).
fn parse(bytes: &[u8], size: usize) -> (Vec<LayerEntry>, Result<(), TarError>) {
    let mut parser = TarParser::new();
    let mut entries = Vec::new();
    for chunk in bytes.chunks(size.min(bytes.len().max(1))) {
        if let Err(error) = parser.push(chunk, &mut entries) {
            return (entries, Err(error));
        }
    }
    let end = parser.finish();
    (entries, end)
}

/// Parses in every chunk size, checks they agree, returns the result.
fn parse_all_ways(bytes: &[u8]) -> (Vec<LayerEntry>, Result<(), TarError>) {
    let first = parse(bytes, 1);
    for size in CHUNK_SIZES {
        assert_eq!(parse(bytes, size), first, "chunk size {size}");
    }
    first
}

fn paths(entries: &[LayerEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.path.as_str()).collect()
}

fn sample() -> Vec<u8> {
    let mut big = vec![0u8; 3000];
    for (i, b) in big.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    TarWriter::new()
        .dir("./etc/")
        .file("./etc/hostname", b"strata\n")
        .file("usr/bin/big", &big)
        .entry("usr/bin/sh", b'2', b"", "/bin/busybox")
        .entry("usr/bin/ash", b'1', b"", "./usr/bin/big")
        .entry("dev/null", b'3', b"", "")
        .entry("run/fifo", b'6', b"", "")
        .file("empty", b"")
        .finish()
}

#[test]
fn reads_ustar_entries_identically_in_any_chunk_size() {
    let (entries, end) = parse_all_ways(&sample());
    assert_eq!(end, Ok(()));
    let expected: &[(&str, EntryKind, u64, u64)] = &[
        ("etc", EntryKind::Dir, 0, 0),
        ("etc/hostname", EntryKind::File, 7, 512),
        ("usr/bin/big", EntryKind::File, 3000, 1536),
        (
            "usr/bin/sh",
            EntryKind::Symlink {
                target: "/bin/busybox".into(),
            },
            0,
            5120,
        ),
        (
            "usr/bin/ash",
            EntryKind::Hardlink {
                target: EntryPath::new("usr/bin/big"),
            },
            0,
            5632,
        ),
        (
            "dev/null",
            EntryKind::CharDevice { major: 0, minor: 0 },
            0,
            6144,
        ),
        ("run/fifo", EntryKind::Fifo, 0, 6656),
        ("empty", EntryKind::File, 0, 7168),
    ];
    assert_eq!(entries.len(), expected.len());
    for (entry, (path, kind, size, offset)) in entries.iter().zip(expected) {
        assert_eq!(entry.path.as_str(), *path);
        assert_eq!(&entry.kind, kind, "{path}");
        assert_eq!(entry.size, *size, "{path}");
        assert_eq!(entry.offset, *offset, "{path}");
        assert_eq!(
            (entry.uid, entry.gid, entry.mode),
            (1000, 1000, 0o644),
            "{path}"
        );
        assert_eq!(entry.mtime, 1_700_000_000, "{path}");
    }
}

#[test]
fn reads_gnu_long_names_and_links() {
    let long_dir = "d".repeat(90);
    let long_name = format!("{long_dir}/{}", "f".repeat(120));
    let long_link = format!("/{}", "t".repeat(150));
    let bytes = TarWriter::new()
        .gnu_long(b'L', long_name.as_bytes())
        .file("truncated-name", b"abc")
        .gnu_long(b'L', b"link-with-long-target")
        .gnu_long(b'K', long_link.as_bytes())
        .entry("x", b'2', b"", "short")
        .file("after", b"")
        .finish();
    let (entries, end) = parse_all_ways(&bytes);
    assert_eq!(end, Ok(()));
    assert_eq!(
        paths(&entries),
        [long_name.as_str(), "link-with-long-target", "after"]
    );
    assert_eq!(entries[0].size, 3);
    assert_eq!(entries[0].offset, 0, "offset of the L header");
    assert_eq!(entries[1].kind, EntryKind::Symlink { target: long_link });
}

#[test]
fn reads_pax_local_and_global_records() {
    let pax_path = format!("{}/ünïcödé", "p".repeat(120));
    let bytes = TarWriter::new()
        .pax(b'g', &[("mtime", b"1600000000"), ("uid", b"7")])
        .pax(
            b'x',
            &[
                ("path", pax_path.as_bytes()),
                ("size", b"5"),
                ("mtime", b"1700000123.5"),
                ("gid", b"2000000"),
                ("SCHILY.xattr.user.k", b"v"),
            ],
        )
        .raw(&TarWriter::header(b"ignored", b'0', 0, b"", Magic::Ustar))
        .data(b"hello")
        .pax(b'x', &[("linkpath", b"../../target"), ("path", b"")])
        .entry("link", b'2', b"", "ignored")
        .file("plain", b"")
        .finish();
    let (entries, end) = parse_all_ways(&bytes);
    assert_eq!(end, Ok(()));
    assert_eq!(paths(&entries), [pax_path.as_str(), "link", "plain"]);
    let first = &entries[0];
    assert_eq!(
        (first.size, first.mtime, first.uid, first.gid),
        (5, 1_700_000_123, 7, 2_000_000)
    );
    assert_eq!(
        first.offset, 1024,
        "offset of the x header after the g header"
    );
    assert_eq!(
        entries[1].kind,
        EntryKind::Symlink {
            target: "../../target".into()
        }
    );
    assert_eq!(
        (entries[2].mtime, entries[2].uid),
        (1_600_000_000, 7),
        "global records persist"
    );
}

#[test]
fn reads_ustar_prefix_and_v7_headers() {
    let name = format!("{}/{}", "a".repeat(140), "b".repeat(90));
    let gnu = TarWriter::header(b"gnu/", 0, 0, b"", Magic::Gnu);
    let v7 = TarWriter::header(b"old/dir/", 0, 0, b"", Magic::V7);
    let v7_file = TarWriter::header(b"old/file", 0, 0, b"", Magic::V7);
    let bytes = TarWriter::new()
        .file(&name, b"")
        .raw(&gnu)
        .raw(&v7)
        .raw(&v7_file)
        .finish();
    let (entries, end) = parse_all_ways(&bytes);
    assert_eq!(end, Ok(()));
    assert_eq!(
        paths(&entries),
        [name.as_str(), "gnu", "old/dir", "old/file"]
    );
    let kinds: Vec<_> = entries.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::File,
            EntryKind::Dir,
            EntryKind::Dir,
            EntryKind::File
        ]
    );
}

#[test]
fn reads_base256_numbers_and_odd_names() {
    let mut block = TarWriter::header(b"/../etc/passwd", b'0', 0, b"", Magic::Gnu);
    block[108..116].copy_from_slice(&[0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]);
    block[136..148].copy_from_slice(&[0xff; 12]);
    seal(&mut block);
    let (entries, end) = parse_all_ways(&TarWriter::new().raw(&block).finish());
    assert_eq!(end, Ok(()));
    assert_eq!(entries[0].uid, 0x7fff_ffff);
    assert_eq!(entries[0].mtime, -1);
    assert_eq!(entries[0].path.as_str(), "../etc/passwd");
    let flags: Vec<_> = entries[0].path.oddities().iter().collect();
    assert_eq!(flags, [Oddity::Absolute, Oddity::ParentComponent]);
}

#[test]
fn archive_end_rules() {
    let one = TarWriter::new().file("a", b"1").finish();
    let mut trailing = one.clone();
    trailing.extend_from_slice(&[0xAB; 700]);
    let single_zero = one[..one.len() - 512].to_vec();
    let no_marker = one[..one.len() - 1024].to_vec();
    let mut after_zero = single_zero.clone();
    after_zero.extend_from_slice(&TarWriter::new().file("b", b"").finish());
    let cases: &[EndCase<'_>] = &[
        ("two zero blocks", &one, Ok(()), 1),
        ("garbage after the end is ignored", &trailing, Ok(()), 1),
        ("one zero block then EOF", &single_zero, Ok(()), 1),
        ("EOF at a header boundary", &no_marker, Ok(()), 1),
        ("empty stream", b"", Ok(()), 0),
        (
            "data after one zero block",
            &after_zero,
            Err(TarError::DataAfterEnd { offset: 1536 }),
            1,
        ),
    ];
    for (name, bytes, expected, count) in cases {
        let (entries, end) = parse_all_ways(bytes);
        assert_eq!(&end, expected, "{name}");
        assert_eq!(entries.len(), *count, "{name}");
    }
    let mut parser = TarParser::new();
    parser
        .push(&trailing, &mut Vec::new())
        .expect("valid archive");
    assert!(parser.is_done());
    assert_eq!(
        parser.offset(),
        trailing.len() as u64,
        "bytes after the end are counted"
    );
}

#[test]
fn errors_say_what_and_where() {
    let good = TarWriter::new()
        .file("a", b"hello")
        .file("b", b"world")
        .finish();
    let mut bad_checksum = good.clone();
    bad_checksum[1024 + 3] ^= 0x20;
    let mut bad_number = TarWriter::header(b"n", b'0', 0, b"", Magic::Ustar);
    bad_number[100..108].copy_from_slice(b"0000x44\0");
    seal(&mut bad_number);
    let mut bad_pax = TarWriter::new();
    bad_pax
        .raw(&TarWriter::header(b"p", b'x', 7, b"", Magic::Ustar))
        .data(b"9 a=b\n\0");
    let mut huge = TarWriter::header(b"h", b'x', 0, b"", Magic::Ustar);
    huge[124..136].copy_from_slice(b"00004000001\0");
    seal(&mut huge);
    let dangling = TarWriter::new().pax(b'x', &[("path", b"p")]).finish();
    let truncated_content = good[..512 + 3].to_vec();
    let truncated_padding = good[..512 + 100].to_vec();
    let truncated_header = good[..1024 + 100].to_vec();
    let truncated_ext = TarWriter::new().gnu_long(b'L', &[b'n'; 600]).finish()[..700].to_vec();

    let cases: Vec<(&str, Vec<u8>, TarError, usize)> = vec![
        (
            "checksum",
            bad_checksum,
            TarError::Checksum {
                offset: 1024,
                stored: 0,
                computed: 0,
            },
            1,
        ),
        (
            "mode",
            TarWriter::new().raw(&bad_number).finish(),
            TarError::InvalidNumber {
                offset: 0,
                field: HeaderField::Mode,
            },
            0,
        ),
        (
            "pax",
            bad_pax.finish(),
            TarError::InvalidPax {
                offset: 0,
                problem: PaxProblem::BadLength,
            },
            0,
        ),
        (
            "too large",
            TarWriter::new().raw(&huge).finish(),
            TarError::ExtensionTooLarge {
                offset: 0,
                size: (1 << 20) + 1,
                limit: 1 << 20,
            },
            0,
        ),
        (
            "dangling",
            dangling,
            TarError::Truncated {
                offset: 1024,
                inside: Truncation::BeforeEntry,
            },
            0,
        ),
        (
            "content",
            truncated_content,
            TarError::Truncated {
                offset: 515,
                inside: Truncation::Content { path: "a".into() },
            },
            1,
        ),
        (
            "padding",
            truncated_padding,
            TarError::Truncated {
                offset: 612,
                inside: Truncation::Content { path: "a".into() },
            },
            1,
        ),
        (
            "header",
            truncated_header,
            TarError::Truncated {
                offset: 1124,
                inside: Truncation::Header,
            },
            1,
        ),
        (
            "extension",
            truncated_ext,
            TarError::Truncated {
                offset: 700,
                inside: Truncation::Extension,
            },
            0,
        ),
    ];
    for (name, bytes, expected, count) in cases {
        let (entries, end) = parse_all_ways(&bytes);
        let error = end.expect_err(name);
        match (&error, &expected) {
            (
                TarError::Checksum {
                    offset,
                    stored,
                    computed,
                },
                TarError::Checksum { offset: want, .. },
            ) => {
                assert_eq!(offset, want, "{name}");
                assert_ne!(stored, computed, "{name}");
            }
            _ => assert_eq!(error, expected, "{name}"),
        }
        assert_eq!(error.offset(), expected.offset(), "{name}");
        assert!(
            error.to_string().contains(&expected.offset().to_string()),
            "{name}: {error}"
        );
        assert_eq!(
            entries.len(),
            count,
            "{name}: entries before the error are kept"
        );
    }
}

#[test]
fn errors_are_sticky() {
    let mut bytes = TarWriter::new().file("a", b"").finish();
    bytes[0] = b'b';
    let mut parser = TarParser::new();
    let mut out = Vec::new();
    let first = parser.push(&bytes, &mut out).expect_err("bad checksum");
    assert_eq!(parser.push(b"", &mut out), Err(first.clone()));
    assert_eq!(parser.finish(), Err(first));
}

#[test]
fn preview_captures_the_first_bytes_in_any_chunk_size() {
    let content: Vec<u8> = (0..5000u32).map(|i| (i % 256) as u8).collect();
    let bytes = TarWriter::new()
        .file("etc/motd", b"welcome\n")
        .file("bin/tool", &content)
        .entry("bin/alias", b'1', b"", "bin/tool")
        .finish();
    let cases: &[PreviewCase<'_>] = &[
        ("etc/motd", 1 << 20, Some((&b"welcome\n"[..], false))),
        ("/etc//motd", 3, Some((&b"wel"[..], true))),
        ("bin/tool", 1000, Some((&content[..1000], true))),
        ("bin/tool", 5000, Some((&content[..], false))),
        ("bin/alias", 100, None),
        ("missing", 100, None),
    ];
    for (path, max, expected) in cases {
        for size in CHUNK_SIZES {
            let mut parser = TarParser::with_preview(&EntryPath::new(path), *max);
            let mut out = Vec::new();
            for chunk in bytes.chunks(size.min(bytes.len())) {
                parser.push(chunk, &mut out).expect("valid archive");
            }
            parser.finish().expect("valid archive");
            let preview = parser.take_preview();
            let got = preview
                .as_ref()
                .map(|p| (p.bytes.as_slice(), p.is_truncated()));
            assert_eq!(got, *expected, "{path} max {max} chunk {size}");
            assert!(preview.is_none_or(|p| p.complete), "{path}");
        }
    }
}

#[test]
fn pax_record_helper_counts_its_own_length() {
    for value in [&b""[..], &b"x"[..], &b"123456"[..], &[b'y'; 95][..]] {
        let record = pax_record("path", value);
        let len: usize = String::from_utf8_lossy(&record)
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("length prefix");
        assert_eq!(len, record.len());
    }
}

#[test]
fn drain_preview_moves_a_whole_file_out_in_pieces() {
    let content: Vec<u8> = (0..3000u32).map(|i| (i % 253) as u8).collect();
    let bytes = TarWriter::new()
        .file("big", b"an older copy that a later entry replaces")
        .file("other", b"x")
        .file("big", &content)
        .finish();
    for size in [1, 100, 512, 4096] {
        let mut parser = TarParser::with_preview(&EntryPath::new("big"), content.len());
        let mut out = Vec::new();
        let mut got: Vec<u8> = Vec::new();
        let mut owner = None;
        for chunk in bytes.chunks(size) {
            parser.push(chunk, &mut out).expect("valid archive");
            if let Some((offset, piece)) = parser.drain_preview() {
                if owner != Some(offset) {
                    owner = Some(offset);
                    got.clear();
                }
                got.extend_from_slice(&piece);
            }
        }
        parser.finish().expect("valid archive");
        assert_eq!(got, content, "chunk {size}");
        assert!(
            parser
                .preview()
                .is_some_and(|p| p.complete && p.bytes.is_empty())
        );
    }
    let mut capped = TarParser::with_preview(&EntryPath::new("big"), 10);
    let mut out = Vec::new();
    let mut total = 0;
    for chunk in bytes.chunks(3) {
        capped.push(chunk, &mut out).expect("valid archive");
        total = match capped.drain_preview() {
            Some((offset, piece)) if offset > 0 => total + piece.len(),
            _ => 0,
        };
    }
    assert_eq!(total, 10, "the cap counts drained bytes");
}

#[test]
fn content_digests_of_regular_files_in_every_chunk_size() {
    use crate::digest::Digest;
    let bytes = sample();
    let mut big = vec![0u8; 3000];
    for (i, b) in big.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    for size in CHUNK_SIZES {
        let mut parser = TarParser::new().with_content_digests();
        let mut entries = Vec::new();
        for chunk in bytes.chunks(size.min(bytes.len())) {
            assert_eq!(parser.push(chunk, &mut entries), Ok(()));
        }
        assert_eq!(parser.finish(), Ok(()));
        let offset = |path: &str| {
            entries
                .iter()
                .find(|e| e.path.as_str() == path)
                .map(|e| e.offset)
                .unwrap_or(u64::MAX)
        };
        let expected = vec![
            (offset("etc/hostname"), Digest::sha256_of(b"strata\n")),
            (offset("usr/bin/big"), Digest::sha256_of(&big)),
            (offset("empty"), Digest::sha256_of(b"")),
        ];
        assert_eq!(parser.take_content_digests(), expected, "chunk size {size}");
        assert!(parser.take_content_digests().is_empty(), "taken once");
    }
    let mut plain = TarParser::new();
    assert_eq!(plain.push(&bytes, &mut Vec::new()), Ok(()));
    assert!(plain.take_content_digests().is_empty(), "only when asked");
}
