//! The dashboard's sign-in on a running `strata serve --private` with a
//! token: the one-time code `strata serve` prints opens a session (a
//! cookie) that reads `/api/v1` and `/v2`; writes with the cookie still
//! need the session's CSRF token and the same origin; a code works once, a
//! wrong token is refused, and sign-out ends the session. Without a token
//! nothing changes.

use reqwest::header::{AUTHORIZATION, COOKIE, ORIGIN, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer};

const TOKEN: &str = "a-long-random-s3cret-token";

/// A private server with `TOKEN`, holding one pulled image.
struct Private {
    server: StrataServer,
    registry: Registry,
    http: reqwest::Client,
    /// The image as strata lists it (`HOST/library/redis:latest`).
    image: String,
}

impl Private {
    async fn start() -> Self {
        let registry = Registry::start(Auth::Open).expect("registry");
        let pushed = registry.push_fixture("library/redis:latest").expect("push");
        let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
            .env("STRATA_INSECURE_REGISTRIES", registry.host())
            .env("STRATA_TOKEN", TOKEN)
            .arg("--private")
            .start()
            .expect("strata serve --private");
        let private = Self {
            server,
            registry,
            http: reqwest::Client::new(),
            image: pushed.reference.clone(),
        };
        // Pull with the bearer token, as a CLI client would.
        let (status, info) = private
            .call(
                Method::POST,
                "/api/v1/pulls",
                &[(AUTHORIZATION.as_str(), &format!("Bearer {TOKEN}"))],
                Some(json!({"reference": pushed.reference})),
            )
            .await;
        assert_eq!(status, 200, "{info}");
        let id = info["id"].as_u64().expect("pull id");
        let events = private
            .http
            .get(private.url(&format!("/api/v1/pulls/{id}/events")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("events")
            .text()
            .await
            .expect("the stream ends with the pull");
        assert!(events.contains("\"done\""), "{events}");
        private
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    fn request(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> RequestBuilder {
        headers.iter().fold(
            self.http.request(method, self.url(path)),
            |request, (name, value)| request.header(*name, *value),
        )
    }

    /// Sends a request; returns the status and the JSON body (or `Null`).
    async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.request(method, path, headers);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Signs in with `body`; returns the status, the `Set-Cookie` header
    /// and the answer.
    async fn sign_in(&self, body: Value) -> (u16, Option<String>, Value) {
        let response = self
            .http
            .post(self.url("/api/v1/session/sign-in"))
            .json(&body)
            .send()
            .await
            .expect("sign in");
        let cookie = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        (status, cookie, response.json().await.unwrap_or(Value::Null))
    }

    /// Signs in with the code `strata serve` printed; returns the `Cookie`
    /// header to send and the session's CSRF token.
    async fn sign_in_with_printed_code(&self) -> (String, String) {
        let (status, set_cookie, session) =
            self.sign_in(json!({"code": self.printed_code()})).await;
        assert_eq!(status, 200, "{session}");
        cookie_and_csrf(set_cookie, &session)
    }

    /// The `code` of the sign-in link `strata serve` printed.
    fn printed_code(&self) -> String {
        let link = self
            .server
            .sign_in_url()
            .expect("strata serve prints a sign-in link");
        let path = link
            .strip_prefix(&self.server.url())
            .expect("the link points at the server");
        path.strip_prefix("/sign-in?code=")
            .expect("a /sign-in?code= link")
            .to_owned()
    }

    /// `/v2` path of the pulled image's manifest.
    fn v2_manifest(&self) -> String {
        format!(
            "/v2/{}/library/redis/manifests/latest",
            self.registry.host().replace(':', "_")
        )
    }
}

/// The `Cookie` header for a sign-in answer's `Set-Cookie`, and its CSRF token.
fn cookie_and_csrf(set_cookie: Option<String>, session: &Value) -> (String, String) {
    let set_cookie = set_cookie.expect("sign-in sets a cookie");
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    for wanted in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(&wanted), "{set_cookie}");
    }
    assert!(
        !attributes.contains(&"Secure"),
        "strata serves plain http: {set_cookie}"
    );
    let pair = attributes[0];
    assert!(
        pair.starts_with("strata_session=") && pair.len() > 40,
        "{set_cookie}"
    );
    assert_eq!(session["state"], "signed_in", "{session}");
    let csrf = session["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_owned();
    (pair.to_owned(), csrf)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_printed_code_signs_in_once_and_the_session_reads_a_private_server() {
    let p = Private::start().await;

    // Signed out: the page learns it must sign in, and gets no CSRF token.
    let (status, session) = p.call(Method::GET, "/api/v1/session", &[], None).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["state"], "signed_out");
    assert_eq!(session["private"], true);
    assert_eq!(session["csrf_token"], Value::Null);
    let (status, body) = p.call(Method::GET, "/api/v1/images", &[], None).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("/sign-in")),
        "{body}"
    );
    let manifest = p.v2_manifest();
    let (status, _) = p.call(Method::GET, &manifest, &[], None).await;
    assert_eq!(status, 401);
    // The page's own fetch gets no Basic challenge (no password dialog).
    let response = p
        .request(Method::GET, &manifest, &[("sec-fetch-mode", "cors")])
        .send()
        .await
        .expect("manifest");
    assert_eq!(response.status(), 401);
    assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    // The dashboard's files load without the token, so the sign-in page can.
    for path in ["/", "/sign-in?code=x"] {
        let response = p
            .request(Method::GET, path, &[])
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200, "{path}");
    }

