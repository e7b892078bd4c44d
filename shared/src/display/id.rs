//! Short image and layer IDs: the first 12 hex characters.

use crate::digest::{Digest, SHORT_LEN};

/// The `IMAGE ID` Docker prints for a digest: its first 12 hex characters
/// (`0d34f8b9483d`), without the algorithm.
pub fn short_id(digest: &Digest) -> &str {
    digest.short()
}

/// Docker's `stringid.TruncateID` for an ID that may not be a valid digest
/// (user input, a record from elsewhere): drops everything up to the first
/// `:` and keeps at most 12 characters.
///
/// ```
/// use shared::display::truncate_id;
/// assert_eq!(truncate_id("sha256:0d34f8b9483d1c6a"), "0d34f8b9483d");
/// assert_eq!(truncate_id("abc"), "abc");
/// ```
pub fn truncate_id(id: &str) -> &str {
    let id = id.split_once(':').map_or(id, |(_, rest)| rest);
    // Docker slices bytes; IDs are hex, so characters are the same thing,
    // and counting characters cannot split one.
    id.char_indices()
        .nth(SHORT_LEN)
        .map_or(id, |(end, _)| &id[..end])
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{short_id, truncate_id};
    use crate::digest::Digest;

    const HEX: &str = "0d34f8b9483d1c6a2f3e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e";

    #[test]
    fn short_id_is_first_twelve_hex() {
        let digest: Digest = format!("sha256:{HEX}").parse().expect("valid digest");
        assert_eq!(short_id(&digest), "0d34f8b9483d");
    }

    #[test]
    fn truncate_id_matches_docker_stringid() {
        let full = format!("sha256:{HEX}");
        let cases: &[(&str, &str)] = &[
            (&full, "0d34f8b9483d"),
            (HEX, "0d34f8b9483d"),
            ("sha256:abc", "abc"),
            ("0d34f8b9483d", "0d34f8b9483d"),
            ("0d34f8b9483d1", "0d34f8b9483d"),
            ("", ""),
            (":", ""),
            ("a:b:c", "b:c"),
            ("ééééééééééééé", "éééééééééééé"),
        ];
        for &(id, want) in cases {
            assert_eq!(truncate_id(id), want, "truncate_id({id:?})");
        }
    }
}
