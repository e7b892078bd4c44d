//! `POST /api/v1/tag`, `POST /api/v1/rm`, `POST|DELETE /api/v1/pins`.

use axum::Json;
use axum::extract::State;
use shared::api::{PinRequest, RemoveOutcome, RemoveRequest, TagRequest};
use shared::reference::Reference;

use super::blocking;
use crate::serve::AppState;
use crate::serve::error::ApiError;

/// `POST /api/v1/tag`.
pub async fn tag(
    State(state): State<AppState>,
    Json(request): Json<TagRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let target: Reference = request
        .target
        .parse()
        .map_err(|e| ApiError::invalid(format!("{e}")))?;
    blocking(&state, move |store| {
        store.tag(&request.source, &target.with_default_tag())?;
        Ok(Json(
            serde_json::json!({"tagged": target.with_default_tag().familiar()}),
        ))
    })
    .await
}

/// `POST /api/v1/rm`: every argument on its own, as `rm` does.
pub async fn remove(
    State(state): State<AppState>,
    Json(request): Json<RemoveRequest>,
) -> Result<Json<Vec<RemoveOutcome>>, ApiError> {
    if request.images.is_empty() {
        return Err(ApiError::invalid("name at least one image to remove"));
    }
    blocking(&state, move |store| {
        Ok(Json(
            request
                .images
                .into_iter()
                .map(|image| match store.remove(&image, request.force) {
                    Ok(lines) => RemoveOutcome {
                        image,
                        lines: lines.iter().map(ToString::to_string).collect(),
                        error: None,
                    },
                    Err(e) => RemoveOutcome {
                        image,
                        lines: Vec::new(),
                        // Without the store's paths (logged instead).
                        error: Some(ApiError::from(e).into_message()),
                    },
                })
                .collect(),
        ))
    })
    .await
}

/// `POST /api/v1/pins`.
pub async fn pin(
    State(state): State<AppState>,
    Json(request): Json<PinRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = request
        .by
        .clone()
        .ok_or_else(|| ApiError::invalid("say who uses the image: {\"by\": \"NAME\"}"))?;
    blocking(&state, move |store| {
        let id = store.pin(&request.image, &by)?;
        Ok(Json(
            serde_json::json!({"pinned": id.to_string(), "by": by}),
        ))
    })
    .await
}

/// `DELETE /api/v1/pins`.
pub async fn unpin(
    State(state): State<AppState>,
    Json(request): Json<PinRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(&state, move |store| {
        let removed = store.unpin(&request.image, request.by.as_deref())?;
        Ok(Json(serde_json::json!({"unpinned": removed})))
    })
    .await
}
