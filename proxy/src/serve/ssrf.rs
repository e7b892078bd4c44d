//! The destination policy of `strata serve`: registries named by untrusted
//! input (a URL path, an API request) may only be public hosts.
//!
//! Refused, after DNS resolution and again on every redirect (the registry
//! client asks [`DestinationPolicy::check_addr`] for every address it
//! connects to): loopback, private (RFC 1918, unique-local `fc00::/7`),
//! link-local (`169.254.0.0/16` with the cloud metadata address,
//! `fe80::/10`), carrier-grade NAT, multicast, broadcast, unspecified
//! (`0.0.0.0`, `::`), benchmarking and reserved ranges, and every
//! IPv4-mapped or IPv4-compatible IPv6 address. Hosts listed with
//! `--insecure-registry` or `--allow-registry` (and Docker Hub's override
//! `STRATA_HUB_REGISTRY`) are trusted as the operator's own choice: an
//! entry `host:port` trusts that port only (its default port when a URL
//! names none), so `127.0.0.1:5000` does not open a Docker socket on
//! `127.0.0.1:2375` to clients, redirects or token realms; an entry `host`
//! trusts every port of the host, as dockerd does.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::registry::DestinationPolicy;

/// Only public addresses, plus the hosts the operator allowed.
#[derive(Debug, Clone, Default)]
pub struct PublicOnly {
    /// Hosts listed without a port: trusted on every port, as dockerd
    /// trusts an insecure registry given without one.
    any_port: BTreeSet<String>,
    /// Hosts listed as `host:port`: trusted on those ports only.
    ports: BTreeSet<(String, u16)>,
}

impl PublicOnly {
    /// A policy trusting `allowed` entries (`host` or `host:port`).
    pub fn new(allowed: impl IntoIterator<Item = String>) -> Self {
        let mut policy = Self::default();
        for entry in allowed {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            match split_port(&entry) {
                Some((host, port)) => {
                    policy.ports.insert((host.to_owned(), port));
                }
                None => {
                    policy.any_port.insert(unbracket(&entry).to_owned());
                }
            }
        }
        policy
    }

    /// The ports listed for `host` (empty when it is not listed with one).
    fn listed_ports(&self, host: &str) -> Vec<u16> {
        self.ports
            .iter()
            .filter(|(h, _)| h == host)
            .map(|(_, p)| *p)
            .collect()
    }
}

/// `host:port` → (`host` without brackets, port); `None` without a port.
fn split_port(entry: &str) -> Option<(&str, u16)> {
    let (host, port) = entry.rsplit_once(':')?;
    let bracketed = host.starts_with('[') && host.ends_with(']');
    let plain = !host.contains(':');
    let port = port.parse::<u16>().ok()?;
    (bracketed || plain).then(|| (unbracket(host), port))
}

fn unbracket(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

impl DestinationPolicy for PublicOnly {
    fn check_url(&self, url: &Url) -> Result<(), String> {
        let Some(host) = url.host_str() else {
            return Err(format!("{url} names no host"));
        };
        let host = host.to_ascii_lowercase();
        let bare = unbracket(&host);
        if self.any_port.contains(bare) {
            return Ok(());
        }
        let port = url.port_or_known_default();
        let listed = self.listed_ports(bare);
        if port.is_some_and(|p| listed.contains(&p)) {
            return Ok(());
        }
        if !listed.is_empty() {
            // A `host:port` entry trusts that port only: a redirect or token
            // realm elsewhere on the host (a Docker socket on 2375, an admin
            // page) is as foreign as any other address.
            let ports: Vec<String> = listed.iter().map(u16::to_string).collect();
            let wanted = port.map_or_else(|| host.clone(), |p| format!("{host}:{p}"));
            return Err(format!(
                "the destination is not allowed: {wanted} is not a listed port of {host} (listed: {}); if it is yours (a token service beside the registry, say), restart strata serve with --allow-registry {wanted}",
                ports.join(", ")
            ));
        }
        match bare.parse::<IpAddr>() {
            Ok(ip) => self.check_addr(bare, ip),
            Err(_) => Ok(()), // names are checked once resolved
        }
    }

    /// A listed host passes whatever it resolves to: its port was checked by
    /// [`DestinationPolicy::check_url`], which every request passes first.
    fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), String> {
        let host = unbracket(host).to_ascii_lowercase();
        if self.any_port.contains(&host) || !self.listed_ports(&host).is_empty() {
            return Ok(());
        }
        match forbidden(addr) {
            None => Ok(()),
            Some(kind) => Err(format!(
                "the destination is not allowed: {host} resolves to {addr}, a {kind} address, which strata serve does not contact; if this registry is yours, restart strata serve with --allow-registry {host} (or --insecure-registry {host}, also STRATA_INSECURE_REGISTRIES, if it speaks plain http)"
            )),
        }
    }

    /// No: a proxy would resolve names this policy never sees.
    fn allows_proxies(&self) -> bool {
        false
    }
}

