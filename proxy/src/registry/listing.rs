//! Listing tags (`/v2/<path>/tags/list`) and repositories
//! (`/v2/_catalog`), following `Link` pagination.
//!
//! A page may end with `Link: <URL>; rel="next"`; `URL` is resolved
//! against the page's own URL and fetched in turn until no `next` is left.
//! A `Link` that returns to a page already read, or more than
//! [`MAX_PAGES`] pages, is an invalid response. `n=` asks for pages of a
//! given size (registries may ignore it or cap it).
//!
//! The registry is not trusted to be small: a page is read up to
//! [`PAGE_LIMIT`] bytes, and a listing stops with an error past
//! [`MAX_ENTRIES`] names or [`MAX_LISTING_BYTES`] of pages in total
//! (a registry that sends endless pages of long names), so a hostile or
//! broken registry cannot fill the memory of `strata serve` (the
//! dashboard's search, `/v2/…/tags/list`).

use reqwest::header::{HeaderMap, LINK};
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use shared::reference::Reference;
use url::Url;

use super::client::{Call, Registry, RegistryClient};
use super::error::RegistryError;
use super::token::Scope;

/// Pages read for one listing before giving up.
pub const MAX_PAGES: usize = 10_000;
/// The largest page body read (Docker Hub's pages of 10,000 tags are
/// about 200 kB).
const PAGE_LIMIT: u64 = 8 << 20;
/// The most bytes of pages one listing reads, all pages together.
pub const MAX_LISTING_BYTES: u64 = 64 << 20;
/// The most names one listing collects (Docker Hub's largest repositories
/// have tens of thousands of tags).
pub const MAX_ENTRIES: usize = 500_000;

#[derive(serde::Deserialize)]
struct TagsPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct CatalogPage {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

impl RegistryClient {
    /// Every tag of `reference`'s repository, in the registry's order,
    /// across all pages.
    pub async fn list_tags(&self, reference: &Reference) -> Result<Vec<String>, RegistryError> {
        self.list_tags_paged(reference, None).await
    }

    /// [`RegistryClient::list_tags`], asking for pages of `page_size`
    /// tags (`n=`).
    pub async fn list_tags_paged(
        &self,
        reference: &Reference,
        page_size: Option<u32>,
    ) -> Result<Vec<String>, RegistryError> {
        let registry = self.registry(reference.domain()).await?;
        let what = format!("tags of {}", reference.canonical_name());
        let path = format!(
            "/v2/{}/tags/list{}",
            reference.path(),
            page_query(page_size)
        );
        let first = registry.endpoint.url(&path)?;
        let scope = Scope::Pull(reference.path().to_owned());
        self.read_pages(&registry, first, scope, &what, |page: TagsPage| {
            page.tags.unwrap_or_default()
        })
        .await
    }

    /// Every repository in the registry `registry_host`'s catalog, across
    /// all pages. Many public registries (Docker Hub among them) refuse it.
    pub async fn catalog(&self, registry_host: &str) -> Result<Vec<String>, RegistryError> {
        self.catalog_paged(registry_host, None).await
    }

    /// [`RegistryClient::catalog`], asking for pages of `page_size`
    /// repositories (`n=`).
    pub async fn catalog_paged(
        &self,
        registry_host: &str,
        page_size: Option<u32>,
    ) -> Result<Vec<String>, RegistryError> {
        let registry = self.registry(registry_host).await?;
        let what = format!("the catalog of {}", registry.name);
        let first = registry
            .endpoint
            .url(&format!("/v2/_catalog{}", page_query(page_size)))?;
        self.read_pages(
            &registry,
            first,
            Scope::Catalog,
            &what,
            |page: CatalogPage| page.repositories.unwrap_or_default(),
        )
        .await
    }