    let (cookie, csrf) = p.sign_in_with_printed_code().await;
    let with_cookie = [(COOKIE.as_str(), cookie.as_str())];
    let (status, session) = p
        .call(Method::GET, "/api/v1/session", &with_cookie, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(session["state"], "signed_in");
    assert_eq!(session["csrf_token"], csrf.as_str());
    let (status, images) = p
        .call(Method::GET, "/api/v1/images", &with_cookie, None)
        .await;
    assert_eq!(status, 200, "{images}");
    assert_eq!(images["total"], 1, "{images}");
    let response = p
        .request(Method::GET, &manifest, &with_cookie)
        .header("accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .await
        .expect("manifest");
    assert_eq!(response.status(), 200, "the signed-in page reads /v2 too");

    // The code was used up.
    let (status, _, body) = p.sign_in(json!({"code": p.printed_code()})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthorized");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("used already") && message.contains("paste the token"),
        "{message}"
    );
    let (status, _, _) = p.sign_in(json!({"code": "0".repeat(64)})).await;
    assert_eq!(status, 401);
    // Signing in again replaces the browser's session.
    let response = p
        .request(Method::POST, "/api/v1/session/sign-in", &with_cookie)
        .json(&json!({"token": TOKEN}))
        .send()
        .await
        .expect("sign in again");
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let session: Value = response.json().await.expect("json");
    let (renewed, _) = cookie_and_csrf(set_cookie, &session);
    assert_ne!(renewed, cookie);
    let (status, _) = p
        .call(Method::GET, "/api/v1/images", &with_cookie, None)
        .await;
    assert_eq!(status, 401, "the old session ended");
    let (status, _) = p
        .call(
            Method::GET,
            "/api/v1/images",
            &[(COOKIE.as_str(), &renewed)],
            None,
        )
        .await;
    assert_eq!(status, 200);
    // A made-up cookie reads nothing.
    let forged = [(COOKIE.as_str(), "strata_session=00ff")];
    let (status, _) = p.call(Method::GET, "/api/v1/images", &forged, None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn session_writes_need_the_csrf_token_and_the_same_origin() {
    let p = Private::start().await;
    let (cookie, csrf) = p.sign_in_with_printed_code().await;
    let tag = |target: &str| json!({"source": p.image, "target": target});

    let (status, body) = p
        .call(
            Method::POST,
            "/api/v1/tag",
            &[(COOKIE.as_str(), &cookie)],
            Some(tag("mine/redis:one")),
        )
        .await;
    assert_eq!(status, 403, "a cookie alone does not write: {body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("X-Strata-Csrf")),
        "{body}"
    );
    let (status, body) = p
        .call(
            Method::POST,
            "/api/v1/tag",
            &[
                (COOKIE.as_str(), &cookie),
                ("x-strata-csrf", "not-the-token"),
            ],
            Some(tag("mine/redis:one")),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = p
        .call(
            Method::POST,
            "/api/v1/tag",
            &[(COOKIE.as_str(), &cookie), ("x-strata-csrf", &csrf)],
            Some(tag("mine/redis:one")),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // A page on another site: refused even with the cookie and the token.
    let foreign: [&[(&str, &str)]; 2] = [
        &[(ORIGIN.as_str(), "http://evil.example")],
        &[("sec-fetch-site", "cross-site")],
    ];
    for headers in foreign {
        let mut all = vec![(COOKIE.as_str(), cookie.as_str()), ("x-strata-csrf", &csrf)];
        all.extend_from_slice(headers);
        let (status, body) = p
            .call(
                Method::POST,
                "/api/v1/tag",
                &all,
                Some(tag("mine/redis:two")),
            )
            .await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        let (status, body) = p.call(Method::GET, "/api/v1/images", &all, None).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        let (status, _) = p.call(Method::GET, &p.v2_manifest(), &all, None).await;
        assert_eq!(status, 403, "{headers:?}");
    }
    // The page's own origin passes.
    let own = p.server.url();
    let (status, body) = p
        .call(
            Method::POST,
            "/api/v1/tag",
            &[
                (COOKIE.as_str(), &cookie),
                ("x-strata-csrf", &csrf),
                (ORIGIN.as_str(), &own),
            ],
            Some(tag("mine/redis:three")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, images) = p
        .call(
            Method::GET,
            "/api/v1/images",
            &[(COOKIE.as_str(), &cookie)],
            None,
        )
        .await;
    assert_eq!(images["total"], 3, "{images}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_token_signs_in_and_sign_out_ends_the_session() {
    let p = Private::start().await;

    let (status, set_cookie, body) = p.sign_in(json!({"token": "not-the-token"})).await;
    assert_eq!(status, 401, "{body}");
    assert!(set_cookie.is_none());
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("not this server's token")),
        "{body}"
    );
    let (status, set_cookie, session) = p.sign_in(json!({"token": TOKEN})).await;
    assert_eq!(status, 200, "{session}");
    let (cookie, csrf) = cookie_and_csrf(set_cookie, &session);
    let with_cookie = [(COOKIE.as_str(), cookie.as_str())];
    let (status, _) = p
        .call(Method::GET, "/api/v1/images", &with_cookie, None)
        .await;
    assert_eq!(status, 200);

    // A new code is minted with the bearer token only.
    let (status, _) = p
        .call(
            Method::POST,
            "/api/v1/session/codes",
            &[(COOKIE.as_str(), &cookie), ("x-strata-csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, 403, "a session cannot mint codes");
    let bearer = format!("Bearer {TOKEN}");
    let (status, minted) = p
        .call(
            Method::POST,
            "/api/v1/session/codes",
            &[(AUTHORIZATION.as_str(), &bearer)],
            None,
        )
        .await;
    assert_eq!(status, 200, "{minted}");
    let code = minted["code"].as_str().expect("code");
    assert_eq!(minted["path"], format!("/sign-in?code={code}"));
    let (status, _, _) = p.sign_in(json!({"code": code})).await;
    assert_eq!(status, 200, "a minted code signs in");

    // Sign-out: the cookie is cleared and the session no longer works.
    let response = p
        .request(Method::POST, "/api/v1/session/sign-out", &with_cookie)
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), 200);
    let cleared = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cleared.starts_with("strata_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, _) = p
        .call(Method::GET, "/api/v1/images", &with_cookie, None)
        .await;
    assert_eq!(status, 401);
    let (_, session) = p
        .call(Method::GET, "/api/v1/session", &with_cookie, None)
        .await;
    assert_eq!(session["state"], "signed_out");
    let (status, _) = p
        .call(
            Method::POST,
            "/api/v1/tag",
            &[(COOKIE.as_str(), &cookie), ("x-strata-csrf", &csrf)],
            Some(json!({"source": p.image, "target": "mine/redis:after"})),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_token_there_is_nothing_to_sign_in_to() {
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .start()
        .expect("strata serve");
    assert_eq!(server.sign_in_url(), None, "no link without a token");
    let http = reqwest::Client::new();
    let session: Value = http
        .get(format!("{}/api/v1/session", server.url()))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    assert_eq!(session["state"], "open", "{session}");
    assert_eq!(session["private"], false);
    assert!(
        session["csrf_token"]
            .as_str()
            .is_some_and(|t| t.len() == 64)
    );
    let response = http
        .post(format!("{}/api/v1/session/sign-in", server.url()))
        .json(&json!({"token": "anything"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 400);
    assert!(response.headers().get(SET_COOKIE).is_none());
}
