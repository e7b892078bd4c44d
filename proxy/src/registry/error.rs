//! [`RegistryError`]: what went wrong talking to a registry, sorted into
//! what a caller can act on, each message saying what to do.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;
use shared::digest::Digest;
use shared::manifest::ManifestError;

use crate::credentials::CredentialsError;

/// Error bodies longer than this are cut before parsing.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// Registry messages longer than this are cut in errors.
const MESSAGE_MAX: usize = 400;

/// Why a registry request failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The manifest, tag, blob or repository does not exist (404). The
    /// message is the registry's own (`manifest unknown`, …).
    #[error("{what} not found: {message}")]
    NotFound {
        /// The registry (a reference's domain).
        registry: String,
        /// What was asked for: `manifest library/redis:7`, `blob sha256:… in library/redis`.
        what: String,
        /// The registry's message.
        message: String,
    },
    /// The registry (or its token service) refused the request for lack of
    /// valid credentials (401).
    #[error("{}", unauthorized(registry, what, message, *had_credentials))]
    Unauthorized {
        /// The registry (a reference's domain).
        registry: String,
        /// What was asked for.
        what: String,
        /// The registry's message.
        message: String,
        /// Whether credentials were sent (they are wrong) or not (they are
        /// needed).
        had_credentials: bool,
    },
    /// The credentials were accepted but do not grant access (403).
    #[error(
        "{registry} denied access to {what}: {message} (the account has no permission for it; check the repository name and your access)"
    )]
    Denied {
        /// The registry (a reference's domain).
        registry: String,
        /// What was asked for.
        what: String,
        /// The registry's message.
        message: String,
    },
    /// The registry is rate-limiting (429) for longer than strata waits.
    #[error("{}", too_many_requests(registry, *retry_after, message))]
    TooManyRequests {
        /// The registry (a reference's domain).
        registry: String,
        /// How long the registry asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The registry's message.
        message: String,
    },
    /// No connection: refused, DNS, TLS or timeout, after every retry.
    #[error("{}", unreachable(registry, url, reason))]
    Unreachable {
        /// The registry (a reference's domain).
        registry: String,
        /// The URL that could not be reached (the registry or its token
        /// service); its scheme tells whether http or https was used.
        url: String,
        /// The underlying error, with its causes.
        reason: String,
    },
    /// Any other error status from the registry.
    #[error("{registry} answered {status} for {what}: {message}")]
    Upstream {
        /// The registry (a reference's domain).
        registry: String,
        /// What was asked for.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The registry's message.
        message: String,
    },
    /// The registry answered, but not in the shape the protocol defines
    /// (bad JSON, a missing header, a redirect loop, an invalid token).
    #[error("{registry} sent an invalid response for {what}: {message}")]
    InvalidResponse {
        /// The registry (a reference's domain).
        registry: String,
        /// What was asked for.
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// A manifest larger than [`super::MANIFEST_LIMIT`].
    #[error(
        "{what} is larger than the {limit}-byte limit for manifests{} (refusing to read it)",
        size.map(|s| format!(" ({s} bytes)")).unwrap_or_default()
    )]
    ManifestTooLarge {
        /// Which manifest.
        what: String,
        /// The limit.
        limit: u64,
        /// Its size, when the registry declared it.
        size: Option<u64>,
    },
    /// Content does not hash to the digest that names it.
    #[error(
        "digest mismatch: expected {expected}, got {actual} (the registry sent content that does not match its digest; nothing was kept)"
    )]
    DigestMismatch {
        /// The digest the content must have.
        expected: Digest,
        /// The digest of the bytes received.
        actual: Digest,
    },
    /// A manifest strata cannot read (including schema1).
    #[error("{what} cannot be used: {source}")]
    InvalidManifest {
        /// Which manifest.
        what: String,
        /// Why, from the manifest parser.
        source: ManifestError,
    },
    /// A response body broke off while streaming.
    #[error("reading {what} from {registry} failed: {reason} (try again)")]
    Stream {
        /// The registry (a reference's domain).
        registry: String,
        /// What was being read.
        what: String,
        /// The underlying error, with its causes.
        reason: String,
    },
    /// The destination policy refused a URL (`strata serve` refuses
    /// private addresses).
    #[error("refusing to contact {url}: {reason}")]
    Refused {
        /// The refused URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The credentials could not be read.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The client configuration is unusable (a bad `STRATA_HUB_REGISTRY`,
    /// a registry name that makes no URL).
    #[error("invalid registry configuration: {message}")]
    InvalidConfig {
        /// What is wrong and where it came from.
        message: String,
    },
}

