//! Terminal width of text, and Docker's cut-with-ellipsis.

use unicode_width::UnicodeWidthChar;

/// How many terminal columns `s` takes: two for each East Asian wide or
/// full-width character, none for combining marks and control characters,
/// one for the rest. This is what Docker's table writer measures
/// (go-runewidth), so CJK descriptions stay aligned.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Docker's column width of one character when cutting text: 2 for East
/// Asian wide and full-width, 1 for everything else.
fn cut_width(c: char) -> usize {
    if c.width() == Some(2) { 2 } else { 1 }
}

/// Docker's `formatter.Ellipsis`: cuts `s` to fit `max_width` columns,
/// ending in `…` when it had to cut.
///
/// `docker search` cuts descriptions with `ellipsis(desc, 45)` and `docker
/// history` cuts `CREATED BY` the same way, so a 44-column prefix plus `…`.
/// (Copies of Docker's output that passed through a word processor show the
/// `…` as `...`.) A width of 0 gives an empty string and a width of 1 the
/// first character alone, as in Docker.
///
/// ```
/// use shared::display::ellipsis;
/// assert_eq!(
///     ellipsis("Python is an interpreted, interactive, object-oriented, open-source programming language.", 45),
///     "Python is an interpreted, interactive, objec…",
/// );
/// ```
pub fn ellipsis(s: &str, max_width: usize) -> String {
    if max_width == 0 {
        return String::new();
    }
    if max_width == 1 {
        return s.chars().next().map(String::from).unwrap_or_default();
    }
    let chars: Vec<char> = s.chars().collect();
    if s.is_ascii() {
        if chars.len() <= max_width {
            return s.to_owned();
        }
        return chars[..max_width - 1].iter().chain(['…'].iter()).collect();
    }
    // Running width after each character.
    let mut running = Vec::with_capacity(chars.len());
    let mut total = 0;
    for &c in &chars {
        total += cut_width(c);
        running.push(total);
    }
    if total <= max_width {
        return s.to_owned();
    }
    let room = max_width - 1;
    // Docker keeps the longest prefix that fits in `room` columns. When even
    // the first character is wider than that, it finds no cut point and
    // returns the text whole; so does this.
    for (i, pair) in running.windows(2).enumerate() {
        if pair[0] <= room && pair[1] > room {
            return chars[..=i].iter().chain(['…'].iter()).collect();
        }
    }
    s.to_owned()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{display_width, ellipsis};

    #[test]
    fn display_width_counts_terminal_columns() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("redis", 5),
            ("héllo", 5),
            ("e\u{301}", 1),
            ("日本語", 6),
            ("ｈｉ", 4),
            ("a\tb", 2),
        ];
        for &(s, want) in cases {
            assert_eq!(display_width(s), want, "display_width({s:?})");
        }
    }

    #[test]
    fn ellipsis_matches_docker() {
        let python = "Python is an interpreted, interactive, object-oriented, open-source programming language.";
        let cases: &[(&str, usize, &str)] = &[
            (python, 45, "Python is an interpreted, interactive, objec…"),
            (
                "Django is a free web application framework, written in Python.",
                45,
                "Django is a free web application framework, …",
            ),
            (
                "The official build of CentOS.",
                45,
                "The official build of CentOS.",
            ),
            ("exactly ten", 11, "exactly ten"),
            ("exactly ten", 10, "exactly t…"),
            ("anything", 0, ""),
            ("anything", 1, "a"),
            ("", 1, ""),
            ("", 5, ""),
            ("abc", 2, "a…"),
            ("日本語のテキスト", 7, "日本語…"),
            ("日本語のテキスト", 8, "日本語…"),
            ("日本語のテキスト", 16, "日本語のテキスト"),
            ("日本", 4, "日本"),
            ("日本語", 2, "日本語"),
            ("héllo wörld", 6, "héllo…"),
        ];
        for &(s, width, want) in cases {
            assert_eq!(ellipsis(s, width), want, "ellipsis({s:?}, {width})");
        }
    }
}
