//! The HTTP transport under the registry client: one place where every
//! request goes out, with retries, redirects and a destination check.
//!
//! - **Destinations.** Every URL about to be requested (registry, token
//!   realm, redirect target, `Link` page) passes `Transport::check_destination`,
//!   which asks the [`DestinationPolicy`]. Host names are resolved by a
//!   resolver that asks the policy about every address before connecting,
//!   so a policy can refuse private addresses after DNS resolution (the
//!   hook `strata serve` needs against SSRF). The CLI uses [`AllowAll`].
//! - **Retries** ([`RetryPolicy`]): connection errors, 5xx (500, 502, 503,
//!   504) and 429 are retried with exponential backoff. A 429's
//!   `Retry-After` (seconds or an HTTP date) is honoured when it is at most
//!   [`RetryPolicy::max_retry_after`]; a longer wait is not retried but
//!   returned, so the caller can report it. Only the response head is
//!   retried; a body that breaks mid-stream is the caller's to resume.
//! - **Redirects** are followed here, not by the HTTP library, up to
//!   [`MAX_REDIRECTS`]. `Authorization` is dropped as soon as a redirect
//!   leaves the origin (scheme, host, port) of the first request, so
//!   credentials never reach the storage service a blob redirects to. A
//!   307 or 308 that would re-send a request body (an identity-token form)
//!   to another origin is not followed.
//! - **Certificates** are checked, except for the origins the client hands
//!   to `Transport::accept_untrusted_certificate`: loopback registries
//!   whose certificate is not trusted, which Docker accepts too.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode};
use url::Url;

pub use super::destination::{AllowAll, DestinationPolicy};
use super::destination::{PolicyResolver, refused_by_policy};
pub use super::retry::RetryPolicy;
pub(crate) use super::retry::retry_after;

/// Redirects followed for one request before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// Why no response came back.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// The destination policy refused the URL.
    Refused { url: Url, reason: String },
    /// No connection (refused, DNS, TLS, timeout) after every retry.
    Connect { url: Url, reason: String },
    /// Redirects went on past [`MAX_REDIRECTS`], or to an invalid location.
    Redirect { url: Url, message: String },
}

/// A request body that can be sent again on retry.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// What [`Transport::probe`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Something answered (any status).
    Answered,
    /// TLS was spoken, but the server's certificate was not trusted.
    CertificateRejected,
    /// Nothing answered: refused, timed out, or not this protocol.
    Failed,
}

/// The HTTP client with retries, redirects and the destination check.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The same client without certificate checks, used only for the
    /// origins in `untrusted_tls` (loopback registries, as Docker does).
    unverified: reqwest::Client,
    untrusted_tls: Arc<Mutex<HashSet<String>>>,
    policy: Arc<dyn DestinationPolicy>,
    retry: RetryPolicy,
}

impl Transport {
    /// A transport sending `user_agent`.
    pub(crate) fn new(
        user_agent: &str,
        policy: Arc<dyn DestinationPolicy>,
        retry: RetryPolicy,
    ) -> Result<Transport, reqwest::Error> {
        Ok(Transport {
            http: client(user_agent, &policy, false)?,
            unverified: client(user_agent, &policy, true)?,
            untrusted_tls: Arc::default(),
            policy,
            retry,
        })
    }

