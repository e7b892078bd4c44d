//! Every URL the dashboard calls, and the one typed fetch function.
//!
//! Components never build URLs; they call the functions here.

use serde::de::DeserializeOwned;
use shared::api::VersionInfo;

/// A failed API call, shown to the user as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request did not reach the server (offline, refused, aborted).
    Network(String),
    /// The server answered with an error status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The server's message, or the body when it was not JSON.
        message: String,
    },
    /// The answer was not the JSON this build expects (a version skew).
    Decode(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Network(e) => write!(f, "cannot reach the strata server: {e}"),
            Self::Status { status, message } => write!(f, "the server answered {status}: {message}"),
            Self::Decode(e) => write!(f, "unexpected answer from the server (is it the same version as this page?): {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// `GET /api/v1/version`.
pub async fn version() -> Result<VersionInfo, ApiError> {
    get_json("/api/v1/version").await
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or(body);
        return Err(ApiError::Status { status, message });
    }
    response.json::<T>().await.map_err(|e| ApiError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn errors_say_what_happened_and_what_to_check() {
        let cases = [
            (ApiError::Network("refused".into()), "cannot reach the strata server: refused"),
            (
                ApiError::Status { status: 404, message: "no such image".into() },
                "the server answered 404: no such image",
            ),
            (ApiError::Decode("missing field".into()), "unexpected answer from the server (is it the same version as this page?): missing field"),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}
