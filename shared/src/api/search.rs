//! `search`: Docker Hub's v1 search index and registry catalogs.

use serde::{Deserialize, Serialize};

use crate::display::ellipsis;
use crate::filter::SearchSubject;

/// One result of Docker Hub's `GET /v1/search?q=TERM&n=LIMIT`, in its field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The repository, e.g. `redis` or `bitnami/redis`.
    pub name: String,
    /// The short description.
    #[serde(default)]
    pub description: String,
    /// Stars; `None` for registry catalog matches, which have none.
    #[serde(default)]
    pub star_count: Option<u64>,
    /// A Docker Official Image; `None` for catalog matches.
    #[serde(default)]
    pub is_official: Option<bool>,
    /// An automated build (deprecated by Docker, still filterable).
    #[serde(default)]
    pub is_automated: Option<bool>,
}

/// The index's whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The term searched.
    #[serde(default)]
    pub query: String,
    /// How many results the index has in all.
    #[serde(default)]
    pub num_results: u64,
    /// This page of results.
    #[serde(default)]
    pub results: Vec<SearchResult>,
}

/// The description width `search` cuts to without `--no-trunc`.
pub const DESCRIPTION_WIDTH: usize = 45;

impl SearchResult {
    /// What `search --filter` tests (catalog matches count as 0 stars, not official).
    pub fn subject(&self) -> SearchSubject {
        SearchSubject {
            stars: self.star_count.unwrap_or(0),
            is_official: self.is_official.unwrap_or(false),
            is_automated: self.is_automated.unwrap_or(false),
        }
    }

    /// The row as `--format` templates see it (`{{.Name}}`, `{{.Description}}`,
    /// `{{.StarCount}}`, `{{.IsOfficial}}`, `{{.IsAutomated}}`).
    pub fn template_value(&self, no_trunc: bool) -> serde_json::Value {
        let description = self.description.replace('\n', " ");
        let description = if no_trunc {
            description
        } else {
            ellipsis(&description, DESCRIPTION_WIDTH)
        };
        let flag = |v: Option<bool>| match v {
            Some(true) => "[OK]",
            Some(false) => "",
            None => "-",
        };
        serde_json::json!({
            "Name": self.name,
            "Description": description,
            "StarCount": self.star_count.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            "IsOfficial": flag(self.is_official),
            "IsAutomated": flag(self.is_automated),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_hubs_shape_and_renders_rows() {
        let response: SearchResponse = serde_json::from_value(serde_json::json!({
            "query": "redis", "num_results": 2,
            "results": [
                {"name": "redis", "description": "Redis is the world's fastest data platform for caching, vector search, and NoSQL databases.", "star_count": 13000, "is_official": true, "is_automated": false},
                {"name": "bitnami/redis", "description": "Bitnami Redis", "star_count": 300, "is_official": false, "is_automated": true},
            ]
        }))
        .expect("parse");
        let top = response.results[0].template_value(false);
        assert_eq!(
            top["Description"],
            "Redis is the world's fastest data platform f…"
        );
        assert_eq!(top["StarCount"], "13000");
        assert_eq!(top["IsOfficial"], "[OK]");
        let other = response.results[1].template_value(true);
        assert_eq!(other["IsOfficial"], "");
        assert_eq!(other["IsAutomated"], "[OK]");
        let catalog = SearchResult {
            name: "127.0.0.1:5000/web".into(),
            description: String::new(),
            star_count: None,
            is_official: None,
            is_automated: None,
        };
        assert_eq!(catalog.template_value(false)["StarCount"], "-");
        assert_eq!(
            catalog.subject(),
            SearchSubject {
                stars: 0,
                is_official: false,
                is_automated: false
            }
        );
    }
}
