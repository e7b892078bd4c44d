//! Where a build's instructions came from: a repository, ref, commit and
//! entry point, and the links strata dares to make from them.
//!
//! Repository URIs are shown cleaned: `git+` dropped, and a trailing
//! `@ref` or `#ref` split off as the [`Source::git_ref`]. Only plain
//! `https` URLs become links, and a commit only when it is hex and the host
//! is GitHub (`github.com`) or GitLab (`gitlab.com`, `gitlab.*`).

use super::json::owned;

/// Where the build's instructions came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The repository, cleaned (`https://github.com/org/repo`).
    pub repository: String,
    /// The ref the build asked for (`refs/heads/main`), if given.
    pub git_ref: Option<String>,
    /// The commit built, if given.
    pub commit: Option<String>,
    /// The file the build started from (`Dockerfile`, a workflow path).
    pub entry_point: Option<String>,
}

impl Source {
    /// The repository as an `https` link, when it is one.
    pub fn repository_link(&self) -> Option<String> {
        let (host, path) = https_parts(&self.repository)?;
        Some(format!("https://{host}/{path}"))
    }

    /// A link to the commit, when the repository is a GitHub or GitLab
    /// `https` URL and the commit is a hex object ID.
    pub fn commit_link(&self) -> Option<String> {
        let commit = self.commit.as_deref()?;
        let hex = (7..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return None;
        }
        let (host, path) = https_parts(&self.repository)?;
        if host.eq_ignore_ascii_case("github.com") {
            Some(format!("https://{host}/{path}/commit/{commit}"))
        } else if host.eq_ignore_ascii_case("gitlab.com") || host.starts_with("gitlab.") {
            Some(format!("https://{host}/{path}/-/commit/{commit}"))
        } else {
            None
        }
    }
}

/// `git+https://h/r.git@refs/heads/main` → (`https://h/r.git`, `refs/heads/main`).
pub(super) fn split_ref(uri: &str) -> (String, Option<String>) {
    let uri = uri.trim().strip_prefix("git+").unwrap_or(uri.trim());
    if let Some((repo, r)) = uri.split_once('#') {
        return (repo.to_owned(), owned(Some(r)));
    }
    // An `@` after a `/` of the path is a ref (`…/repo@refs/tags/v1`); one
    // before any is user info (`ssh://git@host/…`).
    let path_start = uri.find("://").map_or(0, |i| i + 3);
    let path = &uri[path_start..];
    match path.rfind('@') {
        Some(at) if path[..at].contains('/') => {
            let split = path_start + at;
            (uri[..split].to_owned(), owned(Some(&uri[split + 1..])))
        }
        _ => (uri.to_owned(), None),
    }
}

/// Whether two repository URIs name the same repository (`.git` and case aside).
pub(super) fn same_repository(a: &str, b: &str) -> bool {
    let clean = |s: &str| {
        s.trim_end_matches('/')
            .trim_end_matches(".git")
            .to_ascii_lowercase()
    };
    clean(a) == clean(b)
}

/// `https://host/path(.git)` → (host, path without `.git`), for plain
/// host and path characters only (nothing a link could be tricked with).
fn https_parts(repository: &str) -> Option<(&str, &str)> {
    let rest = repository.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let plain = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b) || extra.contains(&b))
    };
    (plain(host, b":") && plain(path, b"/") && !path.contains("..")).then_some((host, path))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const COMMIT: &str = "8e0ac6a9dd3ae2a1b2c6b36b6e0a1c8f1d8a5f3e";

    #[test]
    fn refs_split_from_uris() {
        #[rustfmt::skip]
        let cases = [
            ("https://github.com/o/r.git#refs/heads/main", "https://github.com/o/r.git", Some("refs/heads/main")),
            ("git+https://github.com/o/r@refs/tags/v1", "https://github.com/o/r", Some("refs/tags/v1")),
            ("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git", None),
            ("https://github.com/o/r", "https://github.com/o/r", None),
            ("https://h/o/r@v1", "https://h/o/r", Some("v1")),
        ];
        for (uri, repository, git_ref) in cases {
            assert_eq!(
                split_ref(uri),
                (repository.to_owned(), git_ref.map(str::to_owned)),
                "{uri}"
            );
        }
    }

    #[test]
    fn commit_links_only_for_plain_urls() {
        let source = |repository: &str, commit: &str| Source {
            repository: repository.into(),
            git_ref: None,
            commit: Some(commit.into()),
            entry_point: None,
        };
        #[rustfmt::skip]
        let cases = [
            ("https://github.com/o/r.git", COMMIT, Some(format!("https://github.com/o/r/commit/{COMMIT}"))),
            ("https://gitlab.example.com/g/s/r", COMMIT, Some(format!("https://gitlab.example.com/g/s/r/-/commit/{COMMIT}"))),
            ("https://git.example.com/g/r", COMMIT, None),
            ("http://github.com/o/r", COMMIT, None),
            ("https://github.com/o/r\"><script>", COMMIT, None),
            ("https://github.com/o/r", "main", None),
            ("javascript:alert(1)//github.com/o/r", COMMIT, None),
        ];
        for (repository, commit, link) in cases {
            assert_eq!(
                source(repository, commit).commit_link(),
                link,
                "{repository}"
            );
        }
    }
}
