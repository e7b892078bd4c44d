//! The explorer's URLs: `/i/{reference}/layers/{n}` and
//! `/i/{reference}/fs/{path}`, told apart from the image page
//! `/i/{reference}` even when a repository has a component named `fs` or
//! `layers`.
//!
//! # Grammar (of what follows `/i/`, still percent-encoded)
//!
//! ```text
//! rest     := reference                      the image page
//!           | reference "/layers/" n [ "/" ] one layer (n: decimal, bottom layer 0)
//!           | reference "/fs" [ "/" path ]   the merged filesystem at `path`
//! path     := segment ( "/" segment )*
//! segment  := "%.."                          a literal `..` component
//!           | percent-encoded bytes          any other name
//! ```
//!
//! `..` gets its own spelling because browsers resolve `..`, `%2e%2e` and
//! their mixes before a page sees the URL.
//!
//! # Where the reference ends
//!
//! `team/fs/app` is a valid repository, so `/i/team/fs/app` could be the
//! image page of `team/fs/app` or the file `/app` of `team`. The rules, in
//! order:
//!
//! 1. The first split whose reference names a tag or digest
//!    (`team/fs/app:v1/fs/etc`) wins: a tag or digest ends a reference.
//! 2. Otherwise, if the whole text is a reference with a tag or digest,
//!    it is the image page (`team/fs/app:v1`).
//! 3. Otherwise the first split whose reference parses wins (`alpine/fs/etc`
//!    is `/etc` of `alpine`; the default tag applies).
//! 4. Otherwise it is the image page, which explains what is wrong.
//!
//! The links this module builds ([`fs_url`], [`layer_url`]) work whatever
//! the reference: give them one with a tag or digest (rule 1) and they
//! always read back the same.

use crate::merged::EntryPath;
use crate::reference::Reference;

/// What an explorer URL shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplorerView {
    /// One layer's entries (bottom layer 0).
    Layer(usize),
    /// The merged filesystem at a path (the root is the empty path).
    Files(EntryPath),
}

/// What a path below `/i/` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRoute {
    /// The image page of `reference` (the decoded text after `/i/`).
    Image {
        /// The reference as written, decoded.
        reference: String,
    },
    /// The explorer of `reference`.
    Explorer {
        /// The reference as written, decoded.
        reference: String,
        /// The view asked for.
        view: ExplorerView,
    },
}

impl ImageRoute {
    /// The reference, as written in the URL.
    pub fn reference(&self) -> &str {
        match self {
            ImageRoute::Image { reference } | ImageRoute::Explorer { reference, .. } => reference,
        }
    }

    /// Reads the path after `/i/` (percent-encoded, as in the address bar).
    pub fn parse(rest: &str) -> ImageRoute {
        let rest = rest.trim_start_matches('/');
        let candidates: Vec<(String, ExplorerView)> = rest
            .match_indices('/')
            .filter_map(|(at, _)| {
                let view = view_of(&rest[at..])?;
                Some((decode_text(&rest[..at]), view))
            })
            .collect();
        let parsed = |text: &str| text.parse::<Reference>().ok();
        let anchored = |r: &Reference| r.tag().is_some() || r.digest().is_some();
        let explorer = |(reference, view): &(String, ExplorerView)| ImageRoute::Explorer {
            reference: reference.clone(),
            view: view.clone(),
        };
        if let Some(hit) = candidates
            .iter()
            .find(|(text, _)| parsed(text).is_some_and(|r| anchored(&r)))
        {
            return explorer(hit);
        }
        let whole = decode_text(rest.trim_end_matches('/'));
        if parsed(&whole).is_some_and(|r| anchored(&r)) {
            return ImageRoute::Image { reference: whole };
        }
        if let Some(hit) = candidates.iter().find(|(text, _)| parsed(text).is_some()) {
            return explorer(hit);
        }
        ImageRoute::Image { reference: whole }
    }
}

/// The view a tail such as `/fs/etc` or `/layers/2` asks for.
fn view_of(tail: &str) -> Option<ExplorerView> {
    if tail == "/fs" {
        return Some(ExplorerView::Files(EntryPath::root()));
    }
    if let Some(path) = tail.strip_prefix("/fs/") {
        return Some(ExplorerView::Files(decode_fs_path(path)));
    }
    let n = tail.strip_prefix("/layers/")?;
    let n = n.strip_suffix('/').unwrap_or(n);
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok().map(ExplorerView::Layer)
}

/// `/i/{reference}/fs/{path}` for a normalised path (see the module docs).
pub fn fs_url(reference: &str, path: &str) -> String {
    let mut url = format!("/i/{}/fs/", encode_reference(reference));
    let path = EntryPath::new(path);
    let segments: Vec<String> = path.components().map(encode_segment).collect();
    url.push_str(&segments.join("/"));
    url
}

/// `/i/{reference}/layers/{n}`.
pub fn layer_url(reference: &str, n: usize) -> String {
    format!("/i/{}/layers/{n}", encode_reference(reference))
}

/// `/i/{reference}`, the image page.
pub fn image_url(reference: &str) -> String {
    format!("/i/{}", encode_reference(reference))
}

/// Percent-encodes what a reference may not carry in a path; keeps `/ : @`.
pub fn encode_reference(reference: &str) -> String {
    encode(reference, b"-._~/:@")
}

/// One path component for a URL: `..` as `%..`, everything outside the
/// unreserved set percent-encoded.
fn encode_segment(name: &str) -> String {
    if name == ".." {
        return "%..".to_owned();
    }
    encode(name, b"-._~")
}

