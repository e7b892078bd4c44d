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

    let tag = tag
        .map(str::parse::<Tag>)
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
    use crate::reference::domain::DomainProblem;

    const SHA256: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const HEX64: &str = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

    /// Parses or panics with the error: for inputs the test wrote itself.
    fn parsed(input: &str) -> Reference {
        parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    /// distribution/reference's TestValidateReferenceName and
    /// TestValidateRemoteName, valid half.
    #[test]
    fn docker_valid_names() {
        let cases = [
            "docker/docker",
            "library/debian",
            "debian",
            "docker.io/docker/docker",
            "docker.io/library/debian",
            "docker.io/debian",
            "index.docker.io/docker/docker",
            "index.docker.io/library/debian",
            "index.docker.io/debian",
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/library/debian",
            "127.0.0.1:5000/debian",
            "192.168.0.1",
            "192.168.0.1:80",
            "192.168.0.1:8/debian",
            "192.168.0.2:25000/debian",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "[fc00::1]:5000/docker",
            "[fc00::1]:5000/docker/docker",
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "Docker/docker",
            "DOCKER/docker",
            "docker-rules/docker",
            "docker---rules/docker",
            "doc/docker",
            "d/docker",
            "jess/t",
            "dock__er/docker",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:tag",
            "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
        ];
        for input in cases {
            parsed(input);
        }
    }

    /// Every rule, broken once, with the error that names it.
    #[test]
    fn invalid_references() {
        use ReferenceError::*;
        let i = |s: &str| s.to_owned();
        let long_namespace = format!("{}/docker", "this_is_not_a_valid_namespace".repeat(9));
        let too_long = format!("{}a:tag", "a/".repeat(128));
        let cases: Vec<(&str, ReferenceError)> = vec![
            ("", Empty),
            (
                "https://github.com/docker/docker",
                HasScheme {
                    input: i("https://github.com/docker/docker"),
                    scheme: i("https"),
                },
            ),
            (HEX64, ImageId { input: i(HEX64) }),
            (":justtag", MissingName { input: i(":justtag") }),
            (
                "@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                MissingName {
                    input: format!("@{SHA256}"),
                },
            ),
            (
                "docker.io/",
                MissingName {
                    input: i("docker.io/"),
                },
            ),
            (
                "localhost/:tag",
                MissingName {
                    input: i("localhost/:tag"),
                },
            ),
            (
                "docker/Docker",
                Uppercase {
                    input: i("docker/Docker"),
                    name: i("docker/Docker"),
                },
            ),
            (
                "docker.io/docker/Docker",
                Uppercase {
                    input: i("docker.io/docker/Docker"),
                    name: i("docker/Docker"),
                },
            ),
            (
                "Uppercase:tag",
                Uppercase {
                    input: i("Uppercase:tag"),
                    name: i("Uppercase"),
                },
            ),
            (
                "test:5000/Uppercase/lowercase:tag",
                Uppercase {
                    input: i("test:5000/Uppercase/lowercase:tag"),
                    name: i("Uppercase/lowercase"),
                },
            ),
            (
                "Foo_Bar/x",
                Uppercase {
                    input: i("Foo_Bar/x"),
                    name: i("Foo_Bar/x"),
                },
            ),
            (
                "Foo Bar",
                Uppercase {
                    input: i("Foo Bar"),
                    name: i("Foo Bar"),
                },
            ),
            (
                "-docker",
                InvalidPathComponent {
                    input: i("-docker"),
                    component: i("-docker"),
                },
            ),
            (
                "-docker/docker",
                InvalidPathComponent {
                    input: i("-docker/docker"),
                    component: i("-docker"),
                },
            ),
            (
                "docker-/docker",
                InvalidPathComponent {
                    input: i("docker-/docker"),
                    component: i("docker-"),
                },
            ),
            (
                "-docker-/docker",
                InvalidPathComponent {
                    input: i("-docker-/docker"),
                    component: i("-docker-"),
                },
            ),
            (
                "____/____",
                InvalidPathComponent {
                    input: i("____/____"),
                    component: i("____"),
                },
            ),
            (
                "_docker/_docker",
                InvalidPathComponent {
                    input: i("_docker/_docker"),
                    component: i("_docker"),
                },
            ),
            (
                "dock..er/docker",
                InvalidPathComponent {
                    input: i("dock..er/docker"),
                    component: i("dock..er"),
                },
            ),
            (
                "dock_.er/docker",
                InvalidPathComponent {
                    input: i("dock_.er/docker"),
                    component: i("dock_.er"),
                },
            ),
            (
                "dock-.er/docker",
                InvalidPathComponent {
                    input: i("dock-.er/docker"),
                    component: i("dock-.er"),
                },
            ),
            (
                "aa/asdf$$^/aa",
                InvalidPathComponent {
                    input: i("aa/asdf$$^/aa"),
                    component: i("asdf$$^"),
                },
            ),
            (
                "foo bar",
                InvalidPathComponent {
                    input: i("foo bar"),
                    component: i("foo bar"),
                },
            ),
            (
                "docker/",
                EmptyPathComponent {
                    input: i("docker/"),
                    name: i("docker/"),
                },
            ),
            (
                "docker///docker",
                EmptyPathComponent {
                    input: i("docker///docker"),
                    name: i("docker///docker"),
                },
            ),
            (
                "docker.io/docker///docker",
                EmptyPathComponent {
                    input: i("docker.io/docker///docker"),
                    name: i("docker///docker"),
                },
            ),
            (
                "/docker",
                EmptyPathComponent {
                    input: i("/docker"),
                    name: i("/docker"),
                },
            ),
            (
                "-docker.io/docker/docker",
                InvalidDomain {
                    input: i("-docker.io/docker/docker"),
                    domain: i("-docker.io"),
                    problem: DomainProblem::InvalidLabel {
                        label: i("-docker"),
                    },
                },
            ),
            (
                "[fc00::1]",
                InvalidPathComponent {
                    input: i("[fc00::1]"),
                    component: i("[fc00"),
                },
            ),
            (
                "[fc00::1]:5000",
                InvalidPathComponent {
                    input: i("[fc00::1]:5000"),
                    component: i("[fc00"),
                },
            ),
            (
                "[2001:db8::1]:tag",
                InvalidPathComponent {
                    input: i("[2001:db8::1]:tag"),
                    component: i("[2001"),
                },
            ),
            (
                "fc00::1:5000/debian",
                InvalidDomain {
                    input: i("fc00::1:5000/debian"),
                    domain: i("fc00::1:5000"),
                    problem: DomainProblem::UnbracketedIpv6,
                },
            ),
            (
                "[fe80::1%eth0]:5000/debian",
                InvalidDomain {
                    input: i("[fe80::1%eth0]:5000/debian"),
                    domain: i("[fe80::1%eth0]:5000"),
                    problem: DomainProblem::InvalidIpv6 {
                        address: i("[fe80::1%eth0]"),
                    },
                },
            ),
            (
                "[2001:db8:3:4::192.0.2.33]:5000/debian",
                InvalidDomain {
                    input: i("[2001:db8:3:4::192.0.2.33]:5000/debian"),
                    domain: i("[2001:db8:3:4::192.0.2.33]:5000"),
                    problem: DomainProblem::InvalidIpv6 {
                        address: i("[2001:db8:3:4::192.0.2.33]"),
                    },
                },
            ),
            (
                "foo_bar.com/x",
                InvalidDomain {
                    input: i("foo_bar.com/x"),
                    domain: i("foo_bar.com"),
                    problem: DomainProblem::InvalidLabel {
                        label: i("foo_bar"),
                    },
                },
            ),
            (
                "localhost:/x",
                InvalidDomain {
                    input: i("localhost:/x"),
                    domain: i("localhost:"),
                    problem: DomainProblem::EmptyPort,
                },
            ),
            (
                "foo:bar/baz",
                InvalidDomain {
                    input: i("foo:bar/baz"),
                    domain: i("foo:bar"),
                    problem: DomainProblem::InvalidPort { port: i("bar") },
                },
            ),
            (
                &long_namespace,
                NameTooLong {
                    input: echo(&long_namespace),
                    length: 268,
                },
            ),
            (
                &too_long,
                NameTooLong {
                    input: echo(&too_long),
                    length: 257,
                },
            ),
            (
                "redis:",
                InvalidTag {
                    input: i("redis:"),
                    reason: crate::reference::TagError::Empty,
                },
            ),
            (
                "redis:-foo",
                InvalidTag {
                    input: i("redis:-foo"),
                    reason: crate::reference::TagError::InvalidStart {
                        tag: i("-foo"),
                        character: '-',
                    },
                },
            ),
            (
                "redis:a:b",
                InvalidTag {
                    input: i("redis:a:b"),
                    reason: crate::reference::TagError::InvalidCharacter {
                        tag: i("a:b"),
                        character: ':',
                        position: 2,
                    },
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected), "{input}");
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

    /// distribution/reference's TestParseRepositoryInfo: every spelling of a
    /// name gives the same domain, path, familiar name and full name.
    #[test]
    fn repository_info() {
        // (path, familiar, full, other spellings)
        let cases: [(&str, &str, &str, &[&str]); 16] = [
            (
                "fooo/bar",
                "fooo/bar",
                "docker.io/fooo/bar",
                &["index.docker.io/fooo/bar"],
            ),
            (
                "library/ubuntu",
                "ubuntu",
                "docker.io/library/ubuntu",
                &["library/ubuntu", "docker.io/ubuntu"],
            ),
            (
                "nonlibrary/ubuntu",
                "nonlibrary/ubuntu",
                "docker.io/nonlibrary/ubuntu",
                &[],
            ),
            ("other/library", "other/library", "docker.io/other/library", &[]),
            (
                "private/moonbase",
                "127.0.0.1:8000/private/moonbase",
                "127.0.0.1:8000/private/moonbase",
                &[],
            ),
            (
                "privatebase",
                "127.0.0.1:8000/privatebase",
                "127.0.0.1:8000/privatebase",
                &[],
            ),
            (
                "private/moonbase",
                "example.com/private/moonbase",
                "example.com/private/moonbase",
                &[],
            ),
            (
                "privatebase",
                "example.com/privatebase",
                "example.com/privatebase",
                &[],
            ),
            (
                "private/moonbase",
                "example.com:8000/private/moonbase",
                "example.com:8000/private/moonbase",
                &[],
            ),
            (
                "privatebasee",
                "example.com:8000/privatebasee",
                "example.com:8000/privatebasee",
                &[],
            ),
            (
                "library/ubuntu-12.04-base",
                "ubuntu-12.04-base",
                "docker.io/library/ubuntu-12.04-base",
                &["index.docker.io/library/ubuntu-12.04-base"],
            ),
            (
                "library/foo",
                "foo",
                "docker.io/library/foo",
                &["docker.io/foo"],
            ),
            (
                "library/foo/bar",
                "library/foo/bar",
                "docker.io/library/foo/bar",
                &[],
            ),
            (
                "store/foo/bar",
                "store/foo/bar",
                "docker.io/store/foo/bar",
                &[],
            ),
            ("bar", "Foo/bar", "Foo/bar", &[]),
            ("bar", "FOO/bar", "FOO/bar", &[]),
        ];
        for (path, familiar, full, others) in cases {
            let domain = full.strip_suffix(path).and_then(|d| d.strip_suffix('/'));
            for input in [familiar, full].iter().chain(others) {
                let r = parsed(input);
                assert_eq!(Some(r.domain()), domain, "{input}");
                assert_eq!(r.path(), path, "{input}");
                assert_eq!(r.familiar_name(), familiar, "{input}");
                assert_eq!(r.to_string(), full, "{input}");
            }
        }
    }

    /// distribution/reference's TestReferenceParse, normalised: every case
    /// gives (domain, path, tag, digest).
    #[test]
    fn parts() {
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let max_path = format!("{}a", "a/".repeat(127));
        let max_input = format!("{max_path}:tag-puts-this-over-max");
        let with_sha512 = format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}");
        let cases: Vec<(&str, &str, &str, Option<&str>, Option<&str>)> = vec![
            ("test_com", "docker.io", "library/test_com", None, None),
            ("test.com:tag", "docker.io", "library/test.com", Some("tag"), None),
            ("test.com:5000", "docker.io", "library/test.com", Some("5000"), None),
            ("test.com/repo:tag", "test.com", "repo", Some("tag"), None),
            ("test:5000/repo", "test:5000", "repo", None, None),
            ("test:5000/repo:tag", "test:5000", "repo", Some("tag"), None),
            (
                "test:5000/repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "test:5000",
                "repo",
                None,
                Some(SHA256),
            ),
            (
                "test:5000/repo:tag@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "test:5000",
                "repo",
                Some("tag"),
                Some(SHA256),
            ),
            ("lowercase:Uppercase", "docker.io", "library/lowercase", Some("Uppercase"), None),
            (&max_input, "docker.io", &max_path, Some("tag-puts-this-over-max"), None),
            ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
            (
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                "sub-dom1.foo.com",
                "bar/baz/quux",
                Some("some-long-tag"),
                None,
            ),
            (
                "b.gcr.io/test.example.com/my-app:test.example.com",
                "b.gcr.io",
                "test.example.com/my-app",
                Some("test.example.com"),
                None,
            ),
            ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", Some("xn--n3h.com"), None),
            (&with_sha512, "xn--7o8h.com", "myimage", Some("xn--7o8h.com"), Some(&sha512)),
            ("foo_bar.com:8080", "docker.io", "library/foo_bar.com", Some("8080"), None),
            ("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", Some("8080"), None),
            ("192.168.1.1", "docker.io", "library/192.168.1.1", None, None),
            ("192.168.1.1:tag", "docker.io", "library/192.168.1.1", Some("tag"), None),
            ("192.168.1.1:5000", "docker.io", "library/192.168.1.1", Some("5000"), None),
            ("192.168.1.1/repo", "192.168.1.1", "repo", None, None),
            ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", None, None),
            ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", Some("5050"), None),
            ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None),
            ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", Some("tag"), None),
            ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", None, None),
            ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", Some("tag"), None),
            (
                "[2001:db8::1]:5000/repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "[2001:db8::1]:5000",
                "repo",
                None,
                Some(SHA256),
            ),
            ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", None, None),
            ("[::1]:5000/repo", "[::1]:5000", "repo", None, None),
            ("localhost/repo", "localhost", "repo", None, None),
            ("localhost", "docker.io", "library/localhost", None, None),
            ("localhost:5000", "docker.io", "library/localhost", Some("5000"), None),
            ("test_com/foo", "docker.io", "test_com/foo", None, None),
            ("docker/migrator", "docker.io", "docker/migrator", None, None),
            ("test-com:8080/foo", "test-com:8080", "foo", None, None),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", None, None),
            ("docker.io/library/foo/bar", "docker.io", "library/foo/bar", None, None),
            ("dbcc1", "docker.io", "library/dbcc1", None, None),
            (
                "busybox:latest@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "docker.io",
                "library/busybox",
                Some("latest"),
                Some(SHA256),
            ),
        ];
        for (input, domain, path, tag, digest) in cases {
            let r = parsed(input);
            assert_eq!(r.domain(), domain, "{input}");
            assert_eq!(r.path(), path, "{input}");
            assert_eq!(r.tag().map(Tag::as_str), tag, "{input}");
            assert_eq!(r.digest().map(ToString::to_string).as_deref(), digest, "{input}");
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
        let cases = [
            (
                "Foo Bar",
                "invalid reference \"Foo Bar\": repository name \"Foo Bar\" must be lowercase",
            ),
            (
                "docker/Docker:v1",
                "invalid reference \"docker/Docker:v1\": repository name \"docker/Docker\" must be lowercase",
            ),
            (
                "redis:-x",
                "invalid reference \"redis:-x\": invalid tag \"-x\": a tag must start with a letter, digit or '_', not '-'",
            ),
            (
                "a/b..c",
                "invalid reference \"a/b..c\": path component \"b..c\" must be lowercase",
            ),
            (
                "example.com:port/x",
                "invalid reference \"example.com:port/x\": registry host \"example.com:port\" is invalid: port \"port\" must be digits",
            ),
            (
                "redis@sha256:abc",
                "invalid reference \"redis@sha256:abc\": invalid sha256 digest: expected 64 hex characters, found 3",
            ),
            (
                HEX64,
                "invalid reference \"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a\": a 64-character hexadecimal string is an image ID",
            ),
            (
                "https://docker.io/redis",
                "invalid reference \"https://docker.io/redis\": a reference has no URL scheme (drop the leading \"https://\")",
            ),
            ("", "invalid reference \"\": repository name must have at least one component"),
        ];
        for (input, message) in cases {
            let err = parse(input).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.starts_with(message), "{input}:\n  got  {err}\n  want {message}");
        }
    }

    #[test]
    fn long_input_is_cut_in_errors() {
        let input = format!("{}/X", "a".repeat(10_000));
        let err = parse(&input).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.len() < 600, "{err}");
    }
}
