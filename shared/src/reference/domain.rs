//! Registry hosts: when the first path component is a domain, what a valid
//! `host[:port]` is, and the Docker Hub defaults.

use std::fmt;

/// Docker Hub's domain in canonical references.
pub const DEFAULT_DOMAIN: &str = "docker.io";

/// Docker Hub's legacy domain ("the Docker Index"), normalised to
/// [`DEFAULT_DOMAIN`].
pub const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";

/// The namespace of Docker Hub's official images: `redis` is
/// `docker.io/library/redis`.
pub const OFFICIAL_REPO_PREFIX: &str = "library/";

/// The one host name without `.` or `:` that is always a domain.
const LOCALHOST: &str = "localhost";

/// Splits `name` (no tag or digest cut off yet, but no `@digest` either) into
/// its registry host and the rest, as distribution/reference's
/// `splitDockerDomain` does.
///
/// The first `/`-separated component is the host when it holds `.` or `:`,
/// is `localhost`, or has an uppercase letter. Otherwise the name is on
/// Docker Hub. `index.docker.io` becomes `docker.io`. The `library/`
/// default is applied later, once the tag is cut off.
pub(super) fn split_domain(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        None => (DEFAULT_DOMAIN, name),
        Some((first, rest)) if first == LEGACY_DEFAULT_DOMAIN => (DEFAULT_DOMAIN, rest),
        Some((first, rest)) if looks_like_domain(first) => (first, rest),
        Some(_) => (DEFAULT_DOMAIN, name),
    }
}

/// Whether a first path component is taken as a registry host.
pub(super) fn looks_like_domain(first: &str) -> bool {
    first == LOCALHOST || first.contains(['.', ':']) || has_uppercase(first)
}

/// Whether a component was taken as a host only because it has an uppercase
/// letter (so a failure is better reported as an uppercase repository name).
pub(super) fn is_domain_only_by_case(first: &str) -> bool {
    first != LOCALHOST && !first.contains(['.', ':']) && has_uppercase(first)
}

pub(super) fn has_uppercase(s: &str) -> bool {
    s.chars().any(char::is_uppercase)
}

/// Which part of the `host[:port]` rule a registry host breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainProblem {
    /// Nothing before the `:port` (or nothing at all).
    EmptyHost,
    /// A dot-separated host label that is empty, holds a character other
    /// than letters, digits and `-`, or starts or ends with `-`.
    InvalidLabel {
        /// The offending label.
        label: String,
    },
    /// Something other than hex digits and `:` between `[` and `]`.
    InvalidIpv6 {
        /// The bracketed address.
        address: String,
    },
    /// A `[` without its `]`.
    UnclosedBracket,
    /// Something other than `:port` after `]`.
    TrailingAfterBracket {
        /// What follows the `]`.
        trailing: String,
    },
    /// `host:` with no port.
    EmptyPort,
    /// A port that is not all digits.
    InvalidPort {
        /// The port as written.
        port: String,
    },
    /// An IPv6 address without brackets, such as `fc00::1:5000`.
    UnbracketedIpv6,
}

impl fmt::Display for DomainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainProblem::EmptyHost => f.write_str("the host name is empty"),
            DomainProblem::InvalidLabel { label } => write!(
                f,
                "host label \"{label}\" must be letters, digits and '-', and must not be empty or start or end with '-'"
            ),
            DomainProblem::InvalidIpv6 { address } => write!(
                f,
                "\"{address}\" is not a bracketed IPv6 address (only hex digits and ':' may sit between '[' and ']'; zones such as %eth0 are not allowed)"
            ),
            DomainProblem::UnclosedBracket => {
                f.write_str("'[' opens an IPv6 address that is never closed with ']'")
            }
            DomainProblem::TrailingAfterBracket { trailing } => write!(
                f,
                "only \":port\" may follow the ']' of an IPv6 address, not \"{trailing}\""
            ),
            DomainProblem::EmptyPort => f.write_str("the port after ':' is empty"),
            DomainProblem::InvalidPort { port } => {
                write!(f, "port \"{port}\" must be digits")
            }
            DomainProblem::UnbracketedIpv6 => {
                f.write_str("an IPv6 address must be written in brackets, such as [fc00::1]:5000")
            }
        }
    }
}

