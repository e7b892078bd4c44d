//! Which destinations the registry client may contact: the
//! [`DestinationPolicy`] every URL and every resolved address passes, and
//! the DNS resolver that applies it after resolution, so `strata serve`
//! can refuse private addresses however a name resolves.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use url::Url;

/// Decides which destinations the client may contact.
///
/// The default methods allow everything. A server that fetches URLs named
/// by untrusted input (`strata serve`) can refuse loopback, private and
/// link-local addresses here; [`DestinationPolicy::check_addr`] sees the
/// addresses a host name resolved to, so DNS tricks cannot get around it.
pub trait DestinationPolicy: Send + Sync + fmt::Debug {
    /// Called with every URL before it is requested. `Err` holds why it is
    /// refused.
    fn check_url(&self, url: &Url) -> Result<(), String> {
        let _ = url;
        Ok(())
    }

    /// Called with every address a host resolves to (and with literal IP
    /// hosts) before connecting. Refused addresses are skipped; a host with
    /// none left is refused (reported as a refusal, not retried) with
    /// the reasons.
    fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), String> {
        let _ = (host, addr);
        Ok(())
    }

    /// Whether requests may go through a proxy from the environment
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`). A proxy resolves the
    /// destination's name itself, where [`DestinationPolicy::check_addr`]
    /// never sees it, so a policy that checks addresses says no.
    fn allows_proxies(&self) -> bool {
        true
    }
}

/// The policy of the CLI: any destination.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl DestinationPolicy for AllowAll {}

/// Every address a host name resolved to was refused by the
/// [`DestinationPolicy`]: the resolver's error, found again in the HTTP
/// library's error chain so the refusal is reported as one (and not
/// retried as a failed connection).
#[derive(Debug)]
pub(super) struct RefusedAddresses(pub(super) String);

impl fmt::Display for RefusedAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RefusedAddresses {}

/// The policy's refusal somewhere in `error`'s causes, if that is why the
/// request failed.
pub(super) fn refused_by_policy<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a RefusedAddresses> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<RefusedAddresses>() {
            return Some(refused);
        }
        // An `io::Error` wrapping it reports the wrapped error's source,
        // not the wrapped error.
        if let Some(refused) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<RefusedAddresses>())
        {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

/// Resolves host names, then keeps only the addresses the policy allows.
pub(super) struct PolicyResolver {
    pub(super) policy: Arc<dyn DestinationPolicy>,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusals = Vec::new();
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match policy.check_addr(&host, addr.ip()) {
                    Ok(()) => true,
                    Err(reason) => {
                        if !refusals.contains(&reason) {
                            refusals.push(reason);
                        }
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                if refusals.is_empty() {
                    return Err(format!("{host} resolved to no address").into());
                }
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(RefusedAddresses(refusals.join("; ")));
                return Err(refused);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_refusal_in_an_error_chain() {
        let refused = || RefusedAddresses("10.0.0.1 is private".into());
        let wrapped = std::io::Error::other(refused());
        #[derive(Debug)]
        struct Outer(Box<dyn std::error::Error + Send + Sync>);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&*self.0)
            }
        }
        let cases: [(&str, Box<dyn std::error::Error + Send + Sync>, bool); 4] = [
            ("itself", Box::new(refused()), true),
            (
                "in an io::Error",
                Box::new(std::io::Error::other(refused())),
                true,
            ),
            ("as a cause", Box::new(Outer(Box::new(wrapped))), true),
            (
                "another error",
                Box::new(std::io::Error::other("refused")),
                false,
            ),
        ];
        for (case, error, found) in cases {
            assert_eq!(refused_by_policy(&*error).is_some(), found, "{case}");
        }
    }
}
