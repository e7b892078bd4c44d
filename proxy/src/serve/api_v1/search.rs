//! `GET /api/v1/search?term=T&limit=N&filter=K=V…`: the same search as the CLI.

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::api::{ErrorCode, SearchResponse};

use crate::search::{self, SearchError, SearchQuery};
use crate::serve::AppState;
use crate::serve::error::ApiError;

/// Runs a search; answers in Docker Hub's response shape.
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let mut query = SearchQuery {
        term: String::new(),
        limit: i64::from(search::DEFAULT_LIMIT),
        filters: Vec::new(),
    };
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "term" | "q" => query.term = value.into_owned(),
            "limit" | "n" => {
                query.limit = value.parse().map_err(|_| {
                    ApiError::invalid(format!("limit={value}: expected a whole number"))
                })?;
            }
            "filter" => query.filters.push(value.into_owned()),
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown query parameter {other:?}"
                )));
            }
        }
    }
    let results = search::search(state.client(), state.index_url(), &query)
        .await
        .map_err(|e| match e {
            SearchError::EmptyTerm | SearchError::Limit(_) | SearchError::Filter(_) => {
                ApiError::invalid(e.to_string())
            }
            SearchError::Catalog { .. } | SearchError::Index { .. } => {
                ApiError::new(ErrorCode::Upstream, e.to_string())
            }
        })?;
    Ok(Json(SearchResponse {
        query: query.term,
        num_results: results.len() as u64,
        results,
    }))
}