    /// Speaks HTTPS to `url`'s origin without checking its certificate
    /// from now on: for a loopback registry whose certificate is not
    /// trusted, which Docker accepts as it accepts plain HTTP there.
    pub(crate) fn accept_untrusted_certificate(&self, url: &Url) {
        self.untrusted_tls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.origin().ascii_serialization());
    }

    /// The client for `url`: without certificate checks only for an origin
    /// given to [`Transport::accept_untrusted_certificate`].
    fn client_for(&self, url: &Url) -> &reqwest::Client {
        let untrusted = url.scheme() == "https"
            && self
                .untrusted_tls
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&url.origin().ascii_serialization());
        if untrusted {
            &self.unverified
        } else {
            &self.http
        }
    }

    /// The single gate before a URL is requested: only `http` and `https`,
    /// then the [`DestinationPolicy`] (its address check too when the host
    /// is a literal IP, which the resolver never sees).
    pub(crate) fn check_destination(&self, url: &Url) -> Result<(), TransportError> {
        let refuse = |reason: String| TransportError::Refused {
            url: url.clone(),
            reason,
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        self.policy.check_url(url).map_err(refuse)?;
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(refuse("the URL has no host".into())),
        };
        if let Some(ip) = literal {
            self.policy
                .check_addr(&ip.to_string(), ip)
                .map_err(refuse)?;
        }
        Ok(())
    }

    /// Whether anything answers HTTP at `url` (any status counts), within a
    /// few seconds and without retries: the probe for a loopback registry's
    /// scheme.
    pub(crate) async fn probe(&self, url: &Url) -> Probe {
        if self.check_destination(url).is_err() {
            return Probe::Failed;
        }
        match self
            .http
            .get(url.clone())
            .timeout(Duration::from_secs(5))
            .send()
            .await
        {
            Ok(_) => Probe::Answered,
            Err(e) if error_chain(&e).to_lowercase().contains("certificate") => {
                Probe::CertificateRejected
            }
            Err(_) => Probe::Failed,
        }
    }

    /// Sends a request, following redirects and retrying as the module doc
    /// says. `authorization` goes only to the first request's origin.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        headers: &HeaderMap,
        authorization: Option<&HeaderValue>,
        body: Option<&Body>,
    ) -> Result<Response, TransportError> {
        let origin = url.origin();
        let mut method = method;
        let mut url = url;
        let mut body = body.cloned();
        for _ in 0..=MAX_REDIRECTS {
            self.check_destination(&url)?;
            let auth = authorization.filter(|_| url.origin() == origin);
            let response = self
                .send_with_retries(&method, &url, headers, auth, body.as_ref())
                .await?;
            if !response.status().is_redirection() || response.status() == StatusCode::NOT_MODIFIED
            {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| TransportError::Redirect {
                    url: url.clone(),
                    message: format!("{} without a Location header", response.status()),
                })?;
            let next = url.join(location).map_err(|e| TransportError::Redirect {
                url: url.clone(),
                message: format!("invalid Location {location:?}: {e}"),
            })?;
            tracing::debug!(from = %url, to = %next, status = %response.status(), "following redirect");
            let keeps_body = matches!(
                response.status(),
                StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
            );
            if keeps_body && body.is_some() && next.origin() != origin {
                return Err(TransportError::Redirect {
                    url: url.clone(),
                    message: format!(
                        "{} to another origin ({}) would re-send the request body (which may hold credentials); strata does not follow it",
                        response.status(),
                        next.origin().ascii_serialization()
                    ),
                });
            }
            if matches!(
                response.status(),
                StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER
            ) && method == Method::POST
            {
                method = Method::GET;
                body = None;
            }
            url = next;
        }
        Err(TransportError::Redirect {
            url,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    async fn send_with_retries(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        authorization: Option<&HeaderValue>,
        body: Option<&Body>,
    ) -> Result<Response, TransportError> {
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            let mut request = self
                .client_for(url)
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(auth) = authorization {
                request = request.header(AUTHORIZATION, auth.clone());
            }
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, body.content_type)
                    .body(body.bytes.clone());
            }
            let outcome = request.send().await;
            if let Err(error) = &outcome
                && let Some(refused) = refused_by_policy(error)
            {
                return Err(TransportError::Refused {
                    url: url.clone(),
                    reason: refused.0.clone(),
                });
            }
            let last = attempt >= attempts;
            let wait = match outcome {
                Ok(response) => {
                    tracing::debug!(%method, %url, status = %response.status(), attempt, "registry response");
                    match self.retry_wait(&response, attempt) {
                        Some(wait) if !last => wait,
                        _ => return Ok(response),
                    }
                }
                Err(error) => {
                    let reason = error_chain(&error);
                    tracing::debug!(%method, %url, attempt, %reason, "request failed");
                    if last {
                        return Err(TransportError::Connect {
                            url: url.clone(),
                            reason,
                        });
                    }
                    self.retry.backoff(attempt)
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// How long to wait before retrying `response`, or `None` if it is
    /// final.
    fn retry_wait(&self, response: &Response, attempt: u32) -> Option<Duration> {
        match response.status() {
            StatusCode::TOO_MANY_REQUESTS => {
                let asked = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after(v, SystemTime::now()));
                match asked {
                    Some(wait) if wait > self.retry.max_retry_after => None,
                    Some(wait) => Some(wait),
                    None => Some(self.retry.backoff(attempt)),
                }
            }
            StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => Some(self.retry.backoff(attempt)),
            _ => None,
        }
    }
}

/// The HTTP client every request goes through (see the module doc), with
/// certificate checks unless `accept_invalid_certs`.
fn client(
    user_agent: &str,
    policy: &Arc<dyn DestinationPolicy>,
    accept_invalid_certs: bool,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder();
    if !policy.allows_proxies() {
        builder = builder.no_proxy();
    }
    builder
        .user_agent(user_agent)
        .redirect(reqwest::redirect::Policy::none())
        // Blobs are hashed as sent: never let a feature enabled elsewhere
        // in the build turn on transparent decompression.
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        // Likewise HTTP/2 and the system's root certificates, which the
        // S3 client (`object_store`) turns on in the shared reqwest: the
        // registry client stays HTTP/1.1 with the bundled webpki roots.
        .http1_only()
        .tls_built_in_native_certs(false)
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(60))
        .dns_resolver(Arc::new(PolicyResolver {
            policy: policy.clone(),
        }))
        .danger_accept_invalid_certs(accept_invalid_certs)
        .build()
}

/// An error's causes, joined: `tcp connect error: Connection refused (os
/// error 111)`. reqwest's own top-level message ("error sending request
/// for url (…)") and hyper's "client error (Connect)" say nothing the
/// caller's message does not, so they are left out when there are causes.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = error.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !text.starts_with("client error (") && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct NoLoopback;

    impl DestinationPolicy for NoLoopback {
        fn check_addr(&self, _host: &str, addr: IpAddr) -> Result<(), String> {
            if addr.is_loopback() {
                Err("loopback".into())
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn destination_check() {
        let transport = |policy: Arc<dyn DestinationPolicy>| {
            Transport::new("test", policy, RetryPolicy::default()).expect("client")
        };
        let allow = transport(Arc::new(AllowAll));
        let deny = transport(Arc::new(NoLoopback));
        #[rustfmt::skip]
        let cases = [
            ("https://registry.example/v2/", true, true),
            ("http://127.0.0.1:5000/v2/", true, false),
            ("http://[::1]:5000/v2/", true, false),
            ("http://10.0.0.1/v2/", true, true),
            ("ftp://registry.example/", false, false),
            ("file:///etc/passwd", false, false),
        ];
        for (url, allowed, allowed_without_loopback) in cases {
            let url = Url::parse(url).expect("url");
            assert_eq!(allow.check_destination(&url).is_ok(), allowed, "{url}");
            assert_eq!(
                deny.check_destination(&url).is_ok(),
                allowed_without_loopback,
                "{url}"
            );
        }
    }

    /// A host name whose every address the policy refuses is a refusal
    /// (which `strata serve` answers with 403), not a failed connection.
    #[tokio::test]
    async fn a_name_resolving_only_to_refused_addresses_is_refused() {
        let transport =
            Transport::new("test", Arc::new(NoLoopback), RetryPolicy::default()).expect("client");
        let url = Url::parse("http://localhost:9/v2/").expect("url");
        let error = transport
            .send(Method::GET, url, &HeaderMap::new(), None, None)
            .await
            .expect_err("refused");
        match error {
            TransportError::Refused { reason, .. } => {
                assert!(reason.contains("loopback"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}
