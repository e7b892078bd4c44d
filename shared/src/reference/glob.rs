//! Go's `path.Match` glob, compiled once and matched many times.
//!
//! ```text
//! pattern   := term*
//! term      := '*'                   any run of characters other than '/'
//!            | '?'                   one character other than '/'
//!            | '[' '^'? range+ ']'   one character in (or, with ^, not in)
//!                                    the ranges; '/' included
//!            | c                     c itself (c is not '*', '?', '\', '[')
//!            | '\' c                 c itself
//! range     := c | '\' c | lo '-' hi (c is not '\', '-', ']')
//! ```
//!
//! A pattern matches only the whole string. Because `*` stops at `/`, `**`
//! is the same as `*`. The matching loop is Go's, step for step (a `*` takes
//! the shortest run that lets the next chunk match, then moves on), so edge
//! cases agree with Docker. A malformed pattern is an error when compiled,
//! as Go reports it for any input.

/// Why a pattern is malformed. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The pattern ends with a lone `\`.
    #[error(
        "invalid reference pattern \"{pattern}\": syntax error in pattern: it ends with '\\', which escapes nothing (write '\\\\' for a backslash)"
    )]
    TrailingBackslash {
        /// The rejected pattern.
        pattern: String,
    },
    /// A `[` without its closing `]`.
    #[error(
        "invalid reference pattern \"{pattern}\": syntax error in pattern: '[' at position {position} is never closed with ']'"
    )]
    UnclosedClass {
        /// The rejected pattern.
        pattern: String,
        /// Where the `[` is.
        position: usize,
    },
    /// `[]` or `[^]`.
    #[error(
        "invalid reference pattern \"{pattern}\": syntax error in pattern: the character class at position {position} is empty (write '\\[' for a literal '[')"
    )]
    EmptyClass {
        /// The rejected pattern.
        pattern: String,
        /// Where the `[` is.
        position: usize,
    },
    /// A `-` that does not sit between the two ends of a range: `[-a]`,
    /// `[a--]`, `[a-b-c]`.
    #[error(
        "invalid reference pattern \"{pattern}\": syntax error in pattern: '-' at position {position} must sit between the two ends of a range such as [a-z] (write '\\-' for a dash)"
    )]
    MisplacedDash {
        /// The rejected pattern.
        pattern: String,
        /// Where the `-` is.
        position: usize,
    },
    /// A range with no upper end: `[a-]`.
    #[error(
        "invalid reference pattern \"{pattern}\": syntax error in pattern: the range in the character class at position {position} has no upper end (write [a-z], or '\\-' for a dash)"
    )]
    MissingRangeEnd {
        /// The rejected pattern.
        pattern: String,
        /// Where the class's `[` is.
        position: usize,
    },
}

/// A compiled `path.Match` pattern.
#[derive(Debug, Clone)]
pub(super) struct Glob {
    chunks: Vec<Chunk>,
}

/// Go's "chunk": an optional leading run of stars, then the terms up to the
/// next star outside a character class.
#[derive(Debug, Clone)]
struct Chunk {
    star: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone)]
enum Token {
    Literal(char),
    AnyButSlash,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Glob {
    /// Compiles `pattern`, rejecting it if Go's `path.Match` would.
    pub(super) fn compile(pattern: &str) -> Result<Glob, PatternError> {
        let mut chunks = Vec::new();
        let mut offset = 0;
        while offset < pattern.len() {
            let (star, start, end) = scan_chunk(pattern, offset);
            let tokens = ChunkParser::new(pattern, start, end).parse()?;
            chunks.push(Chunk { star, tokens });
            offset = end;
        }
        Ok(Glob { chunks })
    }

    /// Whether the whole of `name` matches (Go's `path.Match`).
    pub(super) fn matches(&self, name: &str) -> bool {
        let mut name = name;
        let count = self.chunks.len();
        'chunks: for (index, chunk) in self.chunks.iter().enumerate() {
            let last = index + 1 == count;
            if chunk.star && chunk.tokens.is_empty() {
                // A trailing star matches the rest unless it holds a '/'.
                return !name.contains('/');
            }
            // Match at the current position first. The last chunk must use
            // up the name, or a star could still do better.
            if let Some(rest) = match_chunk(&chunk.tokens, name)
                && (rest.is_empty() || !last)
            {
                name = rest;
                continue;
            }
            if chunk.star {
                // Let the star take one more character at a time, never '/'.
                for (i, c) in name.char_indices() {
                    if c == '/' {
                        break;
                    }
                    if let Some(rest) = match_chunk(&chunk.tokens, &name[i + c.len_utf8()..]) {
                        if last && !rest.is_empty() {
                            continue;
                        }
                        name = rest;
                        continue 'chunks;
                    }
                }
            }
            return false;
        }
        name.is_empty()
    }
}

