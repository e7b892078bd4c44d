//! A gzip member's header (RFC 1952 §2.3): magic, method, flags and the
//! optional extra field, name, comment and header CRC, all skipped.

/// The longest header taken (a name or comment that never ends would
/// otherwise hold the whole stream in memory).
const MAX_HEADER: usize = 1 << 20;

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// The header's length if `bytes` starts with a whole one, `None` if more
/// bytes are needed, or why it is not a gzip header.
pub(super) fn parse(bytes: &[u8]) -> Result<Option<usize>, String> {
    let magic_seen = bytes.len().min(2);
    if bytes[..magic_seen] != [0x1f, 0x8b][..magic_seen] {
        return Err("not a gzip stream (the bytes do not start with 1f 8b)".into());
    }
    if bytes.len() < 10 {
        return Ok(None);
    }
    if bytes[2] != 8 {
        return Err(format!("unknown gzip compression method {}", bytes[2]));
    }
    let flags = bytes[3];
    if flags & 0xe0 != 0 {
        return Err("reserved gzip header flags are set".into());
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(len) = bytes.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(end) = bytes
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
            else {
                return too_long_or_more(bytes);
            };
            at += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    if at > bytes.len() {
        return too_long_or_more(bytes);
    }
    Ok(Some(at))
}

fn too_long_or_more(bytes: &[u8]) -> Result<Option<usize>, String> {
    if bytes.len() > MAX_HEADER {
        Err(format!(
            "a gzip header is longer than {} KiB",
            MAX_HEADER >> 10
        ))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn headers_with_every_optional_field() {
        let plain = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        assert_eq!(parse(&plain), Ok(Some(10)));
        assert_eq!(parse(&plain[..9]), Ok(None));
        let mut full = vec![
            0x1f,
            0x8b,
            8,
            2 | 4 | 8 | 16,
            0,
            0,
            0,
            0,
            0,
            3,
            3,
            0,
            b'a',
            b'b',
            b'c',
        ];
        full.extend(b"name\0comment\0");
        full.extend([0xaa, 0xbb]);
        assert_eq!(parse(&full), Ok(Some(full.len())));
        assert_eq!(parse(&full[..full.len() - 1]), Ok(None));
        assert_eq!(parse(&full[..20]), Ok(None));
    }

    #[test]
    fn not_gzip_is_told_at_once() {
        assert!(parse(b"P").is_err());
        assert!(parse(&[0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(parse(&[0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 0]).is_err());
        let mut endless = vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3];
        endless.resize(super::MAX_HEADER + 20, b'x');
        assert!(parse(&endless).is_err());
    }
}
