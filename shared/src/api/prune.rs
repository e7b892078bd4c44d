//! `POST /api/v1/prune`: `image prune` from the dashboard, with a dry run
//! that shows what would go and the space it would free first.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::filter::PruneFilters;

/// `POST /api/v1/prune`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneRequest {
    /// Every image no pin holds, not just dangling ones (`-a`).
    #[serde(default)]
    pub all: bool,
    /// `until=`, `label=`, `label!=` filters, as the CLI's `--filter`.
    #[serde(default)]
    pub filters: PruneFilters,
    /// Only say what would be removed and the space it would free.
    #[serde(default)]
    pub dry_run: bool,
}

/// One image a prune removes (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunedImageInfo {
    /// The image ID.
    pub id: Digest,
    /// Its tags and repo digests, familiar form (empty when dangling).
    pub names: Vec<String>,
}

/// What a prune did, or in a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneResponse {
    /// Whether this was a dry run (nothing changed).
    pub dry_run: bool,
    /// The images removed, or that would be.
    pub images: Vec<PrunedImageInfo>,
    /// `untagged: …` / `deleted: sha256:…` lines, as the CLI prints them
    /// (empty in a dry run).
    pub lines: Vec<String>,
    /// Bytes in the store freed (dry run: that removing them would free).
    pub bytes: u64,
    /// Images selected but kept, with why (an operation in flight holds
    /// them, a pin was taken meanwhile).
    pub skipped: Vec<String>,
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn requests_default_and_validate_filters() {
        let empty: PruneRequest = serde_json::from_str("{}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty, PruneRequest::default());
        let full: PruneRequest = serde_json::from_str(
            r#"{"all":true,"filters":["until=24h","label!=keep"],"dry_run":true}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(full.all && full.dry_run);
        assert_eq!(full.filters.to_args(), ["until=24h", "label!=keep"]);
        let bad = serde_json::from_str::<PruneRequest>(r#"{"filters":["reference=x"]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(bad.contains("invalid filter 'reference'"), "{bad}");
    }
}