/// Go's `scanChunk`: skips leading stars, then runs to the next star outside
/// a character class. Returns (had stars, chunk start, chunk end).
fn scan_chunk(pattern: &str, offset: usize) -> (bool, usize, usize) {
    let bytes = pattern.as_bytes();
    let mut i = offset;
    while i < bytes.len() && bytes[i] == b'*' {
        i += 1;
    }
    let (star, start) = (i > offset, i);
    let mut in_range = false;
    while i < bytes.len() {
        match bytes[i] {
            // Skip the escaped byte; what follows it is never special.
            b'\\' if i + 1 < bytes.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, start, i)
}

/// Go's `matchChunk`: matches the chunk at the start of `s` and returns what
/// is left, or `None`.
fn match_chunk<'s>(tokens: &[Token], s: &'s str) -> Option<&'s str> {
    let mut s = s;
    for token in tokens {
        let c = s.chars().next()?;
        let ok = match token {
            Token::Literal(literal) => c == *literal,
            Token::AnyButSlash => c != '/',
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        };
        if !ok {
            return None;
        }
        s = &s[c.len_utf8()..];
    }
    Some(s)
}

/// Parses one chunk's terms, with Go's rules for what is malformed.
struct ChunkParser<'p> {
    pattern: &'p str,
    start: usize,
    chars: std::iter::Peekable<std::str::CharIndices<'p>>,
}

/// Which end of a range [`ChunkParser::range_end`] reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// The low end of the class's first range.
    First,
    /// The low end of a later range.
    Low,
    /// The high end, after `-`.
    High,
}

impl<'p> ChunkParser<'p> {
    fn new(pattern: &'p str, start: usize, end: usize) -> Self {
        ChunkParser {
            pattern,
            start,
            chars: pattern[start..end].char_indices().peekable(),
        }
    }

    /// The 1-based character position of a byte offset within the chunk.
    fn position(&self, index: usize) -> usize {
        self.pattern[..self.start + index].chars().count() + 1
    }

    fn parse(mut self) -> Result<Vec<Token>, PatternError> {
        let mut tokens = Vec::new();
        while let Some((index, c)) = self.chars.next() {
            tokens.push(match c {
                '[' => self.class(index)?,
                '?' => Token::AnyButSlash,
                '\\' => match self.chars.next() {
                    Some((_, escaped)) => Token::Literal(escaped),
                    None => {
                        return Err(PatternError::TrailingBackslash {
                            pattern: self.pattern.to_owned(),
                        });
                    }
                },
                other => Token::Literal(other),
            });
        }
        Ok(tokens)
    }

    /// The rest of a character class whose `[` is at `open`.
    fn class(&mut self, open: usize) -> Result<Token, PatternError> {
        let negated = self.chars.next_if(|&(_, c)| c == '^').is_some();
        let mut ranges = Vec::new();
        loop {
            if !ranges.is_empty() && self.chars.next_if(|&(_, c)| c == ']').is_some() {
                return Ok(Token::Class { negated, ranges });
            }
            let end = if ranges.is_empty() {
                End::First
            } else {
                End::Low
            };
            let lo = self.range_end(open, end)?;
            let hi = match self.chars.next_if(|&(_, c)| c == '-') {
                Some(_) => self.range_end(open, End::High)?,
                None => lo,
            };
            ranges.push((lo, hi));
        }
    }

