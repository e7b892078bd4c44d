//! Decoding one 512-byte tar header block: fields, numbers, checksum.
//!
//! Layout (POSIX ustar; GNU reuses the same offsets up to `devminor`):
//!
//! | bytes | field | bytes | field |
//! | --- | --- | --- | --- |
//! | 0..100 | name | 156 | typeflag |
//! | 100..108 | mode | 157..257 | linkname |
//! | 108..116 | uid | 257..263 | magic (`ustar\0` or GNU `ustar `) |
//! | 116..124 | gid | 263..265 | version |
//! | 124..136 | size | 329..337 | devmajor |
//! | 136..148 | mtime | 337..345 | devminor |
//! | 148..156 | checksum | 345..500 | prefix (ustar only) |
//!
//! Numbers are octal text padded with spaces or NULs, or GNU base-256
//! (first byte's high bit set; `0xff` first byte for negatives).

use super::error::{HeaderField, TarError};

/// Size of a tar block.
pub(super) const BLOCK: usize = 512;

/// One complete header block and where it sits in the stream.
pub(super) struct Header<'a> {
    block: &'a [u8; BLOCK],
    offset: u64,
}

impl<'a> Header<'a> {
    /// Wraps a block after checking its checksum.
    pub(super) fn parse(block: &'a [u8; BLOCK], offset: u64) -> Result<Self, TarError> {
        let header = Header { block, offset };
        let stored = header.number(148..156, HeaderField::Checksum)?;
        let (unsigned, signed) = checksums(block);
        if stored != unsigned && stored != signed {
            return Err(TarError::Checksum {
                offset,
                stored,
                computed: unsigned,
            });
        }
        Ok(header)
    }

    pub(super) fn typeflag(&self) -> u8 {
        self.block[156]
    }

    /// The name, with the ustar prefix joined in front when the header is
    /// POSIX ustar (GNU headers keep other data in the prefix bytes).
    pub(super) fn name(&self) -> Vec<u8> {
        let name = text(&self.block[0..100]);
        let is_ustar = &self.block[257..263] == b"ustar\0";
        let prefix = text(&self.block[345..500]);
        if !is_ustar || prefix.is_empty() {
            return name.to_vec();
        }
        let mut full = Vec::with_capacity(prefix.len() + 1 + name.len());
        full.extend_from_slice(prefix);
        full.push(b'/');
        full.extend_from_slice(name);
        full
    }

    pub(super) fn linkname(&self) -> &'a [u8] {
        text(&self.block[157..257])
    }

    pub(super) fn mode(&self) -> Result<u32, TarError> {
        let mode = self.number(100..108, HeaderField::Mode)?;
        Ok(u32::try_from(mode & 0o7777).unwrap_or_default())
    }

    pub(super) fn uid(&self) -> Result<u64, TarError> {
        self.unsigned(108..116, HeaderField::Uid)
    }

    pub(super) fn gid(&self) -> Result<u64, TarError> {
        self.unsigned(116..124, HeaderField::Gid)
    }

    pub(super) fn size(&self) -> Result<u64, TarError> {
        self.unsigned(124..136, HeaderField::Size)
    }

    pub(super) fn mtime(&self) -> Result<i64, TarError> {
        self.number(136..148, HeaderField::Mtime)
    }

    /// Device numbers; only meaningful for char and block devices.
    pub(super) fn device(&self) -> Result<(u32, u32), TarError> {
        let major = self.unsigned(329..337, HeaderField::DevMajor)?;
        let minor = self.unsigned(337..345, HeaderField::DevMinor)?;
        let fit = |n: u64, field| {
            u32::try_from(n).map_err(|_| TarError::InvalidNumber {
                offset: self.offset,
                field,
            })
        };
        Ok((
            fit(major, HeaderField::DevMajor)?,
            fit(minor, HeaderField::DevMinor)?,
        ))
    }

    fn unsigned(&self, range: std::ops::Range<usize>, field: HeaderField) -> Result<u64, TarError> {
        let n = self.number(range, field)?;
        u64::try_from(n).map_err(|_| TarError::InvalidNumber {
            offset: self.offset,
            field,
        })
    }

    fn number(&self, range: std::ops::Range<usize>, field: HeaderField) -> Result<i64, TarError> {
        parse_numeric(&self.block[range]).ok_or(TarError::InvalidNumber {
            offset: self.offset,
            field,
        })
    }
}

/// The bytes of a NUL-terminated field.
fn text(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    &field[..end]
}

/// The header's byte sum with the checksum field read as spaces, both as
/// unsigned bytes (POSIX) and as signed bytes (some historic writers).
fn checksums(block: &[u8; BLOCK]) -> (i64, i64) {
    let mut unsigned = 0i64;
    let mut signed = 0i64;
    for (i, b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { *b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    (unsigned, signed)
}

/// Whether a block is all zeros (an end-of-archive marker).
pub(super) fn is_zero_block(block: &[u8; BLOCK]) -> bool {
    block.iter().all(|b| *b == 0)
}

/// Parses an octal or base-256 numeric field; `None` if it is neither.
pub(super) fn parse_numeric(field: &[u8]) -> Option<i64> {
    match field.first() {
        Some(first) if first & 0x80 != 0 => parse_base256(field),
        _ => parse_octal(field),
    }
}

fn parse_base256(field: &[u8]) -> Option<i64> {
    let negative = field.first().is_some_and(|b| b & 0x40 != 0);
    let invert = if negative { 0xff } else { 0 };
    let mut value: u64 = 0;
    for (i, byte) in field.iter().enumerate() {
        let mut byte = byte ^ invert;
        if i == 0 {
            byte &= 0x7f;
        }
        if value >> 56 != 0 {
            return None;
        }
        value = (value << 8) | u64::from(byte);
    }
    let value = i64::try_from(value).ok()?;
    Some(if negative { !value } else { value })
}

fn parse_octal(field: &[u8]) -> Option<i64> {
    let is_pad = |b: &u8| *b == b' ' || *b == 0;
    let start = field.iter().position(|b| !is_pad(b)).unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|b| !is_pad(b))
        .map_or(start, |i| i + 1);
    let digits = &field[start..end];
    if digits.is_empty() {
        return Some(0);
    }
    let mut value: i64 = 0;
    for d in digits {
        if !(b'0'..=b'7').contains(d) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn numeric_table() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0000644\0", Some(0o644)),
            (b"     17 ", Some(0o17)),
            (b"00000000017\0", Some(15)),
            (b"\0\0\0\0\0\0\0\0", Some(0)),
            (b"        ", Some(0)),
            (b"0000 44\0", None),
            (b"000009\0\0", None),
            (b"-1\0\0\0\0\0\0", None),
            (b"\x80\0\0\0\0\0\0\x01\0\0\0\0", Some(1 << 32)),
            (b"\x80\0\0\0\0\0\0\0\0\0\x01\x00", Some(256)),
            (
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                Some(-1),
            ),
            (
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe",
                Some(-2),
            ),
            (b"\x80\x01\0\0\0\0\0\0\0\0\0\0", None),
            (b"77777777777777777777777", None),
        ];
        for (field, expected) in cases {
            assert_eq!(parse_numeric(field), *expected, "{field:?}");
        }
    }

    #[test]
    fn zero_block_detection() {
        let mut block = [0u8; BLOCK];
        assert!(is_zero_block(&block));
        block[511] = 1;
        assert!(!is_zero_block(&block));
    }

    #[test]
    fn text_stops_at_nul() {
        assert_eq!(text(b"abc\0def"), b"abc");
        assert_eq!(text(b"abc"), b"abc");
    }
}
