//! Requests a web page on another site made a browser send.
//!
//! A page anywhere can point `<img src>` at
//! `http://127.0.0.1:8080/v2/docker.io/library/ubuntu/manifests/latest`:
//! the browser sends it (without CORS, so the page never reads the answer),
//! and strata would fetch the image upstream and record it. Browsers mark
//! such requests `Sec-Fetch-Site: cross-site` (or `same-site`: another
//! port or subdomain of the same site), and send `Origin` with the page's
//! origin on fetches and form posts. A request marked that way, or whose
//! `Origin` is not strata's own nor listed with `--allow-origin`, is
//! refused on `/v2` and `/api/v1`, so it neither fetches upstream nor
//! records anything.
//!
//! Registry clients (docker, podman, skopeo, curl) send neither header and
//! are unaffected; nor is the dashboard (`same-origin`) or a URL typed into
//! the address bar (`none`). Not covered: browsers too old to send
//! `Sec-Fetch-Site` (before 2020-2023, depending on the browser).

use axum::http::{HeaderMap, header};

use super::security::Security;

/// The request header browsers set on every request they send.
pub const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Why a request came from a foreign page, or `None` when it did not (or
/// its `Origin` was allowed with `--allow-origin`).
pub fn foreign(headers: &HeaderMap, security: &Security) -> Option<String> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(origin) = origin {
        if is_same_origin(origin, headers) {
            return None;
        }
        if security.origin_allowed(origin) {
            return None;
        }
        return Some(format!("a page on {origin} sent it"));
    }
    let site = headers
        .get(SEC_FETCH_SITE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    matches!(site, "cross-site" | "same-site")
        .then(|| format!("a page on another site sent it (Sec-Fetch-Site: {site})"))
}

/// Whether `origin` is the server's own (`http://HOST` of the request).
pub fn is_same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| o == host)
}

/// The message a refused request gets.
pub fn refusal(why: &str) -> String {
    format!(
        "strata refuses requests that web pages on other sites make a browser send ({why}), so such a page cannot make it fetch or record images; registry clients send no Origin or Sec-Fetch-Site, and a page of yours may be listed with --allow-origin"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_requests_are_foreign() {
        let security = Security::new(["http://dash.example".to_owned()], None, false);
        #[rustfmt::skip]
        let cases: [(&[(&str, &str)], bool); 10] = [
            (&[], false),
            (&[("sec-fetch-site", "same-origin")], false),
            (&[("sec-fetch-site", "none")], false),
            (&[("sec-fetch-site", "cross-site")], true),
            (&[("sec-fetch-site", "same-site")], true),
            (&[("origin", "http://127.0.0.1:8080")], false),
            (&[("origin", "http://127.0.0.1:8081")], true),
            (&[("origin", "null")], true),
            (&[("origin", "http://dash.example"), ("sec-fetch-site", "cross-site")], false),
            (&[("origin", "http://evil.example"), ("sec-fetch-site", "same-origin")], true),
        ];
        for (headers, want) in cases {
            let mut map = HeaderMap::new();
            map.insert(header::HOST, "127.0.0.1:8080".parse().expect("host"));
            for (name, value) in headers {
                map.insert(*name, value.parse().expect("value"));
            }
            assert_eq!(foreign(&map, &security).is_some(), want, "{headers:?}");
        }
    }
}
