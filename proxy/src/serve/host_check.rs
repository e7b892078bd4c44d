//! DNS rebinding: a web page on `evil.example` can point its own name at
//! 127.0.0.1 (or any address strata listens on) and then talk to strata as
//! if same-origin, reading the CSRF token and `/v2` with strata's
//! credentials. Its requests still carry `Host: evil.example`. So strata
//! answers only requests addressed to `localhost` (or `*.localhost`), to an
//! IP address, which no page can rebind, or to a name the operator allowed
//! with `--allow-host`. With `--private` every request needs the token, and
//! the check is off.
//!
//! A request with no `Host` (not HTTP/1.1 from a browser) passes: browsers
//! always send one.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Refuses requests addressed to names nobody allowed.
pub async fn local_names_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let security = state.security();
    if security.local_names_only()
        && let Some(host) = request
            .headers()
            .get(header::HOST)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        && !is_local_name(&host)
        && !security.host_allowed(&host_name(&host))
    {
        let name = host_name(&host);
        return (
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "strata answers only requests addressed to localhost, an IP address, or a name allowed with --allow-host, not {name:?}; \
                 this stops web pages from reaching it by pointing their own names at its address (DNS rebinding). \
                 Open it by address (http://127.0.0.1:PORT, http://localhost:PORT), or restart strata serve with --allow-host {name}.\n"
            ),
        )
            .into_response();
    }
    next.run(request).await
}

/// The name in a `Host` header: lower case, without port, brackets or
/// final dot.
fn host_name(host: &str) -> String {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a `Host` header names `localhost`, `*.localhost` or an IP
/// address (with or without a port).
fn is_local_name(host: &str) -> bool {
    let name = host_name(host);
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
