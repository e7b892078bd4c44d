//! How the explorer previews a file's first bytes: as text when they read
//! as text, else as a bounded hex dump.
//!
//! Bytes are text when they hold no NUL, are UTF-8 (a multi-byte character
//! cut off by the preview's end is allowed), and at most 1 in 32 characters
//! is a control character other than tab, newline, carriage return and
//! form feed.

/// How many bytes of a file the explorer previews.
pub const PREVIEW_BYTES: usize = 1 << 20;

/// How many bytes the hex view shows at most (16 per row).
pub const HEX_BYTES: usize = 16 << 10;

/// What a preview's bytes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// No bytes at all.
    Empty,
    /// Readable text (UTF-8).
    Text,
    /// Anything else.
    Binary,
}

/// Classifies the first bytes of a file (see the module docs).
pub fn classify(bytes: &[u8]) -> ContentKind {
    if bytes.is_empty() {
        return ContentKind::Empty;
    }
    if bytes.contains(&0) {
        return ContentKind::Binary;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // A character cut by the preview's end (at most 3 bytes) is fine.
        Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return ContentKind::Binary,
    };
    let (mut chars, mut controls) = (0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}') {
            controls += 1;
        }
    }
    if controls * 32 > chars {
        ContentKind::Binary
    } else {
        ContentKind::Text
    }
}

/// The text of a preview that [`classify`] calls text (a cut character at
/// the end is dropped).
pub fn preview_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(e) => String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
    }
}

/// A hex dump of at most [`HEX_BYTES`] bytes, `xxd`-style:
/// `00000010  48 65 6c 6c 6f 0a …  Hello.`.
pub fn hex_dump(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(HEX_BYTES)];
    let mut out = String::with_capacity(shown.len() * 5);
    for (row, chunk) in shown.chunks(16).enumerate() {
        out.push_str(&format!("{:08x} ", row * 16));
        for i in 0..16 {
            if i % 8 == 0 {
                out.push(' ');
            }
            match chunk.get(i) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b)
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn classify_table() {
        let mut many_controls = b"abc".repeat(10);
        many_controls.extend_from_slice(b"\x01\x02");
        let cases: &[(&[u8], ContentKind)] = &[
            (b"", ContentKind::Empty),
            (b"hello\n", ContentKind::Text),
            (b"tab\tand\r\nform\x0cfeed", ContentKind::Text),
            ("café ünï 日本".as_bytes(), ContentKind::Text),
            (&"café".as_bytes()[..4], ContentKind::Text),
            (b"\x7fELF\x02\x01\x01\0\0", ContentKind::Binary),
            (b"caf\xe9 latin-1", ContentKind::Binary),
            (&many_controls, ContentKind::Binary),
            (
                b"one escape \x1b[31m in a long enough line of text",
                ContentKind::Text,
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(classify(bytes), *expected, "{bytes:?}");
        }
    }

    #[test]
    fn preview_text_drops_a_cut_character() {
        assert_eq!(preview_text(&"café".as_bytes()[..4]), "caf");
        assert_eq!(preview_text(b"plain"), "plain");
    }

    #[test]
    fn hex_dump_rows() {
        let dump = hex_dump(b"Hello, hex view!\x00\x01");
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(
            lines,
            [
                "00000000  48 65 6c 6c 6f 2c 20 68  65 78 20 76 69 65 77 21  Hello, hex view!",
                "00000010  00 01                                             ..",
            ]
        );
        assert_eq!(
            hex_dump(&vec![0u8; HEX_BYTES * 2]).lines().count(),
            HEX_BYTES / 16
        );
        assert_eq!(hex_dump(b""), "");
    }
}
