use std::io::Write as _;

use super::{EntryReader, IndexBuilder, IndexError, LayerIndex, OpenError};
use crate::digest::Digest;
use crate::media_type::Compression;
use crate::merged::tar::writer::TarWriter;

/// Content that compresses a little and differs per file.
fn content(i: usize, len: usize) -> Vec<u8> {
    let mut state = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..len)
        .map(|n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if n % 3 == 0 {
                b'a' + (i % 26) as u8
            } else {
                state as u8
            }
        })
        .collect()
}

/// A tar of 60 files of 50–250 KiB (about 9 MiB), with a directory,
/// a long name (PAX) and a symlink.
fn tar() -> Vec<u8> {
    let mut writer = TarWriter::new();
    writer.dir("data/");
    for i in 0..60 {
        writer.file(&format!("data/file{i}"), &content(i, 50_000 + i * 3400));
    }
    let long = format!("data/{}/deep", "long".repeat(40));
    writer.pax(b'x', &[("path", long.as_bytes())]);
    writer.file("ignored", b"named by the PAX record");
    writer.entry("data/link", b'2', b"", "file1");
    writer.finish()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn build(blob: &[u8], compression: Compression) -> LayerIndex {
    let mut builder = IndexBuilder::new(Digest::sha256_of(blob), compression).expect("builder");
    for part in blob.chunks(100_000) {
        builder.update(part).expect("update");
    }
    builder.finish().expect("index")
}

/// Reads `path` through `index` from `blob`, feeding the plan's range in
/// small pieces; returns the content and how many blob bytes were read.
fn open(index: &LayerIndex, blob: &[u8], path: &str) -> Result<(Vec<u8>, u64), OpenError> {
    let entry = index.entry(path).expect("entry").clone();
    let (mut reader, plan) = EntryReader::new(index, &entry);
    let range = &blob[plan.range.start as usize..plan.range.end as usize];
    let mut content = Vec::new();
    for part in range.chunks(30_000) {
        reader.update(part)?;
        content.extend(reader.take_content());
        if reader.is_complete() {
            break;
        }
    }
    content.extend(reader.take_content());
    reader.finish()?;
    Ok((content, plan.range.end - plan.range.start))
}

#[test]
fn an_index_lists_every_entry_and_opens_any_file_from_a_short_range() {
    let tar = tar();
    let blob = gzip(&tar);
    let index = build(&blob, Compression::Gzip);
    assert_eq!(index.uncompressed_size, tar.len() as u64);
    assert_eq!(index.compressed_size, blob.len() as u64);
    assert_eq!(index.entries.len(), 63);
    assert!(index.checkpoints.len() >= 2, "{}", index.checkpoints.len());
    let long = format!("data/{}/deep", "long".repeat(40));
    for (path, expected) in [
        ("data/file0", content(0, 50_000)),
        ("data/file31", content(31, 50_000 + 31 * 3400)),
        ("data/file59", content(59, 50_000 + 59 * 3400)),
        (long.as_str(), b"named by the PAX record".to_vec()),
        ("data/link", Vec::new()),
    ] {
        let (got, fetched) = open(&index, &blob, path).expect(path);
        assert!(got == expected, "{path}");
        // Never more than a span's worth of blob plus the file.
        assert!(
            fetched <= (super::SPAN + expected.len() as u64) * 11 / 10,
            "{path}: {fetched} bytes fetched"
        );
    }
    // A file past the first span is read from a later checkpoint.
    let last = index.entry("data/file59").expect("entry");
    assert!(index.plan(last).range.start > 0);
}

#[test]
fn plain_tar_layers_are_read_by_offset() {
    let tar = tar();
    let index = build(&tar, Compression::None);
    assert!(index.checkpoints.is_empty());
    let (got, fetched) = open(&index, &tar, "data/file7").expect("open");
    assert!(got == content(7, 50_000 + 7 * 3400));
    assert!(fetched <= 50_000 + 7 * 3400 + 1024);
}

#[test]
fn an_index_survives_its_encoding_and_is_small() {
    let blob = gzip(&tar());
    let index = build(&blob, Compression::Gzip);
    let bytes = index.to_bytes();
    assert_eq!(LayerIndex::from_bytes(&bytes), Ok(index.clone()));
    assert_eq!(index.differs_from(&index), None);
    // Two 32 KiB windows on a 9 MiB layer that barely compresses.
    assert!(
        index.overhead(bytes.len()) < 0.02,
        "{}",
        index.overhead(bytes.len())
    );
}

#[test]
fn a_lying_index_is_caught_when_a_file_is_opened() {
    let blob = gzip(&tar());
    let honest = build(&blob, Compression::Gzip);

    // An entry moved to another entry's offset.
    let mut moved = honest.clone();
    let target = moved
        .entries
        .iter()
        .position(|e| e.path.as_str() == "data/file40")
        .expect("entry");
    moved.entries[target].offset = moved.entries[target - 1].offset;
    let entry = moved.entries[target].clone();
    let (mut reader, plan) = EntryReader::new(&moved, &entry);
    let got = reader.update(&blob[plan.range.start as usize..plan.range.end as usize]);
    assert!(matches!(got, Err(OpenError::OtherEntry { .. })), "{got:?}");

    // An entry pointing into the middle of a file's content.
    let mut inside = honest.clone();
    inside.entries[target].offset += 4096;
    let entry = inside.entries[target].clone();
    let (mut reader, plan) = EntryReader::new(&inside, &entry);
    let got = reader.update(&blob[plan.range.start as usize..plan.range.end as usize]);
    assert!(matches!(got, Err(OpenError::NoHeader { .. })), "{got:?}");

    // A checkpoint that is not where a block starts.
    let mut shifted = honest.clone();
    let entry = shifted.entry("data/file59").expect("entry").clone();
    let used = shifted
        .checkpoints
        .partition_point(|c| c.out <= entry.offset)
        - 1;
    assert!(used > 0);
    shifted.checkpoints[used].in_bits += 3;
    let (mut reader, plan) = EntryReader::new(&shifted, &entry);
    let got = reader
        .update(&blob[plan.range.start as usize..plan.range.end as usize])
        .and_then(|()| reader.finish().map(|_| ()));
    assert!(got.is_err(), "a shifted checkpoint read as good");

    // And comparing with the index built from the verified bytes names it.
    assert!(moved.differs_from(&honest).is_some());
    assert!(shifted.differs_from(&honest).is_some());
}

#[test]
fn hostile_index_bytes_are_refused_with_a_reason() {
    let blob = gzip(&tar());
    let index = build(&blob, Compression::Gzip);
    assert!(matches!(
        LayerIndex::from_bytes(b"not gzip"),
        Err(IndexError::Format(_))
    ));
    let mut backwards = index.clone();
    backwards.checkpoints.swap(1, 2);
    assert!(matches!(
        LayerIndex::from_bytes(&backwards.to_bytes()),
        Err(IndexError::Inconsistent(_))
    ));
    let mut past_end = index.clone();
    past_end.entries[3].offset = index.uncompressed_size + 10;
    assert!(matches!(
        LayerIndex::from_bytes(&past_end.to_bytes()),
        Err(IndexError::Inconsistent(_))
    ));
    let mut too_long = index.clone();
    let last = too_long.entries.len() - 2;
    too_long.entries[last].size = u64::MAX - 10;
    assert!(matches!(
        LayerIndex::from_bytes(&too_long.to_bytes()),
        Err(IndexError::Inconsistent(_))
    ));
    // A gzip bomb: more than the bound once decompressed.
    let bomb = gzip(&vec![0u8; 4 << 20]);
    assert_eq!(
        LayerIndex::from_bytes_within(&bomb, 1 << 20),
        Err(IndexError::TooLarge)
    );
}
