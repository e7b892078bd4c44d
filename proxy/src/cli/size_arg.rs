//! Byte sizes on the command line: a number of bytes with an optional
//! binary unit, `K`/`KiB`, `M`/`MiB`, `G`/`GiB`, `T`/`TiB` (all powers of
//! 1024; `B` and lower case accepted): `0`, `4096`, `512MiB`, `16G`.

/// Parses a size as the module doc says.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || {
        format!(
            "{text:?} is not a size: write bytes, or a number with K, M, G or T (KiB, MiB, GiB, TiB), such as 16GiB"
        )
    };
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
        .ok_or_else(|| format!("{text:?} is more bytes than strata can count"))
}

#[cfg(test)]
mod tests {
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
            assert_eq!(parse_size(text).ok(), want, "{text:?}");
        }
    }
}