/// Checks `host[:port]`, where host is a domain name, an IPv4 address or a
/// bracketed IPv6 address (distribution/reference's `DomainRegexp`).
pub(super) fn validate_domain(domain: &str) -> Result<(), DomainProblem> {
    let port = if let Some(bracketed) = domain.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return Err(DomainProblem::UnclosedBracket);
        };
        if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(DomainProblem::InvalidIpv6 {
                address: format!("[{address}]"),
            });
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => {
                    return Err(DomainProblem::TrailingAfterBracket {
                        trailing: after.to_owned(),
                    });
                }
            },
        }
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        };
        if port.is_some_and(|p| p.contains(':')) {
            return Err(DomainProblem::UnbracketedIpv6);
        }
        if host.is_empty() {
            return Err(DomainProblem::EmptyHost);
        }
        if let Some(label) = host.split('.').find(|label| !is_valid_label(label)) {
            return Err(DomainProblem::InvalidLabel {
                label: label.to_owned(),
            });
        }
        port
    };
    match port {
        None => Ok(()),
        Some("") => Err(DomainProblem::EmptyPort),
        Some(port) if port.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        Some(port) => Err(DomainProblem::InvalidPort {
            port: port.to_owned(),
        }),
    }
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn splits_like_split_docker_domain() {
        let cases = [
            ("foo", "docker.io", "foo"),
            ("foo:tag", "docker.io", "foo:tag"),
            ("localhost:5000", "docker.io", "localhost:5000"),
            ("test.com:5000", "docker.io", "test.com:5000"),
            ("docker/migrator", "docker.io", "docker/migrator"),
            ("test_com/foo", "docker.io", "test_com/foo"),
            ("test.com/foo", "test.com", "foo"),
            ("test.com:8080/foo", "test.com:8080", "foo"),
            ("test-com:8080/foo", "test-com:8080", "foo"),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
            ("localhost/foo", "localhost", "foo"),
            ("localhost:5000/foo", "localhost:5000", "foo"),
            ("index.docker.io/foo", "docker.io", "foo"),
            ("docker.io/foo", "docker.io", "foo"),
            ("[::1]:5000/foo", "[::1]:5000", "foo"),
            ("Foo/bar", "Foo", "bar"),
            ("FOO/bar", "FOO", "bar"),
            ("fooo/Bar", "docker.io", "fooo/Bar"),
        ];
        for (input, domain, rest) in cases {
            assert_eq!(split_domain(input), (domain, rest), "{input}");
        }
    }

    #[test]
    fn valid_domains() {
        let cases = [
            "docker.io",
            "localhost",
            "localhost:5000",
            "a",
            "Foo",
            "127.0.0.1",
            "127.0.0.1:5000",
            "192.168.0.1:80",
            "sub-dom1.foo.com",
            "xn--n3h.com:18080",
            "test-com:8080",
            "a--b.c",
            "[::1]",
            "[::1]:5000",
            "[fc00::1]:5000",
            "[2001:db8:1:2:3:4:5:6]",
            "[2001:DB8::]:5000",
            "example.com:0",
        ];
        for input in cases {
            assert_eq!(validate_domain(input), Ok(()), "{input}");
        }
    }

    #[test]
    fn invalid_domains() {
        use DomainProblem::*;
        let label = |l: &str| InvalidLabel {
            label: l.to_owned(),
        };
        let port = |p: &str| InvalidPort { port: p.to_owned() };
        #[rustfmt::skip]
        let cases = [
            ("", EmptyHost),
            (":5000", EmptyHost),
            ("https:", EmptyPort),
            ("example.com:", EmptyPort),
            ("example.com:50a", port("50a")),
            ("example.com:-1", port("-1")),
            ("foo:bar", port("bar")),
            ("fc00::1:5000", UnbracketedIpv6),
            ("::1", UnbracketedIpv6),
            ("-docker.io", label("-docker")),
            ("docker-.io", label("docker-")),
            ("a..b", label("")),
            ("example.com.", label("")),
            ("foo_bar.com", label("foo_bar")),
            ("Foo_Bar", label("Foo_Bar")),
            ("caf\u{e9}.com", label("caf\u{e9}")),
            ("[fc00::1", UnclosedBracket),
            ("[]:5000", InvalidIpv6 { address: "[]".into() }),
            ("[fe80::1%eth0]:5000", InvalidIpv6 { address: "[fe80::1%eth0]".into() }),
            ("[2001:db8:3:4::192.0.2.33]:5000", InvalidIpv6 { address: "[2001:db8:3:4::192.0.2.33]".into() }),
            ("[::1]5000", TrailingAfterBracket { trailing: "5000".into() }),
            ("[::1]:", EmptyPort),
            ("[::1]:x", port("x")),
        ];
        for (input, expected) in cases {
            assert_eq!(validate_domain(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn domain_detection() {
        let cases = [
            ("localhost", true, false),
            ("docker.io", true, false),
            ("host:5000", true, false),
            ("Foo", true, true),
            ("Foo.com", true, false),
            ("foo", false, false),
            ("foo_bar", false, false),
            ("local-host", false, false),
        ];
        for (input, domain, only_by_case) in cases {
            assert_eq!(looks_like_domain(input), domain, "{input}");
            assert_eq!(is_domain_only_by_case(input), only_by_case, "{input}");
        }
    }
}
