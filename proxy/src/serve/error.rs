//! The one error type of `/api/v1`, and its one `IntoResponse`.
//!
//! Every failure becomes `{"code", "message"}` ([`ApiErrorBody`]) with the
//! status its [`ErrorCode`] names. Internal details (paths, database
//! errors) are logged and replaced by a generic message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::api::{ApiErrorBody, ErrorCode};
use shared::walk::WalkError;

use crate::pull::PullError;
use crate::registry::RegistryError;
use crate::store::StoreError;

/// An `/api/v1` failure.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// A failure with `code` and a message for the user.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// 400: the request was malformed.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// 403: a defence refused the request.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// 500, logged; the client sees only that something failed inside.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {detail}");
        Self::new(
            ErrorCode::Internal,
            format!("{context} failed inside strata; see the server log"),
        )
    }
}

impl ApiError {
    /// The message a client sees (internal details already logged), for
    /// failures reported inside a successful answer: an `rm` outcome, a
    /// pull's `failed` event.
    pub fn into_message(self) -> String {
        self.message
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            _ if e.is_not_found() => Self::not_found(e.to_string()),
            _ if e.is_conflict() => Self::new(ErrorCode::Conflict, e.to_string()),
            StoreError::InvalidReference { .. }
            | StoreError::TagWithDigest { .. }
            | StoreError::InvalidName { .. }
            | StoreError::AmbiguousId { .. } => Self::invalid(e.to_string()),
            StoreError::DigestMismatch { .. } => {
                Self::new(ErrorCode::DigestMismatch, e.to_string())
            }
            _ => Self::internal("the store", e),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        let code = match &e {
            RegistryError::NotFound { .. } => ErrorCode::NotFound,
            RegistryError::Unauthorized { .. } | RegistryError::Denied { .. } => {
                ErrorCode::Unauthorized
            }
            RegistryError::DigestMismatch { .. } => ErrorCode::DigestMismatch,
            RegistryError::InvalidManifest { .. } => ErrorCode::InvalidInput,
            _ => ErrorCode::Upstream,
        };
        Self::new(code, e.to_string())
    }
}

impl From<PullError> for ApiError {
    fn from(e: PullError) -> Self {
        match e {
            PullError::Registry(e) => e.into(),
            PullError::Store(e) => e.into(),
            PullError::InvalidReference(e) => Self::invalid(e.to_string()),
            PullError::Walk(e @ WalkError::NoPlatform(_)) => Self::invalid(e.to_string()),
            PullError::Walk(e @ WalkError::Verify { .. }) => {
                Self::new(ErrorCode::DigestMismatch, e.to_string())
            }
            PullError::Walk(e) => Self::new(ErrorCode::Upstream, e.to_string()),
            PullError::Stalled(e) => Self::new(ErrorCode::Upstream, e.to_string()),
            PullError::Task(detail) => Self::internal("the pull", detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(ApiErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response()
    }
}
