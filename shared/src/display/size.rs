//! Sizes as Docker prints them: `5.57MB`, `279MB`, `1.2GB`.

use crate::format::gofloat::format_g;

/// go-units' decimal unit names, `decimapAbbrs` in its source.
const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/// A byte count as `docker images` prints its SIZE column: go-units
/// `HumanSizeWithPrecision(size, 3)`.
///
/// The size is divided by 1000 (as a float, like Go) until it is below 1000,
/// then printed with `%.3g`: three significant digits, trailing zeros
/// dropped, no space before the unit. Go's `%g` switches to exponent form
/// when rounding reaches 1000, so `999_500` bytes is `1e+03kB`, exactly what
/// Docker prints.
///
/// ```
/// use shared::display::human_size;
/// assert_eq!(human_size(5_570_000), "5.57MB");
/// assert_eq!(human_size(0), "0B");
/// ```
pub fn human_size(bytes: u64) -> String {
    // Go converts the int64 to float64 first; so does this.
    #[expect(
        clippy::cast_precision_loss,
        reason = "go-units works on float64; sizes past 2^53 round as in Docker"
    )]
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", format_g(size, Some(3), false), UNITS[unit])
}

/// What a size column shows while the size is not known yet (an unpacked
/// size before the layer was read): never a guess.
pub const UNKNOWN_SIZE: &str = "unknown";

/// [`human_size`], or [`UNKNOWN_SIZE`].
pub fn human_size_or_unknown(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| UNKNOWN_SIZE.to_owned(), human_size)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::human_size;

    #[test]
    fn matches_go_units_human_size_with_precision_3() {
        let cases: &[(u64, &str)] = &[
            (0, "0B"),
            (1, "1B"),
            (999, "999B"),
            (1000, "1kB"),
            (1024, "1.02kB"),
            (1500, "1.5kB"),
            (10_000, "10kB"),
            (999_499, "999kB"),
            // %.3g of 999.5 rounds to 1000 and Go prints that in exponent form.
            (999_500, "1e+03kB"),
            (999_999, "1e+03kB"),
            (1_000_000, "1MB"),
            (1_048_576, "1.05MB"),
            (1_235_000, "1.24MB"),
            (5_570_000, "5.57MB"),
            (5_574_999, "5.57MB"),
            (104_000_000, "104MB"),
            (237_000_000, "237MB"),
            (277_456_789, "277MB"),
            (279_000_000, "279MB"),
            (1_200_000_000, "1.2GB"),
            (3_420_000_000, "3.42GB"),
            (5_372_000_000_000, "5.37TB"),
            (2_220_000_000_000_000, "2.22PB"),
            (u64::MAX, "18.4EB"),
        ];
        for &(bytes, want) in cases {
            assert_eq!(human_size(bytes), want, "human_size({bytes})");
        }
    }
}