/// Why `addr` must not be contacted, or `None` for a public address.
pub fn forbidden(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified (\"this network\")")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local (incl. cloud metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("carrier-grade NAT")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("benchmarking")
    } else if a >= 240 {
        Some("reserved")
    } else if a == 192 && b == 0 && c == 0 {
        Some("IETF protocol assignment")
    } else if ip.is_documentation() {
        Some("documentation")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("unique-local (private)")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) {
        Some("IPv4-mapped or IPv4-compatible")
    } else if s[0] == 0x64 && s[1] == 0xff9b {
        Some("NAT64")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("documentation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_targets_are_refused() {
        #[rustfmt::skip]
        let refused = [
            "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "169.254.0.1", "100.64.0.1", "224.0.0.1", "239.255.255.250",
            "255.255.255.255", "0.0.0.0", "0.1.2.3", "198.18.0.1", "240.0.0.1", "192.0.0.8",
            "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
            "::ffff:8.8.8.8", "::127.0.0.1", "64:ff9b::a00:1", "2001:db8::1",
        ];
        for addr in refused {
            let ip: IpAddr = addr.parse().expect("ip");
            assert!(forbidden(ip).is_some(), "{addr} must be refused");
        }
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "104.18.1.1",
            "172.32.0.1",
            "2606:4700::1111",
            "2a00:1450::1",
        ] {
            let ip: IpAddr = addr.parse().expect("ip");
            assert_eq!(forbidden(ip), None, "{addr} is public");
        }
    }

    #[test]
    fn allowed_hosts_pass_and_urls_with_ip_literals_are_checked() {
        let policy = PublicOnly::new(["127.0.0.1:5000".to_owned(), "Registry.Internal".to_owned()]);
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(policy.check_url(&url("http://127.0.0.1:5000/v2/")).is_ok());
        for other in [
            "http://127.0.0.1:6000/token",
            "http://127.0.0.1:2375/containers/json",
            "http://127.0.0.1/",
            "https://127.0.0.1/",
        ] {
            let refused = policy.check_url(&url(other)).expect_err(other);
            assert!(refused.contains("--allow-registry 127.0.0.1:"), "{refused}");
        }
        assert!(
            policy
                .check_url(&url("https://registry.internal:443/v2/"))
                .is_ok(),
            "a bare host allows every port"
        );
        assert!(
            policy
                .check_addr("127.0.0.1", "127.0.0.1".parse().expect("ip"))
                .is_ok()
        );
        assert!(
            policy
                .check_addr("registry.internal", "10.1.1.1".parse().expect("ip"))
                .is_ok()
        );
        let named = PublicOnly::new(["Registry.Internal:5000".to_owned()]);
        assert!(
            named
                .check_url(&url("http://registry.internal:5000/v2/"))
                .is_ok()
        );
        assert!(
            named
                .check_url(&url("http://registry.internal:5001/v2/"))
                .is_err()
        );
        assert!(
            named
                .check_url(&url("https://registry.internal/v2/"))
                .is_err()
        );
        let https = PublicOnly::new(["10.0.0.5:443".to_owned(), "[fd00::1]:5000".to_owned()]);
        assert!(
            https.check_url(&url("https://10.0.0.5/v2/")).is_ok(),
            "the default port"
        );
        assert!(https.check_url(&url("http://10.0.0.5/v2/")).is_err());
        assert!(https.check_url(&url("http://[fd00::1]:5000/v2/")).is_ok());
        assert!(https.check_url(&url("http://[fd00::1]:5001/v2/")).is_err());
        let refused = policy
            .check_url(&url("http://169.254.169.254/latest/meta-data"))
            .expect_err("metadata");
        assert!(refused.contains("--allow-registry"), "{refused}");
        assert!(policy.check_url(&url("http://[::1]:5000/v2/")).is_err());
        assert!(
            policy
                .check_url(&url("https://registry-1.docker.io/v2/"))
                .is_ok()
        );
        assert!(
            policy
                .check_addr("evil.example", "10.0.0.1".parse().expect("ip"))
                .is_err()
        );
        assert!(
            policy
                .check_addr("registry-1.docker.io", "54.1.2.3".parse().expect("ip"))
                .is_ok()
        );
    }
}
