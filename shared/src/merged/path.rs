//! [`EntryPath`]: the normalised, untrusted path of one tar entry.
//!
//! Normalisation is purely lexical and never looks at anything real:
//!
//! | raw name in the archive | normalised | flagged |
//! | --- | --- | --- |
//! | `./a/b`, `a//b`, `a/./b`, `a/b/` | `a/b` | no |
//! | `.`, `./`, `/` (the layer root) | `` (empty) | `/` is [`Oddity::Absolute`] |
//! | `/etc/passwd` | `etc/passwd` | [`Oddity::Absolute`] |
//! | `../etc/passwd`, `a/../../b` | kept as is: `..` stays a literal component | [`Oddity::ParentComponent`] |
//! | bytes that are not UTF-8 | each bad sequence becomes U+FFFD | [`Oddity::NonUtf8`] |
//! | a name holding `\n`, `\t`, ESC … | kept as is | [`Oddity::ControlCharacter`] |
//!
//! `..` is never resolved: `a/../../b` names a node `b` inside a directory
//! literally called `..`, so the explorer shows what the archive says rather
//! than where an extractor would have put it. Two different non-UTF-8 names
//! that read the same after the lossy conversion name the same path.
//! A flagged path keeps its raw name (read lossily) in [`EntryPath::original`].

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// Something unusual about a raw entry name, kept so the explorer can show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Oddity {
    /// The name started with `/`; it is placed relative to the layer root.
    Absolute,
    /// The name holds a `..` component; it is kept literally, never resolved.
    ParentComponent,
    /// The name was not valid UTF-8; it is shown with U+FFFD replacements.
    NonUtf8,
    /// The name holds a control character (newline, tab, escape, DEL …).
    ControlCharacter,
}

impl Oddity {
    const ALL: [Oddity; 4] = [
        Oddity::Absolute,
        Oddity::ParentComponent,
        Oddity::NonUtf8,
        Oddity::ControlCharacter,
    ];

    fn bit(self) -> u8 {
        match self {
            Oddity::Absolute => 1,
            Oddity::ParentComponent => 2,
            Oddity::NonUtf8 => 4,
            Oddity::ControlCharacter => 8,
        }
    }
}

impl fmt::Display for Oddity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Oddity::Absolute => "absolute path",
            Oddity::ParentComponent => "`..` component",
            Oddity::NonUtf8 => "not UTF-8",
            Oddity::ControlCharacter => "control character",
        })
    }
}

/// The set of [`Oddity`] flags of one path (empty for ordinary names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oddities(u8);

impl Oddities {
    /// Whether the path is ordinary.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `oddity` is in the set.
    pub fn contains(self, oddity: Oddity) -> bool {
        self.0 & oddity.bit() != 0
    }

    /// The flags in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Oddity> {
        Oddity::ALL.into_iter().filter(move |o| self.contains(*o))
    }

    fn insert(&mut self, oddity: Oddity) {
        self.0 |= oddity.bit();
    }
}

/// A normalised tar entry path: components joined by `/`, no leading or
/// trailing slash, the layer root being the empty path. See the module docs
/// for the rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryPath {
    normalised: String,
    oddities: Oddities,
    original: Option<String>,
}

impl EntryPath {
    /// The layer root (the empty path).
    pub fn root() -> Self {
        EntryPath::from_bytes(b"")
    }

    /// Normalises a raw entry name as found in a tar header.
    pub fn from_bytes(raw: &[u8]) -> Self {
        let mut oddities = Oddities::default();
        if raw.first() == Some(&b'/') {
            oddities.insert(Oddity::Absolute);
        }
        let mut normalised = String::with_capacity(raw.len());
        for component in raw.split(|b| *b == b'/') {
            if component.is_empty() || component == b"." {
                continue;
            }
            if component == b".." {
                oddities.insert(Oddity::ParentComponent);
            }
            let text = String::from_utf8_lossy(component);
            if std::str::from_utf8(component).is_err() {
                oddities.insert(Oddity::NonUtf8);
            }
            if text.chars().any(char::is_control) {
                oddities.insert(Oddity::ControlCharacter);
            }
            if !normalised.is_empty() {
                normalised.push('/');
            }
            normalised.push_str(&text);
        }
        let original = (!oddities.is_empty()).then(|| String::from_utf8_lossy(raw).into_owned());
        EntryPath {
            normalised,
            oddities,
            original,
        }
    }

    /// Normalises a textual path (a URL segment, a user's query, a test).
    pub fn new(path: &str) -> Self {
        EntryPath::from_bytes(path.as_bytes())
    }

    /// The normalised path (`etc/nginx/nginx.conf`; empty for the root).
    pub fn as_str(&self) -> &str {
        &self.normalised
    }

    /// Whether this is the layer root.
    pub fn is_root(&self) -> bool {
        self.normalised.is_empty()
    }

    /// The last component (empty for the root).
    pub fn name(&self) -> &str {
        split_last(&self.normalised).1
    }

    /// The normalised parent path, or `None` for the root.
    pub fn parent(&self) -> Option<&str> {
        (!self.is_root()).then(|| split_last(&self.normalised).0)
    }

