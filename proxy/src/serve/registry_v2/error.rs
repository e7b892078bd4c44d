//! [`V2Error`]: every `/v2` failure, in the distribution spec's JSON shape.
//!
//! ```json
//! {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "…", "detail": {…}}]}
//! ```
//!
//! The code says what kind of failure it is ([`ErrorCode`]); the status is
//! the one the spec gives the code, except for failures of the upstream
//! registry, which are `502 Bad Gateway` whatever their code. Messages say
//! what happened and what to do; they never hold credentials or tokens
//! (the registry client's errors never do), and store failures are logged
//! and replaced by a generic message.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::registry::RegistryError;
use crate::store::StoreError;

/// A distribution spec error code (plus `UNKNOWN` and `UNAVAILABLE`, which
/// the distribution registry also uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The blob is not in the store and not upstream.
    BlobUnknown,
    /// A digest in the path is malformed.
    DigestInvalid,
    /// A manifest is malformed, too large, or not one strata can read.
    ManifestInvalid,
    /// The manifest is not in the store and not upstream.
    ManifestUnknown,
    /// The repository name in the path is malformed.
    NameInvalid,
    /// The repository is not known upstream.
    NameUnknown,
    /// A tag in the path is malformed.
    TagInvalid,
    /// `n` in `tags/list` is not a number.
    PaginationNumberInvalid,
    /// The upstream registry wants credentials strata does not have.
    Unauthorized,
    /// Access refused (upstream, or by strata's destination policy).
    Denied,
    /// The operation is not supported (every write: `/v2` is read-only).
    Unsupported,
    /// The upstream registry is rate-limiting.
    TooManyRequests,
    /// The upstream registry cannot be reached.
    Unavailable,
    /// Anything else.
    Unknown,
}