fn unauthorized(registry: &str, what: &str, message: &str, had_credentials: bool) -> String {
    if had_credentials {
        format!(
            "{registry} refused the stored credentials for {what}: {message} (run `strata login {registry}` with the right user name and password)"
        )
    } else {
        format!(
            "{registry} requires authentication for {what}: {message} (run `strata login {registry}`; if the repository should be public, check its name)"
        )
    }
}

fn too_many_requests(registry: &str, retry_after: Option<Duration>, message: &str) -> String {
    let wait = retry_after
        .map(|d| format!(" and asks to wait {}s", d.as_secs()))
        .unwrap_or_default();
    format!(
        "{registry} is rate-limiting requests (429 Too Many Requests){wait}: {message} (wait and try again; logging in with `strata login {registry}` may raise the limit)"
    )
}

fn unreachable(registry: &str, url: &str, reason: &str) -> String {
    let hint = if url.starts_with("https:") {
        format!(
            " (tried https; if {registry} serves plain http, pass --insecure-registry {registry})"
        )
    } else {
        " (tried plain http; is the registry running?)".to_owned()
    };
    format!("cannot reach {registry} at {url}: {reason}{hint}")
}

/// The error for an unsuccessful `response` to a request for `what`.
pub(crate) async fn from_response(
    response: reqwest::Response,
    registry: &str,
    what: &str,
    had_credentials: bool,
) -> RegistryError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::transport::retry_after(v, std::time::SystemTime::now()));
    let body = read_error_body(response).await;
    let message = registry_message(&body, status);
    for_status(
        status,
        registry,
        what,
        message,
        had_credentials,
        retry_after,
    )
}

/// The error for `status`, given the registry's message.
pub(crate) fn for_status(
    status: StatusCode,
    registry: &str,
    what: &str,
    message: String,
    had_credentials: bool,
    retry_after: Option<Duration>,
) -> RegistryError {
    let registry = registry.to_owned();
    let what = what.to_owned();
    match status {
        StatusCode::NOT_FOUND => RegistryError::NotFound {
            registry,
            what,
            message,
        },
        StatusCode::UNAUTHORIZED => RegistryError::Unauthorized {
            registry,
            what,
            message,
            had_credentials,
        },
        StatusCode::FORBIDDEN => RegistryError::Denied {
            registry,
            what,
            message,
        },
        StatusCode::TOO_MANY_REQUESTS => RegistryError::TooManyRequests {
            registry,
            retry_after,
            message,
        },
        status => RegistryError::Upstream {
            registry,
            what,
            status: status.as_u16(),
            message,
        },
    }
}

async fn read_error_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = ERROR_BODY_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    body
}

/// The message in an error body: the distribution spec's
/// `{"errors":[{"code","message","detail"}]}`, a token service's
/// `{"details"}` or `{"error","error_description"}`, short plain text, or
/// else the status's reason phrase.
pub(crate) fn registry_message(body: &[u8], status: StatusCode) -> String {
    let fallback = || {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_lowercase()
    };
    let message = match serde_json::from_slice::<Value>(body) {
        Ok(json) => json_message(&json).unwrap_or_else(fallback),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let looks_like_html = text.starts_with('<');
            if text.is_empty() || looks_like_html {
                fallback()
            } else {
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        }
    };
    cut(&message)
}

fn json_message(json: &Value) -> Option<String> {
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        let parts: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                let message = e
                    .get("message")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .or_else(|| e.get("code").and_then(Value::as_str))?
                    .to_owned();
                Some(match e.get("detail").and_then(detail_text) {
                    Some(detail) if !message.contains(&detail) => format!("{message} ({detail})"),
                    _ => message,
                })
            })
            .collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }
    for field in ["details", "error_description", "message", "error"] {
        if let Some(text) = json
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            return Some(text.to_owned());
        }
    }
    None
}