    async fn read_pages<P: DeserializeOwned>(
        &self,
        registry: &Registry,
        first: Url,
        scope: Scope,
        what: &str,
        items: impl Fn(P) -> Vec<String>,
    ) -> Result<Vec<String>, RegistryError> {
        let invalid = |message: String| RegistryError::InvalidResponse {
            registry: registry.name.clone(),
            what: what.to_owned(),
            message,
        };
        let mut out = Vec::new();
        let mut read: u64 = 0;
        let mut seen: Vec<Url> = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if seen.contains(&url) {
                return Err(invalid(format!("its Link header points back to {url}")));
            }
            if seen.len() >= MAX_PAGES {
                return Err(invalid(format!("more than {MAX_PAGES} pages")));
            }
            seen.push(url.clone());
            let call = Call {
                method: Method::GET,
                url,
                headers: HeaderMap::new(),
                scope: scope.clone(),
                what,
            };
            let response = self.execute_ok(registry, call).await?;
            let page_url = response.url().clone();
            next = next_link(response.headers())
                .map(|link| {
                    page_url
                        .join(&link)
                        .map_err(|e| invalid(format!("invalid Link {link:?}: {e}")))
                })
                .transpose()?;
            let budget = MAX_LISTING_BYTES - read;
            let body = read_page(response, &registry.name, what, budget).await?;
            read += body.len() as u64;
            let page: P = serde_json::from_slice(&body).map_err(|e| invalid(e.to_string()))?;
            out.extend(items(page));
            if out.len() > MAX_ENTRIES {
                return Err(invalid(format!(
                    "it lists more than {MAX_ENTRIES} names, more than strata reads in one listing; name a narrower repository (or search term)"
                )));
            }
        }
        Ok(out)
    }
}

fn page_query(page_size: Option<u32>) -> String {
    page_size.map(|n| format!("?n={n}")).unwrap_or_default()
}

/// Reads a page of at most [`PAGE_LIMIT`] bytes, and at most `budget`
/// (what is left of [`MAX_LISTING_BYTES`]), within
/// [`super::BODY_DEADLINE`].
async fn read_page(
    mut response: Response,
    registry: &str,
    what: &str,
    budget: u64,
) -> Result<Vec<u8>, RegistryError> {
    let limit = PAGE_LIMIT.min(budget);
    let mut body = Vec::new();
    let deadline = tokio::time::Instant::now() + super::BODY_DEADLINE;
    while let Some(chunk) = super::chunk_before(&mut response, deadline, registry, what).await? {
        if (body.len() + chunk.len()) as u64 > limit {
            let message = match limit < PAGE_LIMIT {
                true => format!(
                    "its pages add up to more than {MAX_LISTING_BYTES} bytes, more than strata reads in one listing; name a narrower repository (or search term)"
                ),
                false => format!("a page is larger than {PAGE_LIMIT} bytes"),
            };
            return Err(RegistryError::InvalidResponse {
                registry: registry.to_owned(),
                what: what.to_owned(),
                message,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The target of the `rel="next"` link among all `Link` headers (RFC 8288:
/// `<URI>; param=value; rel="next prev", <URI>; …`).
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|value| {
            parse_links(value)
                .into_iter()
                .find(|(_, rels)| rels.iter().any(|r| r.eq_ignore_ascii_case("next")))
                .map(|(target, _)| target)
        })
}

/// `(target, rel values)` of each link in one header value.
fn parse_links(value: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let target = rest[open + 1..close].trim().to_owned();
        rest = &rest[close + 1..];
        // Parameters run to the next link (a ',' followed by '<') or the end.
        let end = next_link_start(rest);
        let params = &rest[..end];
        rest = &rest[end..];
        let rels = params
            .split(';')
            .filter_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("rel")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
            .flat_map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        out.push((target, rels));
    }
    out
}

/// Where the next `, <` starts in `rest`, or its length.
fn next_link_start(rest: &str) -> usize {
    let mut in_quotes = false;
    for (i, c) in rest.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes && rest[i + 1..].trim_start().starts_with('<') => return i,
            _ => {}
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link() {
        #[rustfmt::skip]
        let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
            (vec![r#"</v2/a/tags/list?last=b&n=2>; rel="next""#], Some("/v2/a/tags/list?last=b&n=2")),
            (vec![r#"<https://r.io/v2/_catalog?last=x&n=100>; rel=next"#], Some("https://r.io/v2/_catalog?last=x&n=100")),
            (vec![r#"</p1>; rel="prev", </p3>; rel="next""#], Some("/p3")),
            (vec![r#"</p3>; title="a, <b>"; rel="next""#], Some("/p3")),
            (vec![r#"</p3>; rel="next last""#], Some("/p3")),
            (vec![r#"</p3>; REL="Next""#], Some("/p3")),
            (vec![r#"</p1>; rel="prev""#, r#"</p3>; rel="next""#], Some("/p3")),
            (vec![r#"</p1>; rel="prev""#], None),
            (vec![r#"</p1>"#], None),
            (vec!["garbage"], None),
            (vec![r#"<unterminated; rel="next""#], None),
            (vec![], None),
        ];
        for (values, want) in cases {
            let mut headers = HeaderMap::new();
            for v in &values {
                headers.append(LINK, v.parse().expect("header"));
            }
            assert_eq!(next_link(&headers).as_deref(), want, "{values:?}");
        }
    }
}
