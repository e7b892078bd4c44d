//! The one error shape every `/api/v1` endpoint answers with.

use serde::{Deserialize, Serialize};

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed: a bad reference, filter or format (400).
    InvalidInput,
    /// The image, tag or endpoint does not exist (404).
    NotFound,
    /// The operation conflicts with the store's state: a pin, an operation in flight (409).
    Conflict,
    /// Credentials are missing or were refused (401).
    Unauthorized,
    /// The request was refused by a defence: CSRF, origin, token, SSRF (403).
    Forbidden,
    /// Bytes did not match the digest naming them (502).
    DigestMismatch,
    /// The upstream registry failed or could not be reached (502).
    Upstream,
    /// Something failed inside strata (500).
    Internal,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidInput => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Internal => 500,
            Self::DigestMismatch | Self::Upstream => 502,
        }
    }
}

/// `{"code": "...", "message": "..."}`: every API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// The stable code.
    pub code: ErrorCode,
    /// What happened and what to do, for a person.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_serialise_and_map_to_statuses() {
        let cases = [
            (ErrorCode::InvalidInput, "invalid_input", 400),
            (ErrorCode::Unauthorized, "unauthorized", 401),
            (ErrorCode::Forbidden, "forbidden", 403),
            (ErrorCode::NotFound, "not_found", 404),
            (ErrorCode::Conflict, "conflict", 409),
            (ErrorCode::Internal, "internal", 500),
            (ErrorCode::DigestMismatch, "digest_mismatch", 502),
            (ErrorCode::Upstream, "upstream", 502),
        ];
        for (code, text, status) in cases {
            assert_eq!(serde_json::to_value(code).expect("json"), text);
            assert_eq!(code.status(), status, "{text}");
        }
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"code":"conflict","message":"image is pinned by 'prod'"}"#)
                .expect("parse");
        assert_eq!(body.code, ErrorCode::Conflict);
    }
}
