//! Manifests and configs as raw JSON, pretty-printed from the exact bytes
//! received, with every digest marked so the page can link it.
//!
//! [`pretty`] re-indents the document (two spaces, keys in the order the
//! bytes have them, strings and numbers exactly as written, escapes
//! included) and cuts it into [`JsonPiece`]s: plain text, and digests
//! (`sha256:` + 64 hex, or `sha512:` + 128 hex) found in any string. A
//! digest that is a whole string value gets a [`DigestRole`] from where it
//! sits:
//!
//! | where (in a manifest or index) | role |
//! | --- | --- |
//! | `manifests[i].digest`, `subject.digest` | [`DigestRole::Manifest`] |
//! | `config.digest` | [`DigestRole::Config`] |
//! | `layers[i].digest` | [`DigestRole::Layer`]`(i)` |
//! | `annotations."vnd.docker.reference.digest"`, `annotations."org.opencontainers.image.base.digest"` | [`DigestRole::Manifest`] |
//!
//! | where (in a config) | role |
//! | --- | --- |
//! | `rootfs.diff_ids[i]` | [`DigestRole::DiffId`]`(i)` |
//!
//! Anything else is [`DigestRole::Other`]. The pieces are text for the
//! page to render as text nodes; nothing here is markup.

use serde::de::IgnoredAny;

use crate::digest::Digest;

/// What a JSON document is, which decides what its digests point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// An image manifest or an index.
    Manifest,
    /// An image config.
    Config,
}

/// What a digest in a document names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestRole {
    /// A manifest or index (an index entry, a subject, an annotation).
    Manifest,
    /// The image config blob.
    Config,
    /// Layer blob `n` of the manifest (bottom layer 0).
    Layer(usize),
    /// The uncompressed digest of layer `n` (`rootfs.diff_ids[n]`).
    DiffId(usize),
    /// A digest somewhere else (inside a longer string, or an unknown field).
    Other,
}

/// One piece of a pretty-printed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonPiece {
    /// Text to show as it is (punctuation, keys, values, whitespace).
    Text(String),
    /// A digest, shown as its text and linked by its role.
    Digest {
        /// The digest.
        digest: Digest,
        /// What it names.
        role: DigestRole,
    },
}

/// Why bytes cannot be shown as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawJsonError {
    /// Not valid JSON (or not UTF-8).
    #[error("not valid JSON: {message}")]
    Invalid {
        /// The JSON parser's message, with line and column.
        message: String,
    },
}

/// Pretty-prints `bytes` (see the module docs).
pub fn pretty(bytes: &[u8], kind: JsonKind) -> Result<Vec<JsonPiece>, RawJsonError> {
    serde_json::from_slice::<IgnoredAny>(bytes).map_err(|e| RawJsonError::Invalid {
        message: e.to_string(),
    })?;
    let text = std::str::from_utf8(bytes).map_err(|e| RawJsonError::Invalid {
        message: e.to_string(),
    })?;
    let mut printer = Printer {
        src: text,
        at: 0,
        kind,
        path: Vec::new(),
        out: Vec::new(),
        indent: 0,
    };
    printer.value();
    Ok(printer.out)
}

/// The plain text of `pieces` (what the panel shows, for copying and tests).
pub fn plain_text(pieces: &[JsonPiece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            JsonPiece::Text(t) => t.clone(),
            JsonPiece::Digest { digest, .. } => digest.to_string(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Walks text already known to be valid JSON.
struct Printer<'a> {
    src: &'a str,
    at: usize,
    kind: JsonKind,
    path: Vec<Step>,
    out: Vec<JsonPiece>,
    indent: usize,
}

impl<'a> Printer<'a> {
    fn skip_ws(&mut self) {
        let rest = &self.src[self.at..];
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.at).copied()
    }

    fn text(&mut self, text: &str) {
        match self.out.last_mut() {
            Some(JsonPiece::Text(last)) => last.push_str(text),
            _ => self.out.push(JsonPiece::Text(text.to_owned())),
        }
    }

    fn newline(&mut self) {
        let line = format!("\n{}", "  ".repeat(self.indent));
        self.text(&line);
    }

    fn value(&mut self) {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let raw = self.string();
                self.string_value(raw);
            }
            Some(_) => {
                let start = self.at;
                let src = self.src;
                let rest = &src[start..];
                let len = rest
                    .find(|c: char| matches!(c, ',' | '}' | ']') || c.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                self.at += len;
                self.text(&src[start..start + len]);
            }
            None => {}
        }
    }

    /// Consumes a string token; returns it with its quotes, as written.
    fn string(&mut self) -> &'a str {
        let start = self.at;
        let src = self.src;
        let bytes = src.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
        self.at = i.min(bytes.len());
        &src[start..self.at]
    }

    fn string_value(&mut self, raw: &'a str) {
        let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
        let whole = inner.parse::<Digest>().ok();
        if let Some(digest) = whole {
            let role = role_of(self.kind, &self.path);
            self.text("\"");
            self.out.push(JsonPiece::Digest { digest, role });
            self.text("\"");
            return;
        }
        let mut rest = raw;
        while let Some((before, digest, after)) = find_digest(rest) {
            self.text(before);
            self.out.push(JsonPiece::Digest {
                digest,
                role: DigestRole::Other,
            });
            rest = after;
        }
        self.text(rest);
    }

    fn object(&mut self) {
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            self.text("{}");
            return;
        }
        self.text("{");
        self.indent += 1;
        let mut first = true;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                _ => {
                    self.at += 1;
                    break;
                }
            }
            if !first {
                self.text(",");
            }
            first = false;
            self.newline();
            let key = self.string().to_owned();
            self.text(&key);
            self.text(": ");
            self.skip_ws();
            self.at += 1; // the colon
            let name = key[1..key.len().saturating_sub(1).max(1)].to_owned();
            self.path.push(Step::Key(name));
            self.value();
            self.path.pop();
        }
        self.indent -= 1;
        self.newline();
        self.text("}");
    }

    fn array(&mut self) {
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            self.text("[]");
            return;
        }
        self.text("[");
        self.indent += 1;
        let mut n = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                Some(b']') | None => {
                    self.at += 1;
                    break;
                }
                Some(_) => {}
            }
            if n > 0 {
                self.text(",");
            }
            self.newline();
            self.path.push(Step::Index(n));
            self.value();
            self.path.pop();
            n += 1;
        }
        self.indent -= 1;
        self.newline();
        self.text("]");
    }
}