/// `text` with every byte outside ASCII alphanumerics and `keep`
/// percent-encoded.
pub(crate) fn encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes an encoded fs path into a normalised [`EntryPath`].
fn decode_fs_path(encoded: &str) -> EntryPath {
    let mut raw = Vec::with_capacity(encoded.len());
    for (i, segment) in encoded.split('/').enumerate() {
        if i > 0 {
            raw.push(b'/');
        }
        if segment == "%.." {
            raw.extend_from_slice(b"..");
        } else {
            raw.extend_from_slice(&percent_decode(segment));
        }
    }
    EntryPath::from_bytes(&raw)
}

fn decode_text(encoded: &str) -> String {
    String::from_utf8_lossy(&percent_decode(encoded)).into_owned()
}

/// `%XX` escapes to bytes; a `%` not followed by two hex digits stays.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn image(reference: &str) -> ImageRoute {
        ImageRoute::Image {
            reference: reference.to_owned(),
        }
    }

    fn files(reference: &str, path: &str) -> ImageRoute {
        ImageRoute::Explorer {
            reference: reference.to_owned(),
            view: ExplorerView::Files(EntryPath::new(path)),
        }
    }

    fn layer(reference: &str, n: usize) -> ImageRoute {
        ImageRoute::Explorer {
            reference: reference.to_owned(),
            view: ExplorerView::Layer(n),
        }
    }

    const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn parse_table() {
        let pinned = format!("team/fs/app@{DIGEST}");
        let cases: Vec<(String, ImageRoute)> = vec![
            ("redis".into(), image("redis")),
            ("redis:7".into(), image("redis:7")),
            ("redis/".into(), image("redis")),
            ("alpine/fs/etc".into(), files("alpine", "etc")),
            ("alpine/fs/".into(), files("alpine", "")),
            ("alpine/fs".into(), files("alpine", "")),
            (
                "alpine:3/fs/etc/os-release".into(),
                files("alpine:3", "etc/os-release"),
            ),
            ("alpine/layers/2".into(), layer("alpine", 2)),
            ("alpine/layers/2/".into(), layer("alpine", 2)),
            ("alpine/layers/x".into(), image("alpine/layers/x")),
            ("alpine/layers".into(), image("alpine/layers")),
            // A repository with `fs` or `layers` in it: a tag or digest ends it.
            ("team/fs/app:v1".into(), image("team/fs/app:v1")),
            (
                "team/fs/app:v1/fs/etc".into(),
                files("team/fs/app:v1", "etc"),
            ),
            (
                "team/layers/3:v1/layers/1".into(),
                layer("team/layers/3:v1", 1),
            ),
            (
                "team/fs/app:v1/fs/fs/x".into(),
                files("team/fs/app:v1", "fs/x"),
            ),
            (format!("{pinned}/fs/usr/fs"), files(&pinned, "usr/fs")),
            (format!("{pinned}/layers/0"), layer(&pinned, 0)),
            (pinned.clone(), image(&pinned)),
            // Untagged: the first split that parses.
            ("team/fs/app".into(), files("team", "app")),
            (
                "alpine/fs/proc/fs/nfs".into(),
                files("alpine", "proc/fs/nfs"),
            ),
            // Hosts with ports, encoded names, `..` spelled `%..`.
            (
                "127.0.0.1:5000/a/b:v1/fs/x%20y".into(),
                files("127.0.0.1:5000/a/b:v1", "x y"),
            ),
            (
                "a:1/fs/%../etc/passwd".into(),
                files("a:1", "../etc/passwd"),
            ),
            ("a:1/fs/caf%C3%A9/%25x".into(), files("a:1", "café/%x")),
            ("a:1/fs/line%0Abreak".into(), files("a:1", "line\nbreak")),
            ("Not A Ref/fs/x".into(), image("Not A Ref/fs/x")),
            ("%20/fs/x".into(), image(" /fs/x")),
        ];
        for (rest, expected) in cases {
            assert_eq!(ImageRoute::parse(&rest), expected, "{rest}");
        }
    }

    #[test]
    fn built_urls_read_back() {
        let references = [
            "alpine:3.19",
            "127.0.0.1:5000/team/fs/app:v1",
            "team/layers/3:v1",
        ];
        let paths = [
            "",
            "etc/os-release",
            "../etc/passwd",
            "a/../../b",
            "café/%41 #?",
            "line\nbreak/\u{1b}[31mred",
            "fs/layers/1",
        ];
        for reference in references {
            for path in paths {
                let url = fs_url(reference, path);
                let rest = url.strip_prefix("/i/").unwrap_or_default();
                assert_eq!(ImageRoute::parse(rest), files(reference, path), "{url}");
                assert!(
                    !url.split('/').any(|s| s == ".." || s == "."),
                    "a browser would resolve {url}"
                );
                assert!(!url.contains(['\n', ' ', '#', '?']), "{url}");
            }
            let url = layer_url(reference, 4);
            let rest = url.strip_prefix("/i/").unwrap_or_default();
            assert_eq!(ImageRoute::parse(rest), layer(reference, 4), "{url}");
            let url = image_url(reference);
            let rest = url.strip_prefix("/i/").unwrap_or_default();
            assert_eq!(ImageRoute::parse(rest), image(reference), "{url}");
        }
    }

    #[test]
    fn percent_decode_table() {
        let cases: &[(&str, &[u8])] = &[
            ("abc", b"abc"),
            ("a%20b", b"a b"),
            ("%ff%FE", b"\xff\xfe"),
            ("100%", b"100%"),
            ("%2", b"%2"),
            ("%zz", b"%zz"),
        ];
        for (text, bytes) in cases {
            assert_eq!(percent_decode(text), *bytes, "{text}");
        }
    }
}