impl ErrorCode {
    /// The code as the spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BlobUnknown => "BLOB_UNKNOWN",
            ErrorCode::DigestInvalid => "DIGEST_INVALID",
            ErrorCode::ManifestInvalid => "MANIFEST_INVALID",
            ErrorCode::ManifestUnknown => "MANIFEST_UNKNOWN",
            ErrorCode::NameInvalid => "NAME_INVALID",
            ErrorCode::NameUnknown => "NAME_UNKNOWN",
            ErrorCode::TagInvalid => "TAG_INVALID",
            ErrorCode::PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Denied => "DENIED",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::TooManyRequests => "TOOMANYREQUESTS",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Unknown => "UNKNOWN",
        }
    }

    /// The status the code has when strata itself is the cause.
    fn status(self) -> StatusCode {
        match self {
            ErrorCode::BlobUnknown | ErrorCode::ManifestUnknown | ErrorCode::NameUnknown => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::DigestInvalid
            | ErrorCode::ManifestInvalid
            | ErrorCode::NameInvalid
            | ErrorCode::TagInvalid
            | ErrorCode::PaginationNumberInvalid => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Denied => StatusCode::FORBIDDEN,
            ErrorCode::Unsupported => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => StatusCode::BAD_GATEWAY,
            ErrorCode::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What a request asked for, so an upstream 404 gets the right code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A manifest or index.
    Manifest,
    /// A blob.
    Blob,
    /// The repository's tag list.
    Tags,
}

/// A `/v2` failure: code, status, message, and optional detail.
#[derive(Clone, Debug)]
pub struct V2Error {
    code: ErrorCode,
    status: StatusCode,
    message: String,
    detail: Value,
    retry_after: Option<Duration>,
    abandoned: bool,
}

impl V2Error {
    /// A failure with `code`, its usual status, and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> V2Error {
        V2Error {
            code,
            status: code.status(),
            message: message.into(),
            detail: Value::Null,
            retry_after: None,
            abandoned: false,
        }
    }

    /// The same failure with `detail` (a JSON object) attached.
    pub fn with_detail(mut self, detail: Value) -> V2Error {
        self.detail = detail;
        self
    }

    /// The same failure with another status.
    fn with_status(mut self, status: StatusCode) -> V2Error {
        self.status = status;
        self
    }

    /// The same failure as the upstream's fault: `502 Bad Gateway`.
    pub fn bad_gateway(self) -> V2Error {
        self.with_status(StatusCode::BAD_GATEWAY)
    }

    /// The code.
    #[cfg(test)]
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The status.
    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 405 for every write: strata's `/v2` only reads.
    pub fn read_only(method: &axum::http::Method) -> V2Error {
        V2Error::new(
            ErrorCode::Unsupported,
            format!(
                "{method} is not supported: strata's /v2 is a read-only proxy (push to the upstream registry itself)"
            ),
        )
        .with_detail(json!({ "method": method.as_str() }))
    }

    /// A path that is not a `/v2` route.
    pub fn no_route(path: &str) -> V2Error {
        V2Error::new(
            ErrorCode::NameUnknown,
            "no such /v2 route: expected /v2/<host>/<repository>/manifests/<tag or digest>, …/blobs/<digest> or …/tags/list",
        )
        .with_detail(json!({ "path": crate::serve::registry_v2::path::echo(path) }))
    }

    /// Strata is at its limit of `what` and waited `waited` for a turn:
    /// `503 Service Unavailable` with `Retry-After`, so clients back off
    /// and try again rather than queue for ever.
    pub fn busy(what: &str, waited: Duration) -> V2Error {
        V2Error {
            retry_after: Some(Duration::from_secs(5)),
            ..V2Error::new(
                ErrorCode::Unavailable,
                format!(
                    "strata is running as many {what} as it allows and none finished within {} s; try again in a few seconds",
                    waited.as_secs()
                ),
            )
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
        }
    }

    /// The upstream transfer of a blob was abandoned (its only client left).
    pub fn abandoned() -> V2Error {
        V2Error {
            abandoned: true,
            ..V2Error::new(
                ErrorCode::Unavailable,
                "the upstream transfer was abandoned before it finished; try again",
            )
        }
    }

    /// Whether this is [`V2Error::abandoned`]: a waiter should try again.
    pub fn is_abandoned(&self) -> bool {
        self.abandoned
    }

    /// A failure of the upstream registry while fetching `subject`.
    pub fn upstream(error: &RegistryError, subject: Subject) -> V2Error {
        let message = error.to_string();
        let bad_gateway =
            |code| V2Error::new(code, message.clone()).with_status(StatusCode::BAD_GATEWAY);
        match error {
            RegistryError::NotFound { .. } => V2Error::new(
                match subject {
                    Subject::Manifest => ErrorCode::ManifestUnknown,
                    Subject::Blob => ErrorCode::BlobUnknown,
                    Subject::Tags => ErrorCode::NameUnknown,
                },
                message,
            ),
            // Not a 401: the client's credentials (if any) are strata's, and
            // logging in to strata again would not help. A 401 without a
            // challenge breaks clients, and a challenge for strata would send
            // docker and podman round a login that changes nothing.
            RegistryError::Unauthorized { registry, .. } => V2Error::new(
                ErrorCode::Denied,
                format!(
                    "{message}. strata fetches {registry} with the credentials of the account running strata serve, not with the client's: log in there (`strata login {registry}`)"
                ),
            ),
            RegistryError::Denied { .. } | RegistryError::Refused { .. } => {
                V2Error::new(ErrorCode::Denied, message)
            }
            RegistryError::TooManyRequests { retry_after, .. } => V2Error {
                retry_after: *retry_after,
                ..V2Error::new(ErrorCode::TooManyRequests, message)
            },
            RegistryError::Unreachable { .. } | RegistryError::Stream { .. } => {
                bad_gateway(ErrorCode::Unavailable)
            }
            RegistryError::DigestMismatch { .. } => bad_gateway(ErrorCode::DigestInvalid),
            RegistryError::ManifestTooLarge { .. } | RegistryError::InvalidManifest { .. } => {
                bad_gateway(ErrorCode::ManifestInvalid)
            }
            RegistryError::Upstream { .. } | RegistryError::InvalidResponse { .. } => {
                bad_gateway(ErrorCode::Unknown)
            }
            RegistryError::Credentials(_) | RegistryError::InvalidConfig { .. } => {
                tracing::error!(error = %error, "registry client failure");
                V2Error::new(
                    ErrorCode::Unknown,
                    "strata cannot use its registry configuration or credentials; see the server log",
                )
            }
        }
    }

    /// Whether the upstream failed in a way that a copy in the store may
    /// stand in for (down, overloaded, rate-limiting), as opposed to
    /// answering "no" (404, 401, 403).
    pub fn upstream_is_down(error: &RegistryError) -> bool {
        match error {
            RegistryError::Unreachable { .. }
            | RegistryError::Stream { .. }
            | RegistryError::TooManyRequests { .. } => true,
            RegistryError::Upstream { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A store failure: logged with its detail, reported generically.
    pub fn store(context: &str, error: &StoreError) -> V2Error {
        if let StoreError::LowSpace { .. } = error {
            tracing::warn!(error = %error, "{context}");
            return V2Error {
                retry_after: Some(Duration::from_secs(60)),
                ..V2Error::new(
                    ErrorCode::Unavailable,
                    "strata's store is short of free disk space, so it stores no new content: its operator can free space (`strata gc`, `strata rm IMAGE`) or lower `--min-free-space`",
                )
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
            };
        }
        tracing::error!(error = %error, "{context}");
        V2Error::new(
            ErrorCode::Unknown,
            format!("{context} failed inside strata's store; see the server log"),
        )
    }

    /// A blocking task that did not finish (panicked or cancelled).
    pub fn task(context: &str, error: &tokio::task::JoinError) -> V2Error {
        tracing::error!(error = %error, "{context}");
        V2Error::new(
            ErrorCode::Unknown,
            format!("{context} failed inside strata; see the server log"),
        )
    }
}

impl std::fmt::Display for V2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code.as_str(),
            self.status,
            self.message
        )
    }
}