/// A `detail` as text: a string, or `key=value` pairs of an object of
/// scalars (`{"Tag":"nope"}` → `Tag=nope`).
fn detail_text(detail: &Value) -> Option<String> {
    match detail {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) if !map.is_empty() => {
            let pairs: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Some(format!("{k}={s}")),
                    Value::Number(n) => Some(format!("{k}={n}")),
                    Value::Bool(b) => Some(format!("{k}={b}")),
                    _ => None,
                })
                .collect();
            pairs.map(|p| p.join(", "))
        }
        _ => None,
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_messages() {
        let long = "x".repeat(1000);
        #[rustfmt::skip]
        let cases: Vec<(&str, StatusCode, String)> = vec![
            (r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#, StatusCode::NOT_FOUND, "manifest unknown (Tag=nope)".into()),
            (r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":"unknown tag=nope"}]}"#, StatusCode::NOT_FOUND, "manifest unknown (unknown tag=nope)".into()),
            (r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#, StatusCode::NOT_FOUND, "repository name not known to registry (name=x)".into()),
            (r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository"}]}]}"#, StatusCode::UNAUTHORIZED, "authentication required".into()),
            (r#"{"errors":[{"code":"DENIED"}]}"#, StatusCode::FORBIDDEN, "DENIED".into()),
            (r#"{"errors":[{"message":"a"},{"message":"b"}]}"#, StatusCode::BAD_REQUEST, "a; b".into()),
            (r#"{"errors":[]}"#, StatusCode::NOT_FOUND, "not found".into()),
            (r#"{"details":"incorrect username or password"}"#, StatusCode::UNAUTHORIZED, "incorrect username or password".into()),
            (r#"{"error":"invalid_grant","error_description":"refresh token expired"}"#, StatusCode::BAD_REQUEST, "refresh token expired".into()),
            ("404 page not found\n", StatusCode::NOT_FOUND, "404 page not found".into()),
            ("<html><body>Bad Gateway</body></html>", StatusCode::BAD_GATEWAY, "bad gateway".into()),
            ("", StatusCode::SERVICE_UNAVAILABLE, "service unavailable".into()),
            (&long, StatusCode::BAD_REQUEST, format!("{}…", "x".repeat(MESSAGE_MAX))),
        ];
        for (body, status, want) in cases {
            assert_eq!(registry_message(body.as_bytes(), status), want, "{body}");
        }
    }

    #[test]
    fn statuses_map_to_categories() {
        let error = |status: u16| {
            let status = StatusCode::from_u16(status).expect("status");
            for_status(status, "r.io", "manifest a:b", "m".into(), false, None)
        };
        assert!(matches!(error(404), RegistryError::NotFound { .. }));
        assert!(matches!(error(401), RegistryError::Unauthorized { .. }));
        assert!(matches!(error(403), RegistryError::Denied { .. }));
        assert!(matches!(error(429), RegistryError::TooManyRequests { .. }));
        assert!(matches!(
            error(500),
            RegistryError::Upstream { status: 500, .. }
        ));
        assert!(matches!(
            error(400),
            RegistryError::Upstream { status: 400, .. }
        ));
    }

    #[test]
    fn messages_say_what_to_do() {
        #[rustfmt::skip]
        let cases = [
            (for_status(StatusCode::UNAUTHORIZED, "r.io", "manifest a:b", "m".into(), false, None), "run `strata login r.io`"),
            (for_status(StatusCode::UNAUTHORIZED, "r.io", "manifest a:b", "m".into(), true, None), "refused the stored credentials"),
            (for_status(StatusCode::TOO_MANY_REQUESTS, "r.io", "x", "m".into(), false, Some(Duration::from_secs(90))), "asks to wait 90s"),
            (RegistryError::Unreachable { registry: "r.io:5000".into(), url: "https://r.io:5000/v2/".into(), reason: "refused".into() }, "--insecure-registry r.io:5000"),
            (RegistryError::Unreachable { registry: "r.io:5000".into(), url: "http://r.io:5000/v2/".into(), reason: "refused".into() }, "tried plain http"),
        ];
        for (error, needle) in cases {
            assert!(error.to_string().contains(needle), "{error}");
        }
    }
}
