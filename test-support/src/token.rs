//! A Docker token issuer, as the token auth spec describes, for the
//! registry's `auth: token` variant.
//!
//! `GET /token?service=…&scope=repository:NAME:pull,push` with Basic
//! credentials [`USER`]/[`PASSWORD`] answers a token granting the requested
//! scopes. Without credentials it answers a token that grants nothing (so the
//! registry refuses anonymous pulls, like a private Docker Hub repository);
//! with wrong credentials it answers 401.
//!
//! Tokens are ES256 JWTs signed by a key generated with `openssl` for this
//! process. The registry trusts the key's self-signed certificate
//! (`rootcertbundle`) and finds it by the libtrust key ID in the JWT's `kid`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest as _, Sha256};

use crate::{PASSWORD, USER};

/// A running token issuer, stopped on drop.
#[derive(Debug)]
pub struct TokenIssuer {
    server: crate::background::BackgroundServer,
    key: &'static SigningKey,
    issued: Arc<AtomicU64>,
}

#[derive(Debug)]
struct SigningKey {
    _dir: tempfile::TempDir,
    cert_path: PathBuf,
    kid: String,
    encoding: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared { .. }")
    }
}

struct Shared {
    key: &'static SigningKey,
    issued: Arc<AtomicU64>,
}

impl TokenIssuer {
    /// The `service` the registry is configured with (the token's audience).
    pub const SERVICE: &'static str = "strata-test-registry";
    /// The `issuer` the registry is configured with.
    pub const ISSUER: &'static str = "strata-test-issuer";

    /// Starts the issuer on a free loopback port.
    pub fn start() -> crate::Result<Self> {
        let key = signing_key()?;
        let issued = Arc::new(AtomicU64::new(0));
        let shared = Arc::new(Shared {
            key,
            issued: issued.clone(),
        });
        let app = Router::new().route("/token", get(token)).with_state(shared);
        let server = crate::background::BackgroundServer::start("token-issuer", 1, app)?;
        Ok(Self {
            server,
            key,
            issued,
        })
    }

    /// The realm URL the registry sends in its `WWW-Authenticate` challenge.
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.server.addr())
    }

    /// `127.0.0.1:PORT`: what `strata serve` must list (`--allow-registry`)
    /// to reach this realm beside a registry listed with its port.
    pub fn host(&self) -> String {
        self.server.addr().to_string()
    }

    /// The certificate the registry trusts.
    pub fn cert_path(&self) -> &Path {
        &self.key.cert_path
    }

    /// How many tokens this issuer has handed out (granting or not).
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
    }
}

#[derive(Debug, serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    scope: Option<String>,
}

async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let authenticated =
        match basic_credentials(&headers) {
            None => false,
            Some((user, password)) if user == USER && password == PASSWORD => true,
            Some(_) => {
                return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({
                "errors": [{"code": "UNAUTHORIZED", "message": "wrong user name or password"}]
            })))
                .into_response();
            }
        };
    let access: Vec<serde_json::Value> = match (authenticated, query.scope) {
        (true, Some(scope)) => scope.split(' ').filter_map(parse_scope).collect(),
        _ => Vec::new(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let serial = shared.issued.fetch_add(1, Ordering::SeqCst);
    let claims = serde_json::json!({
        "iss": TokenIssuer::ISSUER,
        "sub": if authenticated { USER } else { "" },
        "aud": TokenIssuer::SERVICE,
        "exp": now + 300,
        "nbf": now.saturating_sub(10),
        "iat": now,
        "jti": format!("strata-test-{now}-{serial}"),
        "access": access,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(shared.key.kid.clone());
    match jsonwebtoken::encode(&header, &claims, &shared.key.encoding) {
        Ok(jwt) => axum::Json(serde_json::json!({
            "token": jwt,
            "access_token": jwt,
            "expires_in": 300,
            "issued_at": rfc3339(now),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot sign: {e}"),
        )
            .into_response(),
    }
}

/// `repository:NAME:pull,push` → `{"type","name","actions"}`.
fn parse_scope(scope: &str) -> Option<serde_json::Value> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let actions: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
    Some(serde_json::json!({"type": kind, "name": name, "actions": actions}))
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn rfc3339(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), enough for a log field.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The process-wide signing key and certificate, made once with `openssl`.
fn signing_key() -> crate::Result<&'static SigningKey> {
    static KEY: OnceLock<Result<SigningKey, String>> = OnceLock::new();
    KEY.get_or_init(|| make_signing_key().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| e.clone().into())
}

fn make_signing_key() -> crate::Result<SigningKey> {
    let dir = crate::scratch::dir("strata-token-key")?;
    let key_path = dir.path().join("key.pem");
    let cert_path = dir.path().join("cert.pem");
    let pub_der = dir.path().join("pub.der");
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ],
        &key_path,
    )?;
    openssl_args(&[
        "req",
        "-new",
        "-x509",
        "-days",
        "3650",
        "-subj",
        "/CN=strata-test-token-issuer",
        "-key",
        path_str(&key_path)?,
        "-out",
        path_str(&cert_path)?,
    ])?;
    openssl_args(&[
        "pkey",
        "-in",
        path_str(&key_path)?,
        "-pubout",
        "-outform",
        "DER",
        "-out",
        path_str(&pub_der)?,
    ])?;
    let der = std::fs::read(&pub_der)?;
    let kid = libtrust_key_id(&der);
    let encoding = jsonwebtoken::EncodingKey::from_ec_pem(&std::fs::read(&key_path)?)?;
    Ok(SigningKey {
        _dir: dir,
        cert_path,
        kid,
        encoding,
    })
}

fn path_str(path: &Path) -> crate::Result<&str> {
    path.to_str()
        .ok_or_else(|| format!("temporary path is not UTF-8: {}", path.display()).into())
}

fn openssl(args: &[&str], out: &Path) -> crate::Result<()> {
    let mut all = args.to_vec();
    all.push(path_str(out)?);
    openssl_args(&all)
}

fn openssl_args(args: &[&str]) -> crate::Result<()> {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run openssl ({e}); run scripts/setup.sh to install it"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}

/// The key ID libtrust (and so distribution 2.x) gives a public key: the
/// first 240 bits of the SHA-256 of its DER SubjectPublicKeyInfo, base32,
/// in colon-separated groups of four.
pub fn libtrust_key_id(spki_der: &[u8]) -> String {
    let hash = Sha256::digest(spki_der);
    let encoded = data_encoding::BASE32_NOPAD.encode(&hash[..30]);
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse() {
        let cases = [
            (
                "repository:library/redis:pull",
                Some(("repository", "library/redis", vec!["pull"])),
            ),
            (
                "repository:a/b:pull,push",
                Some(("repository", "a/b", vec!["pull", "push"])),
            ),
            (
                "registry:catalog:*",
                Some(("registry", "catalog", vec!["*"])),
            ),
            ("nonsense", None),
        ];
        for (scope, want) in cases {
            let got = parse_scope(scope);
            let want =
                want.map(|(t, n, a)| serde_json::json!({"type": t, "name": n, "actions": a}));
            assert_eq!(got, want, "{scope}");
        }
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn key_id_shape() {
        let kid = libtrust_key_id(b"any der bytes");
        assert_eq!(kid.len(), 48 + 11);
        assert_eq!(kid.split(':').count(), 12);
    }
}
