//! The service's defences: which origins may call it, the CSRF token the
//! dashboard sends with writes, and the optional bearer token.
//!
//! - Reads of `/v2` and `/api/v1` are open to same-origin pages and to
//!   clients that send no `Origin` (curl, skopeo, podman), unless
//!   `--private` is set, in which case the API wants the bearer token or a
//!   signed-in dashboard session ([`crate::serve::sessions`]).
//! - Writes (pull, tag, rm, pin, login) must carry the bearer token
//!   (`Authorization: Bearer …`); or, from the dashboard, the CSRF token
//!   (`X-Strata-Csrf`) that `GET /api/v1/session` hands to same-origin
//!   pages, together with a session cookie when a token is configured.
//!   They must not come from a foreign `Origin`.
//! - CORS answers only for origins listed with `--allow-origin`; never `*`.
//! - With `--private`, `/v2` wants the token too (`Bearer`, or `Basic` with
//!   the token as password, as `docker login` and `skopeo --creds` send it).
//! - Unless `--private`, strata answers only requests addressed to
//!   `localhost`, an IP address, or a name given with `--allow-host`
//!   (`crate::serve::host_check`): a web page that points its own name at
//!   strata's address (DNS rebinding) is refused.

use std::collections::BTreeSet;

/// The header the dashboard sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-strata-csrf";

/// Security settings of one `strata serve`.
#[derive(Clone)]
pub struct Security {
    allowed_origins: BTreeSet<String>,
    csrf_token: String,
    api_token: Option<String>,
    private: bool,
    local_names_only: bool,
    allowed_hosts: BTreeSet<String>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("allowed_origins", &self.allowed_origins)
            .field("csrf_token", &"<redacted>")
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .field("private", &self.private)
            .field("local_names_only", &self.local_names_only)
            .field("allowed_hosts", &self.allowed_hosts)
            .finish()
    }
}

impl Security {
    /// Settings with a fresh random CSRF token.
    pub fn new(
        allowed_origins: impl IntoIterator<Item = String>,
        api_token: Option<String>,
        private: bool,
    ) -> Self {
        Self {
            allowed_origins: allowed_origins
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            csrf_token: random_token(),
            api_token: api_token.filter(|t| !t.is_empty()),
            private,
            local_names_only: true,
            allowed_hosts: BTreeSet::new(),
        }
    }

    /// Whether requests must be addressed to `localhost`, an IP address or
    /// an allowed host name (the default; `strata serve --private` turns it
    /// off, since every request needs the token there).
    pub fn with_local_names_only(mut self, on: bool) -> Self {
        self.local_names_only = on;
        self
    }

    /// See [`Security::with_local_names_only`].
    pub fn local_names_only(&self) -> bool {
        self.local_names_only
    }

    /// Host names requests may also be addressed to (`--allow-host`).
    pub fn with_allowed_hosts(mut self, hosts: impl IntoIterator<Item = String>) -> Self {
        self.allowed_hosts = hosts
            .into_iter()
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect();
        self
    }

    /// Whether `name` (a host name, no port) was given with `--allow-host`.
    pub fn host_allowed(&self, name: &str) -> bool {
        self.allowed_hosts.contains(name)
    }

    /// Loopback defaults: same-origin only, no bearer token.
    pub fn local() -> Self {
        Self::new(Vec::new(), None, false)
    }

    /// Whether `origin` was allowed with `--allow-origin`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins.contains(origin.trim_end_matches('/'))
    }

    /// The CSRF token of this server process.
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// Whether `presented` is the bearer token (constant-time compare).
    pub fn bearer_ok(&self, presented: &str) -> bool {
        self.api_token
            .as_deref()
            .is_some_and(|t| constant_time_eq(t.as_bytes(), presented.as_bytes()))
    }

    /// Whether an `Authorization` header value carries the token: `Bearer
    /// TOKEN`, or `Basic` credentials whose password is the token (any user
    /// name), which registry clients send after `login`.
    pub fn authorization_ok(&self, value: &str) -> bool {
        // Schemes are case-insensitive (RFC 7235).
        let (scheme, credentials) = value.trim().split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            return self.bearer_ok(credentials.trim());
        }
        use base64::Engine;
        Some(credentials)
            .filter(|_| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, p)| p.to_owned()))
            .is_some_and(|password| self.bearer_ok(&password))
    }

    /// Whether `presented` is the CSRF token (constant-time compare).
    pub fn csrf_ok(&self, presented: &str) -> bool {
        constant_time_eq(self.csrf_token.as_bytes(), presented.as_bytes())
    }

    /// Whether a bearer token is configured.
    pub fn has_api_token(&self) -> bool {
        self.api_token.is_some()
    }

    /// Whether API reads also need the bearer token (`--private`).
    pub fn private(&self) -> bool {
        self.private
    }
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random bytes from the OS, hex-encoded.
pub(crate) fn random_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    let filled = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if filled.is_err() {
        // No /dev/urandom: fall back to the hash of time and pid; still unguessable from a web page.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        bytes.copy_from_slice(
            shared::digest::Digest::sha256_of(seed.as_bytes())
                .encoded()
                .as_bytes()
                .get(..32)
                .unwrap_or(&[0; 32]),
        );
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_origins() {
        let s = Security::new(
            ["https://dash.example.com/".to_owned()],
            Some("t0ken".into()),
            true,
        );
        assert!(s.origin_allowed("https://dash.example.com"));
        assert!(!s.origin_allowed("https://evil.example.com"));
        assert!(s.bearer_ok("t0ken"));
        assert!(!s.bearer_ok("t0ke"));
        assert!(s.csrf_ok(s.csrf_token()));
        assert!(!s.csrf_ok("nope"));
        assert_eq!(s.csrf_token().len(), 64);
        assert_ne!(
            Security::local().csrf_token(),
            Security::local().csrf_token()
        );
        assert!(!format!("{s:?}").contains("t0ken"));
        assert!(s.authorization_ok("Bearer t0ken"));
        assert!(s.authorization_ok("bearer t0ken"));
        assert!(s.authorization_ok("BASIC c3RyYXRhOnQwa2Vu"));
        assert!(s.authorization_ok("Basic c3RyYXRhOnQwa2Vu")); // strata:t0ken
        assert!(s.authorization_ok("Basic YW55OnQwa2Vu")); // any:t0ken
        assert!(!s.authorization_ok("Basic c3RyYXRhOnQwa2U=")); // strata:t0ke
        assert!(!s.authorization_ok("Basic !!"));
        assert!(!s.authorization_ok("t0ken"));
        assert!(!Security::local().authorization_ok("Bearer "));
    }
}
