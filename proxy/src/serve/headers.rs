//! The headers every response carries against hostile pages:
//!
//! - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page may
//!   frame the dashboard (clickjacking);
//! - `X-Content-Type-Options: nosniff`: a blob served as
//!   `application/octet-stream` is never run as a script or style;
//! - `Referrer-Policy: no-referrer`: image names in dashboard URLs do not
//!   leak to other sites;
//! - `Content-Security-Policy`: the dashboard runs its own files only:
//!
//! ```text
//! default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-…';
//! worker-src 'self' blob:; style-src 'self' 'unsafe-inline';
//! img-src 'self' data:; connect-src 'self' blob:; object-src 'none';
//! base-uri 'none'; form-action 'self'; frame-ancestors 'none'
//! ```
//!
//! `'wasm-unsafe-eval'` lets the wasm (and the lazily loaded split
//! modules) compile; the `sha256-…` hashes name the inline bootstrap
//! scripts Trunk writes into `index.html`, computed from the served file
//! when the server starts, so a rebuilt dashboard needs no change here;
//! `blob:` workers are the Verify panel's (each imports the app's own
//! module), and `connect-src blob:` lets a page read back a file it made
//! for download (as the explorer's tests do). Inline styles stay allowed: the dashboard sets `style`
//! attributes (the explorer's virtual list), and a style cannot run code.

use std::path::Path;

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The `Content-Security-Policy` for a dashboard whose `index.html` is
/// `index_html` (its inline scripts are allowed by hash).
pub fn content_security_policy(index_html: &str) -> String {
    let hashes: String = inline_scripts(index_html)
        .into_iter()
        .map(|script| {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
            format!(" 'sha256-{hash}'")
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Every header [`crate::serve::app`] sets on every response, for the
/// dashboard in `dist`.
pub fn all(dist: &Path) -> Vec<(HeaderName, HeaderValue)> {
    let index = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    let csp = HeaderValue::from_str(&content_security_policy(&index))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    vec![
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ]
}

/// The text of every `<script>` element without a `src` in `html`, exactly
/// as written (what a CSP hash covers).
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let attributes = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script") else {
            break;
        };
        if !attributes.contains("src=") {
            scripts.push(&body[..close]);
        }
        rest = &body[close..];
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        #[rustfmt::skip]
        let cases: [(&str, &[&str]); 5] = [
            ("<html></html>", &[]),
            ("<script type=\"module\">\nimport x;\n</script>", &["\nimport x;\n"]),
            ("<script src=\"/a.js\"></script><script>b()</script>", &["b()"]),
            ("<script>a</script><p></p><script async>b</script>", &["a", "b"]),
            ("<script>never closed", &[]),
        ];
        for (html, want) in cases {
            assert_eq!(inline_scripts(html), want.to_vec(), "{html}");
        }
    }

    #[test]
    fn the_policy_hashes_each_inline_script() {
        let policy = content_security_policy("<script>alert(1)</script>");
        // `echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert!(
            policy.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    }
}