    /// Go's `getEsc`: one possibly escaped character of a range, which must
    /// be followed by more of the class.
    fn range_end(&mut self, open: usize, end: End) -> Result<char, PatternError> {
        let source = self.pattern;
        let pattern = || source.to_owned();
        let open_position = self.position(open);
        let unclosed = || PatternError::UnclosedClass {
            pattern: pattern(),
            position: open_position,
        };
        let c = match self.chars.next() {
            None => return Err(unclosed()),
            Some((index, '-')) => {
                return Err(PatternError::MisplacedDash {
                    pattern: pattern(),
                    position: self.position(index),
                });
            }
            Some((_, ']')) if end == End::High => {
                return Err(PatternError::MissingRangeEnd {
                    pattern: pattern(),
                    position: open_position,
                });
            }
            Some((_, ']')) => {
                return Err(PatternError::EmptyClass {
                    pattern: pattern(),
                    position: open_position,
                });
            }
            Some((_, '\\')) => match self.chars.next() {
                Some((_, escaped)) => escaped,
                None => return Err(unclosed()),
            },
            Some((_, c)) => c,
        };
        if self.chars.peek().is_none() {
            return Err(unclosed());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Go's own path.Match table (src/path/match_test.go), plus cases for
    /// '/' and reference shapes.
    #[test]
    fn go_match_table() {
        let cases = [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a\u{263a}b", true),
            ("a[^a]b", "a\u{263a}b", true),
            ("a???b", "a\u{263a}b", false),
            ("a[^a][^a][^a]b", "a\u{263a}b", false),
            ("[a-\u{3b6}]*", "\u{3b1}", true),
            ("*[a-\u{3b6}]", "A", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("[\\-]", "-", true),
            ("[x\\-]", "x", true),
            ("[x\\-]", "-", true),
            ("[x\\-]", "z", false),
            ("[\\-x]", "x", true),
            ("[\\-x]", "-", true),
            ("[\\-x]", "a", false),
            ("*x", "xxx", true),
            // Classes match '/', unlike '?' and '*'.
            ("a[/]b", "a/b", true),
            ("a[^x]b", "a/b", true),
            // A ']' outside a class is a literal.
            ("a]", "a]", true),
            // Stars inside a class are literal and do not split chunks.
            ("[*]", "*", true),
            ("[*]", "a", false),
            // lo > hi matches nothing but is not an error.
            ("[z-a]", "m", false),
            ("", "", true),
            ("", "a", false),
            ("*", "", true),
            ("**", "a", true),
            ("**", "a/b", false),
            ("redis*", "redis:latest", true),
            ("*:latest", "redis:latest", true),
            ("*:latest", "user/repo:latest", false),
            ("*/*:latest", "user/repo:latest", true),
            ("foo/**/ba[rz]", "foo/a/bar", true),
            ("foo/**/ba[rz]", "foo/a/b/bar", false),
            ("foo/**/ba[rz]", "foo/any/bat", false),
            ("foo/*/baz:tag", "foo/c/baz:tag", true),
            ("*/foo/c/baz", "example.com/foo/c/baz", true),
            ("localhost:5000/*", "localhost:5000/x", true),
        ];
        for (pattern, name, expected) in cases {
            let glob = Glob::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(glob.matches(name), expected, "{pattern} ~ {name}");
        }
    }

    /// Go's malformed patterns, each with the error that names the fault.
    #[test]
    fn malformed_patterns() {
        type Make = fn(String, usize) -> PatternError;
        let unclosed: Make = |pattern, position| PatternError::UnclosedClass { pattern, position };
        let empty: Make = |pattern, position| PatternError::EmptyClass { pattern, position };
        let dash: Make = |pattern, position| PatternError::MisplacedDash { pattern, position };
        let no_end: Make = |pattern, position| PatternError::MissingRangeEnd { pattern, position };
        let backslash: Make = |pattern, _| PatternError::TrailingBackslash { pattern };
        let cases: [(&str, Make, usize); 22] = [
            ("[", unclosed, 1),
            ("[^", unclosed, 1),
            ("[^bc", unclosed, 1),
            ("a[", unclosed, 2),
            ("a[b", unclosed, 2),
            ("a[b-c", unclosed, 2),
            ("[\\", unclosed, 1),
            ("[a-\\", unclosed, 1),
            ("*[a", unclosed, 2),
            ("[]a]", empty, 1),
            ("[]", empty, 1),
            ("[^]", empty, 1),
            ("[-]", dash, 2),
            ("[-x]", dash, 2),
            ("[x-]", no_end, 1),
            ("[a-b-c]", dash, 5),
            ("[a--]", dash, 4),
            ("\\", backslash, 0),
            ("a\\", backslash, 0),
            ("a*\\", backslash, 0),
            // Found even after a chunk that could never match.
            ("x*[", unclosed, 3),
            ("\u{e9}[", unclosed, 2),
        ];
        for (pattern, make, position) in cases {
            let expected = make(pattern.to_owned(), position);
            assert_eq!(Glob::compile(pattern).err(), Some(expected), "{pattern}");
        }
    }
}
