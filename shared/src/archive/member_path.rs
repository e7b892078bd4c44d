//! [`MemberPath`]: the path of a member inside an archive or layout,
//! checked so that it can never name anything outside it.
//!
//! Grammar: `/`-separated components, relative. `.` components and empty
//! components (`a//b`, a trailing `/`) are dropped; `..`, a leading `/`,
//! a NUL byte and an empty path are refused. Symlink targets are resolved
//! against the link's folder with [`MemberPath::resolve_link`], and refused
//! when they would leave the archive.

use std::fmt;
use std::str::FromStr;

use crate::digest::{Algorithm, Digest};

/// Why a member path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is empty (or only `.` and `/`).
    #[error("is empty")]
    Empty,
    /// The path starts with `/`.
    #[error("is absolute")]
    Absolute,
    /// A `..` component would leave the archive.
    #[error("leaves the archive (`..`)")]
    Escapes,
    /// The path holds a NUL byte.
    #[error("holds a NUL byte")]
    Nul,
}

/// A safe, normalised member path: `blobs/sha256/<hex>`, `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberPath(String);

impl MemberPath {
    /// The path of a blob in an OCI layout: `blobs/<alg>/<hex>`.
    pub fn blob(digest: &Digest) -> MemberPath {
        MemberPath(format!(
            "blobs/{}/{}",
            digest.algorithm().as_str(),
            digest.encoded()
        ))
    }

    /// `manifest.json`, the docker-archive's list of images.
    pub fn manifest_json() -> MemberPath {
        MemberPath(super::layout::MANIFEST_JSON.to_owned())
    }

    /// `repositories`, the docker-archive's legacy names.
    pub fn repositories() -> MemberPath {
        MemberPath(super::layout::REPOSITORIES.to_owned())
    }

    /// `index.json`, the OCI layout's index.
    pub fn index_json() -> MemberPath {
        MemberPath(super::layout::INDEX_JSON.to_owned())
    }

    /// `oci-layout`, the OCI layout's marker.
    pub fn oci_layout() -> MemberPath {
        MemberPath(super::layout::OCI_LAYOUT.to_owned())
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digest a path names, if it is `blobs/<alg>/<hex>` or a file
    /// whose stem is a whole hex digest (`<hex>.json`, `<hex>.tar`, as
    /// podman names configs and layers).
    pub fn named_digest(&self) -> Option<Digest> {
        let parts: Vec<&str> = self.0.split('/').collect();
        if let ["blobs", alg, hex] = parts.as_slice() {
            return format!("{alg}:{hex}").parse().ok();
        }
        let file = parts.last()?;
        let stem = file
            .strip_suffix(".json")
            .or_else(|| file.strip_suffix(".tar"))?;
        Digest::new(Algorithm::Sha256, stem).ok()
    }

    /// The member a symlink at `self` pointing at `target` names. An
    /// absolute target, or one that climbs above the archive's root, is
    /// refused.
    pub fn resolve_link(&self, target: &str) -> Result<MemberPath, PathError> {
        if target.starts_with('/') {
            return Err(PathError::Absolute);
        }
        let mut parts: Vec<&str> = self.0.split('/').collect();
        parts.pop();
        join(parts, target)
    }
}

fn join<'a>(mut parts: Vec<&'a str>, path: &'a str) -> Result<MemberPath, PathError> {
    if path.contains('\0') {
        return Err(PathError::Nul);
    }
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(PathError::Escapes)?;
            }
            name => parts.push(name),
        }
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(MemberPath(parts.join("/")))
}

impl FromStr for MemberPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with('/') {
            return Err(PathError::Absolute);
        }
        // `..` is refused even where it would stay inside (`a/../b`): no
        // tool writes it, and a member name should mean one thing.
        if s.split('/').any(|c| c == "..") {
            return Err(PathError::Escapes);
        }
        join(Vec::new(), s)
    }
}

impl fmt::Display for MemberPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn paths() {
        let cases: &[(&str, Result<&str, PathError>)] = &[
            ("manifest.json", Ok("manifest.json")),
            ("./manifest.json", Ok("manifest.json")),
            ("blobs//sha256/ab/", Ok("blobs/sha256/ab")),
            ("abc/layer.tar", Ok("abc/layer.tar")),
            ("../x", Err(PathError::Escapes)),
            ("a/../../x", Err(PathError::Escapes)),
            ("a/../b", Err(PathError::Escapes)),
            ("/etc/passwd", Err(PathError::Absolute)),
            ("", Err(PathError::Empty)),
            ("./", Err(PathError::Empty)),
            ("a\0b", Err(PathError::Nul)),
        ];
        for (input, want) in cases {
            let got = input.parse::<MemberPath>();
            assert_eq!(
                got.as_ref().map(MemberPath::as_str),
                want.as_ref().map(|s| *s),
                "{input:?}"
            );
        }
    }

    #[test]
    fn links() {
        let at = |s: &str| s.parse::<MemberPath>().expect("path");
        let cases: &[(&str, &str, Result<&str, PathError>)] = &[
            ("b/layer.tar", "../a/layer.tar", Ok("a/layer.tar")),
            ("b/layer.tar", "c.tar", Ok("b/c.tar")),
            ("layer.tar", "./x", Ok("x")),
            ("b/layer.tar", "../../etc/passwd", Err(PathError::Escapes)),
            ("b/layer.tar", "/etc/passwd", Err(PathError::Absolute)),
            ("layer.tar", "..", Err(PathError::Escapes)),
        ];
        for (link, target, want) in cases {
            let got = at(link).resolve_link(target);
            assert_eq!(
                got.as_ref().map(MemberPath::as_str),
                want.as_ref().map(|s| *s),
                "{link} -> {target}"
            );
        }
    }

    #[test]
    fn named_digests() {
        let hex = "a".repeat(64);
        let cases = [
            (format!("blobs/sha256/{hex}"), true),
            (format!("{hex}.json"), true),
            (format!("{hex}.tar"), true),
            (format!("{hex}/layer.tar"), false),
            ("blobs/sha256/xyz".to_owned(), false),
            ("manifest.json".to_owned(), false),
        ];
        for (path, named) in cases {
            let path: MemberPath = path.parse().expect("path");
            assert_eq!(path.named_digest().is_some(), named, "{path}");
        }
    }
}
