//! `GET /v2/<name>/tags/list[?n=N&last=TAG]`.
//!
//! Always asked upstream (every page of it, see
//! [`crate::registry::RegistryClient::list_tags`]); answered in lexical
//! order as the distribution spec's `last` needs. `last` skips every tag
//! up to and including it; `n` cuts the page, and when more tags follow a
//! `Link: </v2/<name>/tags/list?n=N&last=TAG>; rel="next"` header points
//! at the next page. Without `n` every tag comes in one page.
//! `Cache-Control: no-cache` (tags come and go). With the upstream down,
//! the tags the store holds for the repository (from `strata pull`), with
//! a `Warning: 111` header.

use axum::Json;
use axum::body::Body;
use axum::http::Response;
use axum::http::header::{self, HeaderValue};
use axum::response::IntoResponse;
use serde_json::json;
use shared::reference::{MirrorRoute, Reference};

use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::path::{V2Path, echo};
use super::response::blocking;
use crate::serve::AppState;
use crate::store::Store;

/// The `n` and `last` of a tag list request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The most tags to return.
    pub n: Option<usize>,
    /// Return only tags after this one.
    pub last: Option<String>,
}

impl Page {
    /// Reads `n` and `last` from a query string; `PAGINATION_NUMBER_INVALID`
    /// for an `n` that is not a number.
    pub fn parse(query: Option<&str>) -> Result<Page, V2Error> {
        let mut page = Page::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "n" => {
                    let n = value.parse().map_err(|_| {
                        V2Error::new(
                            ErrorCode::PaginationNumberInvalid,
                            format!("n={:?} is not a number of tags", echo(&value)),
                        )
                    })?;
                    page.n = Some(n);
                }
                "last" => page.last = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(page)
    }

    /// The page of `tags` (sorted) this asks for, and whether more follow.
    pub fn cut<'a>(&self, tags: &'a [String]) -> (&'a [String], bool) {
        let start = match &self.last {
            Some(last) => tags.partition_point(|t| t.as_str() <= last.as_str()),
            None => 0,
        };
        let rest = &tags[start..];
        match self.n {
            Some(n) if n < rest.len() => (&rest[..n], n > 0),
            _ => (rest, false),
        }
    }
}

/// Serves the tag list of `path`'s repository.
pub async fn serve(
    state: &AppState,
    context: &V2Context,
    path: &V2Path,
    query: Option<&str>,
) -> Result<Response<Body>, V2Error> {
    let page = Page::parse(query)?;
    let listed = context
        .short_call(state.client().list_tags(&path.reference))
        .await?;
    let (mut tags, stale) = match listed {
        Ok(tags) => (tags, false),
        Err(e) if V2Error::upstream_is_down(&e) => {
            let stored = stored_tags(state.store(), &path.reference).await?;
            if stored.is_empty() {
                return Err(V2Error::upstream(&e, Subject::Tags));
            }
            tracing::warn!(repository = %path.reference, error = %e, "upstream is down; listing the tags the store holds");
            (stored, true)
        }
        Err(e) => return Err(V2Error::upstream(&e, Subject::Tags)),
    };
    tags.sort();
    tags.dedup();
    let (tags, more) = page.cut(&tags);
    let mut response = Json(json!({ "name": path.name, "tags": tags })).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if stale {
        headers.insert(
            header::WARNING,
            HeaderValue::from_static(
                "111 strata \"upstream unreachable; listed the tags strata's store holds\"",
            ),
        );
    }
    if let (true, Some(n), Some(last)) = (more, page.n, tags.last()) {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("n", &n.to_string())
            .append_pair("last", last);
        // The next page is on the same registry.
        if let MirrorRoute::Namespace(ns) = &path.route {
            query.append_pair("ns", ns);
        }
        let query = query.finish();
        let link = format!("</v2/{}/tags/list?{query}>; rel=\"next\"", path.name);
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// The tags the store holds for `repository` (from `strata pull`).
async fn stored_tags(store: &Store, repository: &Reference) -> Result<Vec<String>, V2Error> {
    let (store, name) = (store.clone(), repository.canonical_name());
    let rows = blocking("listing stored tags", move || store.list()).await?;
    Ok(rows
        .iter()
        .flat_map(|row| &row.repo_tags)
        .filter(|r| r.canonical_name() == name)
        .filter_map(|r| r.tag().map(|t| t.as_str().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let tags: Vec<String> = ["a", "b", "c", "d", "e"].map(str::to_owned).to_vec();
        #[rustfmt::skip]
        let cases: [(Option<&str>, &[&str], bool); 10] = [
            (None, &["a", "b", "c", "d", "e"], false),
            (Some("n=2"), &["a", "b"], true),
            (Some("n=2&last=b"), &["c", "d"], true),
            (Some("n=2&last=d"), &["e"], false),
            (Some("n=5"), &["a", "b", "c", "d", "e"], false),
            (Some("n=0"), &[], false),
            (Some("last=c"), &["d", "e"], false),
            (Some("last=bb&n=1"), &["c"], true),
            (Some("last=z"), &[], false),
            (Some("other=1&n=1"), &["a"], true),
        ];
        for (query, want, more) in cases {
            let page = Page::parse(query).expect("page");
            let (got, got_more) = page.cut(&tags);
            assert_eq!(
                (got, got_more),
                (
                    &want.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..],
                    more
                ),
                "{query:?}"
            );
        }
        for query in ["n=x", "n=-1", "n="] {
            let err = Page::parse(Some(query)).expect_err(query);
            assert_eq!(err.code(), ErrorCode::PaginationNumberInvalid, "{query}");
        }
    }
}
