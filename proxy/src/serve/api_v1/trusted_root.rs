//! `GET /api/v1/trusted-root`: the Sigstore trusted root `strata serve
//! --trusted-root` was given, for the dashboard to check keyless
//! signatures against; `404` when none was given (the dashboard then uses
//! the public-good root it ships with).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::serve::AppState;
use crate::serve::error::ApiError;

/// The handler.
pub async fn trusted_root(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(json) = state.trusted_root() else {
        return Err(ApiError::not_found(
            "strata serve was started without --trusted-root: the dashboard uses the Sigstore public-good trusted root",
        ));
    };
    let mut response = json.to_vec().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