/// The first digest inside `text`: what comes before it, it, and the rest.
fn find_digest(text: &str) -> Option<(&str, Digest, &str)> {
    let mut from = 0;
    while from < text.len() {
        let rest = &text[from..];
        let (at, hex_len) = [("sha256:", 64), ("sha512:", 128)]
            .iter()
            .filter_map(|(prefix, len)| rest.find(prefix).map(|i| (i, prefix.len() + len)))
            .min()?;
        let start = from + at;
        let end = start + hex_len;
        let followed_by_hex = text
            .as_bytes()
            .get(end)
            .is_some_and(|b| b.is_ascii_hexdigit());
        if let Some(candidate) = text.get(start..end)
            && !followed_by_hex
            && let Ok(digest) = candidate.parse::<Digest>()
        {
            return Some((&text[..start], digest, &text[end..]));
        }
        from = start + 1;
    }
    None
}

fn role_of(kind: JsonKind, path: &[Step]) -> DigestRole {
    use Step::{Index, Key};
    let key = |s: &Step, want: &str| matches!(s, Key(k) if k == want);
    match (kind, path) {
        (JsonKind::Manifest, [m, Index(_), d]) if key(m, "manifests") && key(d, "digest") => {
            DigestRole::Manifest
        }
        (JsonKind::Manifest, [s, d]) if key(s, "subject") && key(d, "digest") => {
            DigestRole::Manifest
        }
        (JsonKind::Manifest, [c, d]) if key(c, "config") && key(d, "digest") => DigestRole::Config,
        (JsonKind::Manifest, [l, Index(i), d]) if key(l, "layers") && key(d, "digest") => {
            DigestRole::Layer(*i)
        }
        (JsonKind::Config, [r, d, Index(i)]) if key(r, "rootfs") && key(d, "diff_ids") => {
            DigestRole::DiffId(*i)
        }
        (_, [.., a, Key(name)])
            if key(a, "annotations")
                && matches!(
                    name.as_str(),
                    "vnd.docker.reference.digest" | "org.opencontainers.image.base.digest"
                ) =>
        {
            DigestRole::Manifest
        }
        _ => DigestRole::Other,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn d(c: char) -> String {
        crate::digest::repeated(c).to_string()
    }

    fn digests(pieces: &[JsonPiece]) -> Vec<(String, DigestRole)> {
        pieces
            .iter()
            .filter_map(|p| match p {
                JsonPiece::Digest { digest, role } => Some((digest.to_string(), *role)),
                JsonPiece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn reindents_keeping_order_and_exact_tokens() {
        let cases = [
            ("{}", "{}"),
            ("[]", "[]"),
            (" 12 ", "12"),
            (
                r#"{"b":1,"a":[true,null,-1.5e3]}"#,
                "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null,\n    -1.5e3\n  ]\n}",
            ),
            (
                r#"{"x":{},"y":[],"z":"\u003cscript\u003e \"q\""}"#,
                "{\n  \"x\": {},\n  \"y\": [],\n  \"z\": \"\\u003cscript\\u003e \\\"q\\\"\"\n}",
            ),
            (
                "{\n\t\"k\" : [ 1 , 2 ]\r\n}",
                "{\n  \"k\": [\n    1,\n    2\n  ]\n}",
            ),
            (
                r#"[[1],{"a":{"b":"c"}}]"#,
                "[\n  [\n    1\n  ],\n  {\n    \"a\": {\n      \"b\": \"c\"\n    }\n  }\n]",
            ),
        ];
        for (input, want) in cases {
            let pieces = pretty(input.as_bytes(), JsonKind::Manifest).expect(input);
            assert_eq!(plain_text(&pieces), want, "{input}");
        }
    }

    #[test]
    fn the_printed_text_is_the_same_json() {
        let input = r#"{"schemaVersion":2,"annotations":{"ü":"ok \\ \n"},"n":[1e2,0.5]}"#;
        let pieces = pretty(input.as_bytes(), JsonKind::Manifest).expect("valid");
        let back: serde_json::Value = serde_json::from_str(&plain_text(&pieces)).expect("json");
        let orig: serde_json::Value = serde_json::from_str(input).expect("json");
        assert_eq!(back, orig);
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in ["", "{", "{\"a\":}", "<html>", "[1,]"] {
            let err = pretty(bad.as_bytes(), JsonKind::Manifest).expect_err(bad);
            assert!(
                err.to_string().starts_with("not valid JSON"),
                "{bad}: {err}"
            );
        }
        assert!(pretty(b"\"\xff\"", JsonKind::Config).is_err());
    }

    #[test]
    fn digests_get_roles_from_where_they_sit() {
        let manifest = format!(
            r#"{{"config":{{"digest":"{a}"}},"layers":[{{"digest":"{b}"}},{{"digest":"{c}","urls":["https://x/blobs/{c}"]}}],"subject":{{"digest":"{e}"}},"annotations":{{"vnd.docker.reference.digest":"{a}","other":"{b}"}}}}"#,
            a = d('a'),
            b = d('b'),
            c = d('c'),
            e = d('e')
        );
        let index = format!(
            r#"{{"manifests":[{{"digest":"{a}"}},{{"digest":"{b}"}}]}}"#,
            a = d('a'),
            b = d('b')
        );
        let config = format!(
            r#"{{"config":{{"digest":"{a}"}},"rootfs":{{"type":"layers","diff_ids":["{a}","{b}"]}}}}"#,
            a = d('a'),
            b = d('b')
        );
        type Case<'a> = (&'a str, JsonKind, Vec<(String, DigestRole)>);
        #[rustfmt::skip]
        let cases: [Case; 3] = [
            (&manifest, JsonKind::Manifest, vec![
                (d('a'), DigestRole::Config), (d('b'), DigestRole::Layer(0)), (d('c'), DigestRole::Layer(1)),
                (d('c'), DigestRole::Other), (d('e'), DigestRole::Manifest), (d('a'), DigestRole::Manifest),
                (d('b'), DigestRole::Other),
            ]),
            (&index, JsonKind::Manifest, vec![(d('a'), DigestRole::Manifest), (d('b'), DigestRole::Manifest)]),
            (&config, JsonKind::Config, vec![(d('a'), DigestRole::Other), (d('a'), DigestRole::DiffId(0)), (d('b'), DigestRole::DiffId(1))]),
        ];
        for (json, kind, want) in cases {
            let pieces = pretty(json.as_bytes(), kind).expect("valid");
            assert_eq!(digests(&pieces), want, "{json}");
            let back: serde_json::Value = serde_json::from_str(&plain_text(&pieces)).expect("json");
            assert_eq!(
                back,
                serde_json::from_str::<serde_json::Value>(json).expect("json")
            );
        }
    }

    #[test]
    fn only_whole_digests_are_found_in_text() {
        let hex = "a".repeat(64);
        #[rustfmt::skip]
        let cases = [
            (format!("x sha256:{hex} y"), vec![format!("sha256:{hex}")]),
            (format!("sha256:{hex}0"), vec![]),
            (format!("sha256:{}", "A".repeat(64)), vec![]),
            ("sha256:abc".to_owned(), vec![]),
            (format!("sha256:sha256:{hex}"), vec![format!("sha256:{hex}")]),
            (format!("sha512:{}", "b".repeat(128)), vec![format!("sha512:{}", "b".repeat(128))]),
            (hex.clone(), vec![]),
        ];
        for (text, want) in cases {
            let json = serde_json::to_string(&serde_json::json!({ "note": text })).expect("json");
            let pieces = pretty(json.as_bytes(), JsonKind::Config).expect("valid");
            let got: Vec<String> = digests(&pieces).into_iter().map(|(d, _)| d).collect();
            assert_eq!(got, want, "{text}");
            assert_eq!(
                plain_text(&pieces),
                format!(
                    "{{\n  \"note\": {}\n}}",
                    serde_json::to_string(&text).expect("json")
                )
            );
        }
    }
}
