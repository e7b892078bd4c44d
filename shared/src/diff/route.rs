//! The `/diff` page's URL: `/diff/{a}/{b}`, each reference one path
//! segment, percent-encoded with `/` as `%2F` (`:` and `@` stay), and
//! `?show=all` to list unchanged paths too.
//!
//! ```text
//! /diff/redis:7.0/redis:7.2
//! /diff/redis:7.0/library%2Fredis:7.2
//! /diff/host:5000%2Fteam%2Fapp@sha256:…/host:5000%2Fteam%2Fapp:v2?show=all
//! ```
//!
//! A hand-typed URL with the slashes left in
//! (`/diff/library/redis:7.0/library/redis:7.2`) still reads when one
//! split gives a first reference with a tag or digest (a tag ends a
//! reference) and a second that parses; the first such split wins.

use super::files::Show;
use crate::explorer::route::{self, percent_decode};
use crate::reference::Reference;

/// The two images a `/diff` URL names (decoded, as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRoute {
    /// Image A's reference.
    pub a: String,
    /// Image B's reference.
    pub b: String,
}

impl DiffRoute {
    /// Reads what follows `/diff/` (still percent-encoded); `None` when it
    /// does not name two references.
    pub fn parse(rest: &str) -> Option<DiffRoute> {
        let rest = rest.trim_end_matches('/');
        let segments: Vec<&str> = rest.split('/').collect();
        let decode = |s: &str| String::from_utf8_lossy(&percent_decode(s)).into_owned();
        if let [a, b] = segments[..] {
            let route = DiffRoute {
                a: decode(a),
                b: decode(b),
            };
            return (!route.a.is_empty() && !route.b.is_empty()).then_some(route);
        }
        (1..segments.len()).find_map(|at| {
            let (a, b) = (
                decode(&segments[..at].join("/")),
                decode(&segments[at..].join("/")),
            );
            let first: Reference = a.parse().ok()?;
            let ends = first.tag().is_some() || first.digest().is_some();
            (ends && b.parse::<Reference>().is_ok()).then_some(DiffRoute { a, b })
        })
    }

    /// The page's URL, showing `show`.
    pub fn url(&self, show: Show) -> String {
        let query = match show {
            Show::Changed => "",
            Show::All => "?show=all",
        };
        format!("/diff/{}/{}{query}", encode(&self.a), encode(&self.b))
    }
}

/// What `?show=` asks for (`all`, else only changed paths).
pub fn show_of(query: Option<&str>) -> Show {
    match query {
        Some("all") => Show::All,
        _ => Show::Changed,
    }
}

/// A reference as one path segment: `/` and everything outside the
/// unreserved set percent-encoded, `:` and `@` kept.
fn encode(reference: &str) -> String {
    route::encode(reference, b"-._~:@")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn route(a: &str, b: &str) -> Option<DiffRoute> {
        Some(DiffRoute {
            a: a.to_owned(),
            b: b.to_owned(),
        })
    }

    #[test]
    fn parse_table() {
        let cases = [
            ("redis:7.0/redis:7.2", route("redis:7.0", "redis:7.2")),
            (
                "redis:7.0/library%2Fredis:7.2/",
                route("redis:7.0", "library/redis:7.2"),
            ),
            (
                "h:5000%2Fa%2Fb@sha256:0123/h:5000%2Fa%2Fb:v2",
                route("h:5000/a/b@sha256:0123", "h:5000/a/b:v2"),
            ),
            (
                "library/redis:7.0/library/redis:7.2",
                route("library/redis:7.0", "library/redis:7.2"),
            ),
            ("team/app:v1/team/app", route("team/app:v1", "team/app")),
            ("redis", None),
            ("redis/", None),
            ("/redis", None),
            ("a/b/c", None),
            ("", None),
        ];
        for (rest, expected) in cases {
            assert_eq!(DiffRoute::parse(rest), expected, "{rest}");
        }
    }

    #[test]
    fn urls_read_back() {
        let cases = [
            ("redis:7.0", "library/redis:7.2"),
            (
                "127.0.0.1:5000/test/diff:a",
                "127.0.0.1:5000/test/diff@sha256:abcd",
            ),
            ("a b", "c%d"),
        ];
        for (a, b) in cases {
            let r = DiffRoute {
                a: a.to_owned(),
                b: b.to_owned(),
            };
            for show in [Show::Changed, Show::All] {
                let url = r.url(show);
                let (path, query) = url.split_once('?').unwrap_or((&url, ""));
                let rest = path.strip_prefix("/diff/").unwrap_or_default();
                assert_eq!(DiffRoute::parse(rest).as_ref(), Some(&r), "{url}");
                assert_eq!(show_of(query.strip_prefix("show=")), show, "{url}");
            }
        }
        assert_eq!(
            route("redis:7.0", "library/redis:7.2").map(|r| r.url(Show::Changed)),
            Some("/diff/redis:7.0/library%2Fredis:7.2".to_owned())
        );
    }
}
