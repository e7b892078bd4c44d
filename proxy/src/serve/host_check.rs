//! DNS rebinding: a web page on `evil.example` can point its own name at
//! 127.0.0.1 and then talk to a loopback strata as if same-origin, reading
//! the CSRF token and `/v2` with strata's credentials. Its requests still
//! carry `Host: evil.example`. So a strata bound to loopback answers only
//! requests addressed to `localhost` (or `*.localhost`) or to an IP
//! address, which no page can rebind.
//!
//! A request with no `Host` (not HTTP/1.1 from a browser) passes: browsers
//! always send one.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Refuses requests addressed to another name when strata listens on loopback.
pub async fn local_names_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.security().local_names_only()
        && let Some(host) = request
            .headers()
            .get(header::HOST)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        && !is_local_name(&host)
    {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "strata listens on a loopback address and answers only requests addressed to localhost or an IP address, not {host:?}; \
                 this stops web pages from reaching it by pointing their own names at 127.0.0.1. \
                 Open it as http://127.0.0.1:PORT or http://localhost:PORT, or listen on another address with --token-file.\n"
            ),
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether a `Host` header names `localhost`, `*.localhost` or an IP
/// address (with or without a port).
fn is_local_name(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // [v6]:port or [v6]
        Some(rest) => {
            return rest
                .split(']')
                .next()
                .is_some_and(|ip| ip.parse::<IpAddr>().is_ok());
        }
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_local_name;

    #[test]
    fn local_names_are_localhost_and_ip_addresses() {
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "localhost.:8080",
            "app.localhost:3000",
            "[::1]:8080",
            "[::1]",
            "10.0.0.5:8080",
        ] {
            assert!(is_local_name(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "evil.example",
            "localhost.evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "[evil]:80",
            "",
        ] {
            assert!(!is_local_name(host), "{host}");
        }
    }
}
