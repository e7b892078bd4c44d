//! The parser: distribution/reference's `ParseNormalizedNamed`, written out
//! as steps so each failure can name its rule and the part that broke it.

use crate::digest::Digest;

use super::Reference;
use super::domain::{
    DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX, has_uppercase, is_domain_only_by_case, split_domain,
    validate_domain,
};
use super::error::{ReferenceError, echo};
use super::path::{NAME_MAX_LEN, PathProblem, validate_path};
use super::tag::Tag;

/// Parses and normalises a reference, as `docker pull NAME` reads it.
pub(super) fn parse(input: &str) -> Result<Reference, ReferenceError> {
    if input.is_empty() {
        return Err(ReferenceError::Empty);
    }
    if let Some((scheme, _)) = input.split_once("://") {
        return Err(ReferenceError::HasScheme {
            input: echo(input),
            scheme: echo(scheme),
        });
    }
    if is_image_id(input) {
        return Err(ReferenceError::ImageId {
            input: input.to_owned(),
        });
    }

    // Neither the name nor the tag may hold '@', and the name part before the
    // first '/' may hold ':', so the digest is cut first, then the host, and
    // then the tag (a path never holds ':').
    let (name_and_tag, digest) = match input.split_once('@') {
        Some((name_and_tag, digest)) => (name_and_tag, Some(digest)),
        None => (input, None),
    };
    let (domain, remainder) = split_domain(name_and_tag);
    let (path, tag) = match remainder.split_once(':') {
        Some((path, tag)) => (path, Some(tag)),
        None => (remainder, None),
    };

    if let Err(problem) = validate_domain(domain) {
        // "Foo_Bar/x" was taken as a host only for its capital letters; what
        // the user most likely wrote is a repository name with capitals.
        if is_domain_only_by_case(domain) {
            return Err(ReferenceError::Uppercase {
                input: echo(input),
                name: echo(&format!("{domain}/{path}")),
            });
        }
        return Err(ReferenceError::InvalidDomain {
            input: echo(input),
            domain: echo(domain),
            problem,
        });
    }
    if path.is_empty() {
        return Err(ReferenceError::MissingName { input: echo(input) });
    }
    if has_uppercase(path) {
        return Err(ReferenceError::Uppercase {
            input: echo(input),
            name: echo(path),
        });
    }
    match validate_path(path) {
        Ok(()) => {}
        Err(PathProblem::EmptyComponent) => {
            return Err(ReferenceError::EmptyPathComponent {
                input: echo(input),
                name: echo(path),
            });
        }
        Err(PathProblem::InvalidComponent(component)) => {
            return Err(ReferenceError::InvalidPathComponent {
                input: echo(input),
                component: echo(component),
            });
        }
    }

    let path = if domain == DEFAULT_DOMAIN && !path.contains('/') {
        format!("{OFFICIAL_REPO_PREFIX}{path}")
    } else {
        path.to_owned()
    };
    if path.len() > NAME_MAX_LEN {
        return Err(ReferenceError::NameTooLong {
            input: echo(input),
            length: path.len(),
        });
    }

    let tag =
        tag.map(str::parse::<Tag>)
            .transpose()
            .map_err(|reason| ReferenceError::InvalidTag {
                input: echo(input),
                reason,
            })?;
    let digest = digest
        .map(str::parse::<Digest>)
        .transpose()
        .map_err(|reason| ReferenceError::InvalidDigest {
            input: echo(input),
            reason,
        })?;

    Ok(Reference {
        domain: domain.to_owned(),
        path,
        tag,
        digest,
    })
}

