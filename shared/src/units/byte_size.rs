//! Byte sizes: a number of bytes with an optional binary unit, `K`/`KiB`,
//! `M`/`MiB`, `G`/`GiB`, `T`/`TiB` (all powers of 1024; `B`, `KB`… and
//! lower case accepted): `0`, `4096`, `512MiB`, `16G`.

/// Why a size was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ByteSizeError {
    /// Not a whole number with a known unit.
    #[error(
        "{0:?} is not a size: write bytes, or a number with K, M, G or T (KiB, MiB, GiB, TiB), such as 16GiB"
    )]
    Malformed(String),
    /// More than `u64::MAX` bytes.
    #[error("{0:?} is more bytes than strata can count")]
    TooLarge(String),
}

/// Parses a size as the module doc says.
pub fn parse_byte_size(text: &str) -> Result<u64, ByteSizeError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || ByteSizeError::Malformed(text.to_owned());
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| ByteSizeError::TooLarge(text.to_owned()))
}

/// A size in the largest binary unit that divides it exactly: `50GiB`,
/// `1536MiB`, `1000` (bytes). [`parse_byte_size`] reads it back.
pub fn format_byte_size(bytes: u64) -> String {
    const UNITS: [(u32, &str); 4] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        if bytes != 0 && bytes.trailing_zeros() >= shift {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn sizes() {
        #[rustfmt::skip]
        let cases: [(&str, Option<u64>); 12] = [
            ("0", Some(0)),
            ("4096", Some(4096)),
            ("1K", Some(1024)),
            ("512MiB", Some(512 << 20)),
            ("16GiB", Some(16 << 30)),
            ("16g", Some(16 << 30)),
            (" 2 TiB ", Some(2 << 40)),
            ("1GB", Some(1 << 30)),
            ("", None),
            ("GiB", None),
            ("1.5G", None),
            ("99999999999T", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_byte_size(text).ok(), want, "{text:?}");
        }
    }

    #[test]
    fn formats_round_trip() {
        #[rustfmt::skip]
        let cases: [(u64, &str); 6] = [
            (0, "0"),
            (1000, "1000"),
            (1024, "1KiB"),
            (1536 << 20, "1536MiB"),
            (50 << 30, "50GiB"),
            (3 << 40, "3TiB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(format_byte_size(bytes), text);
            assert_eq!(parse_byte_size(text), Ok(bytes), "{text}");
        }
    }
}