    /// The components, root first.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.normalised.split('/').filter(|c| !c.is_empty())
    }

    /// What is unusual about the raw name.
    pub fn oddities(&self) -> Oddities {
        self.oddities
    }

    /// The raw name as the archive wrote it (read lossily) for a flagged
    /// path; the normalised path otherwise.
    pub fn original(&self) -> &str {
        self.original.as_deref().unwrap_or(&self.normalised)
    }

    /// The path of `name` inside this directory; it keeps this path's flags.
    pub(crate) fn join(&self, name: &str) -> EntryPath {
        let joined = if self.is_root() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.normalised)
        };
        self.keep_flags(EntryPath::new(&joined))
    }

    /// The parent directory's path (the root's is the root); it keeps this
    /// path's flags.
    pub(crate) fn parent_path(&self) -> EntryPath {
        self.keep_flags(EntryPath::new(self.parent().unwrap_or_default()))
    }

    fn keep_flags(&self, mut path: EntryPath) -> EntryPath {
        for oddity in self.oddities.iter() {
            path.oddities.insert(oddity);
        }
        if path.original.is_none() && !path.oddities.is_empty() {
            path.original = Some(path.normalised.clone());
        }
        path
    }
}

/// Splits `a/b/c` into (`a/b`, `c`) and `c` into (``, `c`).
pub(crate) fn split_last(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

impl FromStr for EntryPath {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(EntryPath::new(s))
    }
}

/// Shows the normalised path with control characters escaped (`a\nb`), so a
/// hostile name cannot break a line or a terminal.
impl fmt::Display for EntryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.normalised.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const A: Oddity = Oddity::Absolute;
    const P: Oddity = Oddity::ParentComponent;
    const N: Oddity = Oddity::NonUtf8;
    const C: Oddity = Oddity::ControlCharacter;

    #[test]
    fn normalisation_table() {
        let cases: &[(&[u8], &str, &[Oddity])] = &[
            (b"a/b", "a/b", &[]),
            (b"./a/b", "a/b", &[]),
            (b"a//b", "a/b", &[]),
            (b"a/./b/", "a/b", &[]),
            (b"etc/", "etc", &[]),
            (b"./", "", &[]),
            (b".", "", &[]),
            (b"", "", &[]),
            (b"/", "", &[A]),
            (b"/abs", "abs", &[A]),
            (b"//abs//x", "abs/x", &[A]),
            (b"../etc/passwd", "../etc/passwd", &[P]),
            (b"a/../../b", "a/../../b", &[P]),
            (b"/../x", "../x", &[A, P]),
            (b"caf\xe9", "caf\u{fffd}", &[N]),
            (b"line\nbreak", "line\nbreak", &[C]),
            (b"esc\x1b[31m", "esc\x1b[31m", &[C]),
            (b"..x/x..", "..x/x..", &[]),
            (b".wh..wh..opq", ".wh..wh..opq", &[]),
        ];
        for (raw, normalised, flags) in cases {
            let path = EntryPath::from_bytes(raw);
            assert_eq!(path.as_str(), *normalised, "{raw:?}");
            let got: Vec<Oddity> = path.oddities().iter().collect();
            assert_eq!(&got, flags, "{raw:?}");
        }
    }

    #[test]
    fn original_is_kept_only_for_odd_names() {
        assert_eq!(EntryPath::new("./a/b/").original(), "a/b");
        assert_eq!(EntryPath::new("/a/../b").original(), "/a/../b");
        assert_eq!(EntryPath::from_bytes(b"x\xff").original(), "x\u{fffd}");
    }

    #[test]
    fn name_parent_components() {
        let cases: &[(&str, &str, Option<&str>, &[&str])] = &[
            ("", "", None, &[]),
            ("a", "a", Some(""), &["a"]),
            ("a/b/c", "c", Some("a/b"), &["a", "b", "c"]),
            ("../x", "x", Some(".."), &["..", "x"]),
        ];
        for (raw, name, parent, components) in cases {
            let path = EntryPath::new(raw);
            assert_eq!(path.name(), *name, "{raw}");
            assert_eq!(path.parent(), *parent, "{raw}");
            assert_eq!(path.components().collect::<Vec<_>>(), *components, "{raw}");
        }
    }

    #[test]
    fn display_escapes_control_characters() {
        assert_eq!(EntryPath::new("a\nb\tc").to_string(), "a\\nb\\tc");
        assert_eq!(EntryPath::new("/x/ünï").to_string(), "x/ünï");
    }

    #[test]
    fn join_keeps_the_parents_flags() {
        let dir = EntryPath::new("/etc");
        let joined = dir.join("passwd");
        assert_eq!(joined.as_str(), "etc/passwd");
        assert!(joined.oddities().contains(Oddity::Absolute));
        assert_eq!(EntryPath::root().join("x").as_str(), "x");
    }

    #[test]
    fn parse_via_from_str() {
        let path: EntryPath = "./usr//bin/".parse().unwrap_or_else(|e| match e {});
        assert_eq!(path.as_str(), "usr/bin");
        assert!(path.oddities().is_empty());
    }
}