/// `[a-f0-9]{64}`: an image ID, which is never read as a name.
pub(super) fn is_image_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::reference::TagError;
    use crate::reference::domain::DomainProblem;

    const SHA256: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const HEX64: &str = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

    /// Parses or panics with the error: for inputs the test wrote itself.
    fn parsed(input: &str) -> Reference {
        parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    /// The expected error, less the echoed input (always the input itself).
    enum Want {
        Empty,
        Scheme(&'static str),
        ImageId,
        Missing,
        Domain(&'static str, DomainProblem),
        Upper(&'static str),
        EmptyComponent(&'static str),
        Component(&'static str),
        TooLong(usize),
        BadTag(TagError),
    }

    impl Want {
        fn for_input(self, input: &str) -> ReferenceError {
            let input = echo(input);
            let s = |s: &str| echo(s);
            match self {
                Want::Empty => ReferenceError::Empty,
                Want::Scheme(scheme) => ReferenceError::HasScheme {
                    input,
                    scheme: s(scheme),
                },
                Want::ImageId => ReferenceError::ImageId { input },
                Want::Missing => ReferenceError::MissingName { input },
                Want::Domain(domain, problem) => ReferenceError::InvalidDomain {
                    input,
                    domain: s(domain),
                    problem,
                },
                Want::Upper(name) => ReferenceError::Uppercase {
                    input,
                    name: s(name),
                },
                Want::EmptyComponent(name) => ReferenceError::EmptyPathComponent {
                    input,
                    name: s(name),
                },
                Want::Component(component) => ReferenceError::InvalidPathComponent {
                    input,
                    component: s(component),
                },
                Want::TooLong(length) => ReferenceError::NameTooLong { input, length },
                Want::BadTag(reason) => ReferenceError::InvalidTag { input, reason },
            }
        }
    }

    fn label(label: &str) -> DomainProblem {
        DomainProblem::InvalidLabel {
            label: label.to_owned(),
        }
    }

    /// Every rule, broken once, with the error that names it (including
    /// distribution/reference's invalid names).
    #[test]
    fn invalid_references() {
        use Want::*;
        let sha = format!("@{SHA256}");
        let long_namespace = format!("{}/docker", "this_is_not_a_valid_namespace".repeat(9));
        let too_long = format!("{}a:tag", "a/".repeat(128));
        let ipv6 = |address: &str| DomainProblem::InvalidIpv6 {
            address: address.to_owned(),
        };
        let tag_char = |tag: &str, character, position| TagError::InvalidCharacter {
            tag: tag.to_owned(),
            character,
            position,
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, Want)> = vec![
            ("", Empty),
            ("https://github.com/docker/docker", Scheme("https")),
            (HEX64, ImageId),
            (":justtag", Missing),
            (&sha, Missing),
            ("docker.io/", Missing),
            ("localhost/:tag", Missing),
            ("docker/Docker", Upper("docker/Docker")),
            ("docker.io/docker/Docker", Upper("docker/Docker")),
            ("Uppercase:tag", Upper("Uppercase")),
            ("test:5000/Uppercase/lowercase:tag", Upper("Uppercase/lowercase")),
            ("Foo_Bar/x", Upper("Foo_Bar/x")),
            ("Foo Bar", Upper("Foo Bar")),
            ("-docker", Component("-docker")),
            ("-docker/docker", Component("-docker")),
            ("docker-/docker", Component("docker-")),
            ("-docker-/docker", Component("-docker-")),
            ("____/____", Component("____")),
            ("_docker/_docker", Component("_docker")),
            ("docker/dock..er", Component("dock..er")),
            ("docker/dock_.er", Component("dock_.er")),
            ("docker/dock-.er", Component("dock-.er")),
            ("aa/asdf$$^/aa", Component("asdf$$^")),
            ("foo bar", Component("foo bar")),
            ("[fc00::1]", Component("[fc00")),
            ("[fc00::1]:5000", Component("[fc00")),
            ("[2001:db8::1]:tag", Component("[2001")),
            ("docker/", EmptyComponent("docker/")),
            ("/docker", EmptyComponent("/docker")),
            ("docker///docker", EmptyComponent("docker///docker")),
            ("docker.io/docker///docker", EmptyComponent("docker///docker")),
            ("dock..er/docker", Domain("dock..er", label(""))),
            ("dock_.er/docker", Domain("dock_.er", label("dock_"))),
            ("dock-.er/docker", Domain("dock-.er", label("dock-"))),
            ("-docker.io/docker/docker", Domain("-docker.io", label("-docker"))),
            ("foo_bar.com/x", Domain("foo_bar.com", label("foo_bar"))),
            ("fc00::1:5000/debian", Domain("fc00::1:5000", DomainProblem::UnbracketedIpv6)),
            ("[fe80::1%eth0]:5000/debian", Domain("[fe80::1%eth0]:5000", ipv6("[fe80::1%eth0]"))),
            ("[2001:db8:3:4::192.0.2.33]:5000/debian", Domain("[2001:db8:3:4::192.0.2.33]:5000", ipv6("[2001:db8:3:4::192.0.2.33]")),
            ),
            ("localhost:/x", Domain("localhost:", DomainProblem::EmptyPort)),
            ("foo:bar/baz", Domain("foo:bar", DomainProblem::InvalidPort { port: "bar".into() })),
            (&long_namespace, TooLong(268)),
            (&too_long, TooLong(257)),
            ("redis:", BadTag(TagError::Empty)),
            ("redis:-foo", BadTag(TagError::InvalidStart { tag: "-foo".into(), character: '-' })),
            ("redis:a:b", BadTag(tag_char("a:b", ':', 2))),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input), Err(want.for_input(input)), "{input}");
        }
    }

    #[test]
    fn invalid_digests() {
        let cases = [
            "repo@sha256:ffffffffffffffffffffffffffffffffff",
            "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "redis@",
            "redis@sha256",
            "redis@SHA256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "redis@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "redis@sha512:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "redis@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ];
        for input in cases {
            match parse(input) {
                Err(ReferenceError::InvalidDigest { input: echoed, .. }) => {
                    assert_eq!(echoed, echo(input));
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn name_length_counts_the_library_prefix() {
        // 247 + "library/" = 255: allowed. 248 + 8 = 256: too long.
        let ok = "a".repeat(247);
        assert_eq!(parsed(&ok).path().len(), 255);
        let long = "a".repeat(248);
        assert_eq!(
            parse(&long),
            Err(ReferenceError::NameTooLong {
                input: echo(&long),
                length: 256,
            })
        );
        // The host does not count.
        let hosted = format!("registry.example.com:5000/{}", "a".repeat(255));
        assert_eq!(parsed(&hosted).path().len(), 255);
    }

    #[test]
    fn image_ids() {
        let cases = [
            (HEX64, true),
            (&HEX64[..63], false),
            (&format!("{HEX64}0"), false),
            (&HEX64.to_uppercase(), false),
            (&format!("{}g", &HEX64[..63]), false),
        ];
        for (input, expected) in cases {
            assert_eq!(is_image_id(input), expected, "{input}");
        }
    }

    #[test]
    fn messages_name_the_rule_and_the_part() {
        #[rustfmt::skip]
        let cases = [
            ("Foo Bar", "invalid reference \"Foo Bar\": repository name \"Foo Bar\" must be lowercase"),
            ("docker/Docker:v1", "invalid reference \"docker/Docker:v1\": repository name \"docker/Docker\" must be lowercase"),
            ("redis:-x", "invalid reference \"redis:-x\": invalid tag \"-x\": a tag must start with a letter, digit or '_', not '-'"),
            ("a/b..c", "invalid reference \"a/b..c\": path component \"b..c\" must be lowercase"),
            ("example.com:port/x", "invalid reference \"example.com:port/x\": registry host \"example.com:port\" is invalid: port \"port\" must be digits"),
            ("redis@sha256:abc", "invalid reference \"redis@sha256:abc\": invalid sha256 digest: expected 64 hex characters, found 3"),
            (HEX64, "invalid reference \"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a\": a 64-character hexadecimal string is an image ID"),
            ("https://docker.io/redis", "invalid reference \"https://docker.io/redis\": a reference has no URL scheme (drop the leading \"https://\")"),
            ("", "invalid reference \"\": repository name must have at least one component"),
        ];
        for (input, message) in cases {
            let err = parse(input)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.starts_with(message),
                "{input}:\n  got  {err}\n  want {message}"
            );
        }
    }

    #[test]
    fn long_input_is_cut_in_errors() {
        let input = format!("{}/X", "a".repeat(10_000));
        let err = parse(&input)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.len() < 600, "{err}");
    }
}
