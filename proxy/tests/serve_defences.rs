//! `strata serve`'s defences on a running server: `--private` covers `/v2`
//! (skopeo logs in with the token as password), and a loopback server
//! refuses requests addressed to names a web page could point at
//! 127.0.0.1 (DNS rebinding). An upstream's 401 (strata's own
//! credentials missing) reaches clients as 403 DENIED, not a challenge
//! they could not answer (skopeo shows why).

use std::process::Command;

use reqwest::header::{AUTHORIZATION, HOST, WWW_AUTHENTICATE};
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer};

const TOKEN: &str = "s3cret-token";

/// `skopeo inspect --format {{.Digest}}` of `reference`, with `creds` if
/// given; returns (success, stdout, stderr).
fn skopeo_inspect(reference: &str, creds: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"]);
    if let Some(creds) = creds {
        command.args(["--creds", creds]);
    }
    let output = command
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo (scripts/setup.sh installs it)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// GETs `repo:latest`'s manifest through `server`'s `/v2` from `registry`,
/// with `Authorization: Bearer` if given; returns the status, the
/// `Docker-Content-Digest` and the body.
async fn manifest_through(
    server: &StrataServer,
    registry: &Registry,
    repo: &str,
    bearer: Option<&str>,
) -> (u16, Option<String>, String) {
    let mut request = reqwest::Client::new()
        .get(format!(
            "{}/v2/{}/{repo}/manifests/latest",
            server.url(),
            registry.host().replace(':', "_")
        ))
        .header("accept", "application/vnd.oci.image.manifest.v1+json");
    if let Some(token) = bearer {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request.send().await.expect("manifest");
    let status = response.status().as_u16();
    let digest = response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, digest, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_server_wants_the_token_on_v2_too() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry.push_fixture("library/redis:latest").expect("push");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .env("STRATA_TOKEN", TOKEN)
        .arg("--private")
        .start()
        .expect("strata serve --private");
    let through = format!(
        "{}/{}/library/redis:latest",
        server.host(),
        registry.host().replace(':', "_")
    );

    // Without the token: the distribution spec's 401 with a Basic challenge.
    let (ok, _, err) = skopeo_inspect(&through, None);
    assert!(!ok, "skopeo without credentials must be refused");
    assert!(
        err.to_lowercase().contains("unauthorized") || err.contains("401"),
        "{err}"
    );
    let http = reqwest::Client::new();
    let ping = http
        .get(format!("{}/v2/", server.url()))
        .send()
        .await
        .expect("ping");
    assert_eq!(ping.status(), 401);
    assert_eq!(
        ping.headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"strata\"")
    );
    assert_eq!(
        ping.headers()
            .get("docker-distribution-api-version")
            .and_then(|v| v.to_str().ok()),
        Some("registry/2.0")
    );
    let body: serde_json::Value = ping.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("token")),
        "{body}"
    );
    let wrong = skopeo_inspect(&through, Some("strata:not-the-token"));
    assert!(!wrong.0, "a wrong token must be refused");

    // With the token as password (any user name), or as a bearer token.
    let (ok, digest, err) = skopeo_inspect(&through, Some(&format!("strata:{TOKEN}")));
    assert!(ok, "{err}");
    assert_eq!(digest, pushed.digest);
    let (status, digest, body) =
        manifest_through(&server, &registry, "library/redis", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(digest.as_deref(), Some(pushed.digest.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loopback_server_answers_only_local_names() {
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .start()
        .expect("strata serve");
    let http = reqwest::Client::new();
    let port = server.addr().port();
    let get = |path: &'static str, host: String| {
        let request = http
            .get(format!("{}{path}", server.url()))
            .header(HOST, host);
        async move { request.send().await.expect("send") }
    };

    // A page on evil.example that rebinds its name to 127.0.0.1 cannot read
    // the CSRF token, the API or /v2.
    for path in ["/api/v1/session", "/api/v1/images", "/v2/", "/"] {
        let refused = get(path, format!("evil.example:{port}")).await;
        assert_eq!(refused.status(), 421, "{path}");
        let text = refused.text().await.expect("text");
        assert!(
            text.contains("localhost") && text.contains("evil.example"),
            "{path}: {text}"
        );
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let session = get("/api/v1/session", host.clone()).await;
        assert_eq!(session.status(), 200, "{host}");
        let body: serde_json::Value = session.json().await.expect("json");
        assert!(body["csrf_token"].is_string(), "{host}: {body}");
    }

    // A name the operator allows with --allow-host is answered; others not.
    let named = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--allow-host")
        .arg("Strata.Test")
        .start()
        .expect("strata serve --allow-host");
    let port = named.addr().port();
    for (host, status) in [
        (format!("strata.test:{port}"), 200),
        (format!("STRATA.TEST.:{port}"), 200),
        (format!("evil.example:{port}"), 421),
    ] {
        let response = http
            .get(format!("{}/api/v1/version", named.url()))
            .header(HOST, host.clone())
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), status, "{host}");
    }
}

/// A proxy from the environment would resolve registry names where the
/// SSRF check never sees them, so `strata serve` connects directly: with
/// `HTTP_PROXY` pointing at a port nobody listens on, `/v2` still works.
#[tokio::test(flavor = "multi_thread")]
async fn strata_serve_ignores_proxies_from_the_environment() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let nobody = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_proxy = format!("http://{}", nobody.local_addr().expect("addr"));
    drop(nobody);
    let mut options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .env("NO_PROXY", "")
        .env("no_proxy", "");
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        options = options.env(var, dead_proxy.clone());
    }
    let server = options.start().expect("strata serve");
    let (status, digest, body) = manifest_through(&server, &registry, "library/alpine", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(digest.as_deref(), Some(pushed.digest.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_refusal_is_no_challenge_for_the_client() {
    // strata has no credentials for this registry: the upstream says 401.
    let registry = Registry::start(Auth::Basic).expect("registry");
    registry.push_fixture("library/redis:latest").expect("push");
    let no_credentials = tempfile::tempdir().expect("tempdir");
    let start = |private: bool| {
        let options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
            .env("STRATA_INSECURE_REGISTRIES", registry.host())
            .env("DOCKER_CONFIG", no_credentials.path().display().to_string());
        let options = if private {
            options.env("STRATA_TOKEN", TOKEN).arg("--private")
        } else {
            options
        };
        options.start().expect("strata serve")
    };
    for (private, creds) in [(false, None), (true, Some(format!("strata:{TOKEN}")))] {
        let server = start(private);
        // The client cannot fix it by logging in to strata, so it gets no
        // challenge: 403 DENIED, saying who must log in where.
        let (status, _, body) = manifest_through(
            &server,
            &registry,
            "library/redis",
            private.then_some(TOKEN),
        )
        .await;
        assert_eq!(status, 403, "private: {private}: {body}");
        assert!(
            body.contains("DENIED") && body.contains("strata login"),
            "{body}"
        );
        let through = format!(
            "{}/{}/library/redis:latest",
            server.host(),
            registry.host().replace(':', "_")
        );
        let (ok, _, err) = skopeo_inspect(&through, creds.as_deref());
        assert!(!ok, "private: {private}");
        assert!(
            err.contains("denied") && err.contains("strata login"),
            "private: {private}: {err}"
        );
        let response = reqwest::get(format!(
            "{}/v2/{}/library/redis/manifests/latest",
            server.url(),
            registry.host().replace(':', "_")
        ))
        .await
        .expect("manifest");
        if private {
            // Without the token, strata's own challenge (see above).
            assert_eq!(response.status(), 401);
            assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        } else {
            assert_eq!(response.status(), 403);
            assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
        }
    }
}
