//! `POST /api/v1/prune`: `image prune` for the dashboard. `{"dry_run":
//! true}` only lists what would go and the bytes it would free; otherwise
//! the store prunes with the CLI's rules (pins and operations in flight
//! keep images). A write: the guard requires the session's CSRF token.

use axum::Json;
use axum::extract::State;
use shared::api::{PruneRequest, PruneResponse, PrunedImageInfo};

use super::blocking;
use crate::serve::AppState;
use crate::serve::error::ApiError;

/// `POST /api/v1/prune`.
pub async fn prune(
    State(state): State<AppState>,
    Json(request): Json<PruneRequest>,
) -> Result<Json<PruneResponse>, ApiError> {
    blocking(&state, move |store| {
        if request.dry_run {
            let preview = store.prune_preview(&request.filters, request.all)?;
            return Ok(Json(PruneResponse {
                dry_run: true,
                images: preview
                    .images
                    .iter()
                    .map(|row| PrunedImageInfo {
                        id: row.id.digest().clone(),
                        names: row
                            .repo_tags
                            .iter()
                            .chain(&row.repo_digests)
                            .map(|r| r.familiar())
                            .collect(),
                    })
                    .collect(),
                lines: Vec::new(),
                bytes: preview.reclaimable,
                skipped: Vec::new(),
            }));
        }
        let report = store.prune(&request.filters, request.all)?;
        Ok(Json(PruneResponse {
            dry_run: false,
            images: report
                .pruned
                .iter()
                .map(|p| PrunedImageInfo {
                    id: p.id.digest().clone(),
                    names: p.untagged.clone(),
                })
                .collect(),
            lines: report.lines(),
            bytes: report.reclaimed,
            skipped: report
                .skipped
                .iter()
                .map(|(id, why)| format!("{}: {why}", id.short()))
                .collect(),
        }))
    })
    .await
}
