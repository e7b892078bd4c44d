//! The `Range` header of blob requests (RFC 9110, section 14), one range
//! only.
//!
//! ```text
//! Range := "bytes=" first "-" [last]     bytes first..=last (to the end without last)
//!        | "bytes=-" suffix              the last `suffix` bytes
//! ```
//!
//! A header that does not parse, or asks for several ranges, is ignored
//! and the whole blob is sent, as RFC 9110 allows. A range that starts at
//! or past the end (or a zero-length suffix) is unsatisfiable: `416` with
//! `Content-Range: bytes */SIZE`. A `last` past the end is cut at the end.

/// What to send for a blob of a given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// The whole blob, `200`.
    Whole,
    /// `len` bytes from `start`, `206`.
    Part {
        /// The first byte.
        start: u64,
        /// How many bytes (at least one).
        len: u64,
    },
    /// `416`.
    Unsatisfiable,
}

impl Span {
    /// The span `header` asks for in a blob of `size` bytes.
    pub fn of(header: Option<&str>, size: u64) -> Span {
        let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
            return Span::Whole;
        };
        if spec.contains(',') {
            return Span::Whole;
        }
        let Some((first, last)) = spec.trim().split_once('-') else {
            return Span::Whole;
        };
        let number = |s: &str| -> Option<u64> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (first, last) = (first.trim(), last.trim());
        if first.is_empty() {
            // bytes=-N
            return match number(last) {
                None => Span::Whole,
                Some(0) => Span::Unsatisfiable,
                Some(_) if size == 0 => Span::Unsatisfiable,
                Some(suffix) => {
                    let len = suffix.min(size);
                    Span::Part {
                        start: size - len,
                        len,
                    }
                }
            };
        }
        // bytes=A- and bytes=A-B
        let Some(start) = number(first) else {
            return Span::Whole;
        };
        let last = match (last.is_empty(), number(last)) {
            (true, _) => None,
            (false, Some(last)) if last >= start => Some(last),
            (false, _) => return Span::Whole,
        };
        if start >= size {
            return Span::Unsatisfiable;
        }
        let end = last.map_or(size, |l| l.saturating_add(1).min(size));
        Span::Part {
            start,
            len: end - start,
        }
    }

    /// `Content-Range` for this span of a blob of `size` bytes.
    pub fn content_range(&self, size: u64) -> Option<String> {
        match self {
            Span::Whole => None,
            Span::Part { start, len } => Some(format!("bytes {start}-{}/{size}", start + len - 1)),
            Span::Unsatisfiable => Some(format!("bytes */{size}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        use Span::*;
        #[rustfmt::skip]
        let cases = [
            (None, 100, Whole),
            (Some("bytes=0-9"), 100, Part { start: 0, len: 10 }),
            (Some("bytes=10-19"), 100, Part { start: 10, len: 10 }),
            (Some("bytes=90-"), 100, Part { start: 90, len: 10 }),
            (Some("bytes=90-1000"), 100, Part { start: 90, len: 10 }),
            (Some("bytes=99-99"), 100, Part { start: 99, len: 1 }),
            (Some("bytes=-10"), 100, Part { start: 90, len: 10 }),
            (Some("bytes=-1000"), 100, Part { start: 0, len: 100 }),
            (Some(" bytes=5-6 "), 100, Part { start: 5, len: 2 }),
            (Some("bytes=100-"), 100, Unsatisfiable),
            (Some("bytes=100-200"), 100, Unsatisfiable),
            (Some("bytes=-0"), 100, Unsatisfiable),
            (Some("bytes=0-"), 0, Unsatisfiable),
            (Some("bytes=-5"), 0, Unsatisfiable),
            (Some("bytes=9-5"), 100, Whole),
            (Some("bytes=0-1,5-6"), 100, Whole),
            (Some("items=0-1"), 100, Whole),
            (Some("bytes=a-b"), 100, Whole),
            (Some("bytes=1-x"), 100, Whole),
            (Some("bytes=-"), 100, Whole),
            (Some("bytes=+1-2"), 100, Whole),
            (Some("bytes=5"), 100, Whole),
            (Some("bytes=99999999999999999999-"), 100, Whole),
            (Some("bytes=0-99999999999999999999"), 100, Whole),
        ];
        for (header, size, want) in cases {
            assert_eq!(Span::of(header, size), want, "{header:?} of {size}");
        }
    }

    #[test]
    fn content_ranges() {
        assert_eq!(Span::Whole.content_range(5), None);
        assert_eq!(
            Span::Part { start: 2, len: 3 }.content_range(5).as_deref(),
            Some("bytes 2-4/5")
        );
        assert_eq!(
            Span::Unsatisfiable.content_range(5).as_deref(),
            Some("bytes */5")
        );
    }
}