impl std::error::Error for V2Error {}

impl IntoResponse for V2Error {
    fn into_response(self) -> Response {
        let mut entry = json!({ "code": self.code.as_str(), "message": self.message });
        if !self.detail.is_null() {
            entry["detail"] = self.detail;
        }
        let mut response = (self.status, Json(json!({ "errors": [entry] }))).into_response();
        if let Some(wait) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.code == ErrorCode::Unsupported {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(status: u16) -> RegistryError {
        let registry = "r.example".to_owned();
        let what = "x".to_owned();
        let message = "m".to_owned();
        match status {
            404 => RegistryError::NotFound {
                registry,
                what,
                message,
            },
            401 => RegistryError::Unauthorized {
                registry,
                what,
                message,
                had_credentials: false,
            },
            403 => RegistryError::Denied {
                registry,
                what,
                message,
            },
            429 => RegistryError::TooManyRequests {
                registry,
                retry_after: Some(Duration::from_secs(7)),
                message,
            },
            0 => RegistryError::Unreachable {
                registry,
                url: "https://r.example/v2/".into(),
                reason: "refused".into(),
            },
            status => RegistryError::Upstream {
                registry,
                what,
                status,
                message,
            },
        }
    }

    #[test]
    fn upstream_failures_map_to_codes_and_statuses() {
        use ErrorCode::*;
        use Subject::*;
        #[rustfmt::skip]
        let cases = [
            (404, Manifest, ManifestUnknown, 404),
            (404, Blob, BlobUnknown, 404),
            (404, Tags, NameUnknown, 404),
            (401, Blob, Denied, 403),
            (403, Manifest, Denied, 403),
            (429, Manifest, TooManyRequests, 429),
            (0, Blob, Unavailable, 502),
            (500, Manifest, Unknown, 502),
            (418, Tags, Unknown, 502),
        ];
        for (upstream, subject, code, status) in cases {
            let e = V2Error::upstream(&registry(upstream), subject);
            assert_eq!(
                (e.code(), e.status().as_u16()),
                (code, status),
                "{upstream} {subject:?}"
            );
        }
    }

    #[test]
    fn only_transient_failures_allow_the_stored_fallback() {
        #[rustfmt::skip]
        let cases = [(0, true), (429, true), (503, true), (500, true), (404, false), (401, false), (403, false), (418, false)];
        for (status, down) in cases {
            assert_eq!(
                V2Error::upstream_is_down(&registry(status)),
                down,
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn renders_the_distribution_shape() {
        let response = V2Error::upstream(&registry(429), Subject::Manifest).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["errors"][0]["code"], "TOOMANYREQUESTS");
        assert!(
            json["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("rate-limiting")),
            "{json}"
        );

        let response = V2Error::read_only(&axum::http::Method::PUT).into_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
    }
}
