//! `search`: Docker Hub's v1 search index, or a registry's `/v2/_catalog`.
//!
//! - `TERM` searches the index at `--index-url` / `STRATA_INDEX_URL`
//!   (default [`DEFAULT_INDEX`]) with `GET {index}/v1/search?q=TERM&n=LIMIT`,
//!   then applies the `--filter`s, as Docker does.
//! - `REGISTRY/TERM`, where `REGISTRY` has a `.` or a `:` or is `localhost`
//!   (`127.0.0.1:5000/web`), lists that registry's catalog (following `Link`
//!   pages) and keeps the repositories whose name contains `TERM`. Catalog
//!   results have no stars or official flag.

use std::time::Duration;

use shared::api::{SearchResponse, SearchResult};
use shared::filter::SearchFilters;

use crate::registry::{RegistryClient, RegistryError};

/// Docker Hub's search index.
pub const DEFAULT_INDEX: &str = "https://index.docker.io";
/// The environment variable naming the index URL.
pub const INDEX_URL_ENV: &str = "STRATA_INDEX_URL";
/// `--limit` when none is given.
pub const DEFAULT_LIMIT: u32 = 25;

/// A failed search, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The term is empty.
    #[error("search needs a term: strata search TERM (or REGISTRY/TERM for a registry's catalog)")]
    EmptyTerm,
    /// `--limit` outside 1..=100 (Docker's wording).
    #[error("limit {0} is outside the range of [1, 100]")]
    Limit(i64),
    /// A bad `--filter`.
    #[error("{0}")]
    Filter(#[from] shared::filter::FilterError),
    /// The index could not be reached or answered badly.
    #[error("cannot search {url}: {reason} (set the index with --index-url or STRATA_INDEX_URL)")]
    Index {
        /// The index URL asked.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The registry refused or does not offer its catalog.
    #[error(
        "cannot list the catalog of {registry}: {source} (not every registry offers /v2/_catalog; Docker Hub does not)"
    )]
    Catalog {
        /// The registry host.
        registry: String,
        /// The registry's answer.
        source: RegistryError,
    },
}

/// What to search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// `TERM` or `REGISTRY/TERM`.
    pub term: String,
    /// At most this many results (1..=100).
    pub limit: i64,
    /// `is-official=`, `is-automated=`, `stars=`.
    pub filters: Vec<String>,
}

/// Where a search goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// The search index, for this term.
    Index(&'a str),
    /// This registry's catalog, for this substring.
    Catalog {
        /// `host[:port]`.
        registry: &'a str,
        /// The substring (may be empty: every repository).
        term: &'a str,
    },
}

/// Decides where `term` goes (see the module docs).
pub fn target(term: &str) -> Target<'_> {
    match term.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            Target::Catalog {
                registry: first,
                term: rest,
            }
        }
        _ => Target::Index(term),
    }
}

/// The index URL from `--index-url`, else `STRATA_INDEX_URL`, else Docker Hub's.
pub fn index_url(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| {
            std::env::var(INDEX_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_INDEX.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// Runs a search.
pub async fn search(
    client: &RegistryClient,
    index: &str,
    query: &SearchQuery,
) -> Result<Vec<SearchResult>, SearchError> {
    let term = query.term.trim();
    if term.is_empty() {
        return Err(SearchError::EmptyTerm);
    }
    if !(1..=100).contains(&query.limit) {
        return Err(SearchError::Limit(query.limit));
    }
    let filters = SearchFilters::parse(&query.filters)?;
    let limit = usize::try_from(query.limit).unwrap_or(100);
    let results = match target(term) {
        Target::Index(term) => index_search(index, term, limit).await?,
        Target::Catalog { registry, term } => client
            .catalog(registry)
            .await
            .map_err(|source| SearchError::Catalog {
                registry: registry.to_owned(),
                source,
            })?
            .into_iter()
            .filter(|name| name.contains(term))
            .map(|name| SearchResult {
                name: format!("{registry}/{name}"),
                description: String::new(),
                star_count: None,
                is_official: None,
                is_automated: None,
            })
            .collect(),
    };
    Ok(results
        .into_iter()
        .filter(|r| filters.matches(&r.subject()))
        .take(limit)
        .collect())
}

async fn index_search(
    index: &str,
    term: &str,
    limit: usize,
) -> Result<Vec<SearchResult>, SearchError> {
    let url = format!("{index}/v1/search");
    let fail = |reason: String| SearchError::Index {
        url: url.clone(),
        reason,
    };
    let http = reqwest::Client::builder()
        // As the registry client (`registry/transport.rs`): HTTP/1.1 and
        // the bundled roots, whatever features the S3 client enables.
        .http1_only()
        .tls_built_in_native_certs(false)
        .timeout(Duration::from_secs(30))
        .user_agent(format!("strata/{}", crate::VERSION))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let response = http
        .get(&url)
        .query(&[("q", term), ("n", &limit.to_string())])
        .send()
        .await
        .map_err(|e| fail(format!("unreachable ({e})")))?;
    if !response.status().is_success() {
        return Err(fail(format!("it answered {}", response.status())));
    }
    // At most INDEX_ANSWER_LIMIT bytes: the index is not trusted to be small.
    let mut response = response;
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fail(format!("the answer broke off ({e})")))?
    {
        if bytes.len() + chunk.len() > INDEX_ANSWER_LIMIT {
            return Err(fail(format!(
                "its answer is larger than {INDEX_ANSWER_LIMIT} bytes; ask for fewer results with --limit"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let body: SearchResponse =
        serde_json::from_slice(&bytes).map_err(|e| fail(format!("not a search answer ({e})")))?;
    Ok(body.results)
}

/// The largest search index answer read (100 results are about 30 kB).
const INDEX_ANSWER_LIMIT: usize = 8 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_go_to_the_index_or_a_catalog() {
        let cases = [
            ("redis", Target::Index("redis")),
            ("bitnami/redis", Target::Index("bitnami/redis")),
            (
                "127.0.0.1:5000/web",
                Target::Catalog {
                    registry: "127.0.0.1:5000",
                    term: "web",
                },
            ),
            (
                "registry.example.com/team",
                Target::Catalog {
                    registry: "registry.example.com",
                    term: "team",
                },
            ),
            (
                "localhost/x",
                Target::Catalog {
                    registry: "localhost",
                    term: "x",
                },
            ),
        ];
        for (term, want) in cases {
            assert_eq!(target(term), want, "{term}");
        }
    }
}
