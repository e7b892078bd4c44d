//! Conformance: distribution/reference's published test cases
//! (`normalize_test.go`, `reference_test.go`), run through
//! `ParseNormalizedNamed`'s rules. The invalid ones sit with the rule they
//! break, in `parse.rs`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{Reference, Tag};

/// In inputs, `{S}` stands for a sha256 digest and `{L}` for a sha512 one.
const S: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

fn expand(s: &str) -> String {
    let sha512 = format!("sha512:{}", "f".repeat(128));
    s.replace("{S}", S).replace("{L}", &sha512)
}

fn parsed(input: &str) -> Reference {
    input.parse().unwrap_or_else(|e| panic!("{input}: {e}"))
}

/// TestValidateReferenceName and TestValidateRemoteName, valid halves, and
/// TestParseAnyReference's names.
#[test]
fn valid_names() {
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
        "dbcc1",
    ];
    for input in cases {
        parsed(input);
    }
}

/// TestParseRepositoryInfo: every spelling of a repository gives the same
/// domain, path, familiar name and full name. The first spelling is the
/// familiar one.
#[test]
fn repository_info() {
    // (domain, path, spellings separated by spaces)
    #[rustfmt::skip]
    let cases = [
        ("docker.io", "fooo/bar", "fooo/bar docker.io/fooo/bar index.docker.io/fooo/bar"),
        ("docker.io", "library/ubuntu", "ubuntu library/ubuntu docker.io/library/ubuntu"),
        ("docker.io", "nonlibrary/ubuntu", "nonlibrary/ubuntu docker.io/nonlibrary/ubuntu"),
        ("docker.io", "other/library", "other/library docker.io/other/library"),
        ("127.0.0.1:8000", "private/moonbase", "127.0.0.1:8000/private/moonbase"),
        ("127.0.0.1:8000", "privatebase", "127.0.0.1:8000/privatebase"),
        ("example.com", "private/moonbase", "example.com/private/moonbase"),
        ("example.com", "privatebase", "example.com/privatebase"),
        ("example.com:8000", "private/moonbase", "example.com:8000/private/moonbase"),
        ("example.com:8000", "privatebasee", "example.com:8000/privatebasee"),
        ("docker.io", "library/ubuntu-12.04-base", "ubuntu-12.04-base docker.io/library/ubuntu-12.04-base index.docker.io/library/ubuntu-12.04-base"),
        ("docker.io", "library/foo", "foo docker.io/library/foo docker.io/foo"),
        ("docker.io", "library/foo/bar", "library/foo/bar docker.io/library/foo/bar"),
        ("docker.io", "store/foo/bar", "store/foo/bar docker.io/store/foo/bar"),
        ("Foo", "bar", "Foo/bar"),
        ("FOO", "bar", "FOO/bar"),
    ];
    for (domain, path, spellings) in cases {
        let familiar = spellings.split(' ').next().unwrap_or_default();
        for input in spellings.split(' ') {
            let r = parsed(input);
            assert_eq!(r.domain(), domain, "{input}");
            assert_eq!(r.path(), path, "{input}");
            assert_eq!(r.familiar_name(), familiar, "{input}");
            assert_eq!(r.to_string(), format!("{domain}/{path}"), "{input}");
        }
    }
}

/// TestReferenceParse and TestNormalizedSplitHostname, normalised: each
/// input gives this domain, path, tag and digest.
#[test]
fn parts() {
    let max_path = format!("{}a", "a/".repeat(127));
    let max_input = format!("{max_path}:tag-puts-this-over-max");
    // (input, domain, path, tag or "", digest or "")
    #[rustfmt::skip]
    let cases = [
        ("test_com", "docker.io", "library/test_com", "", ""),
        ("test.com:tag", "docker.io", "library/test.com", "tag", ""),
        ("test.com:5000", "docker.io", "library/test.com", "5000", ""),
        ("test.com/repo:tag", "test.com", "repo", "tag", ""),
        ("test.com/foo", "test.com", "foo", "", ""),
        ("test:5000/repo", "test:5000", "repo", "", ""),
        ("test:5000/repo:tag", "test:5000", "repo", "tag", ""),
        ("test:5000/repo@{S}", "test:5000", "repo", "", "{S}"),
        ("test:5000/repo:tag@{S}", "test:5000", "repo", "tag", "{S}"),
        ("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", ""),
        (&max_input, "docker.io", &max_path, "tag-puts-this-over-max", ""),
        ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "", ""),
        ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", ""),
        ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", ""),
        ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", ""),
        ("xn--7o8h.com/myimage:xn--7o8h.com@{L}", "xn--7o8h.com", "myimage", "xn--7o8h.com", "{L}"),
        ("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", ""),
        ("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", ""),
        ("192.168.1.1", "docker.io", "library/192.168.1.1", "", ""),
        ("192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", ""),
        ("192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", ""),
        ("192.168.1.1/repo", "192.168.1.1", "repo", "", ""),
        ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", "", ""),
        ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""),
        ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", "", ""),
        ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", ""),
        ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "", ""),
        ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", ""),
        ("[2001:db8::1]:5000/repo@{S}", "[2001:db8::1]:5000", "repo", "", "{S}"),
        ("[2001:db8::1]:5000/repo:tag@{S}", "[2001:db8::1]:5000", "repo", "tag", "{S}"),
        ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "", ""),
        ("[::1]:5000/repo", "[::1]:5000", "repo", "", ""),
        ("localhost/repo", "localhost", "repo", "", ""),
        ("localhost", "docker.io", "library/localhost", "", ""),
        ("localhost:5000", "docker.io", "library/localhost", "5000", ""),
        ("test_com/foo", "docker.io", "test_com/foo", "", ""),
        ("docker/migrator", "docker.io", "docker/migrator", "", ""),
        ("test.com:8080/foo", "test.com:8080", "foo", "", ""),
        ("test-com:8080/foo", "test-com:8080", "foo", "", ""),
        ("foo", "docker.io", "library/foo", "", ""),
        ("xn--n3h.com/foo", "xn--n3h.com", "foo", "", ""),
        ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "", ""),
        ("docker.io/foo", "docker.io", "library/foo", "", ""),
        ("docker.io/library/foo", "docker.io", "library/foo", "", ""),
        ("docker.io/library/foo/bar", "docker.io", "library/foo/bar", "", ""),
        ("busybox:latest@{S}", "docker.io", "library/busybox", "latest", "{S}"),
    ];
    for (input, domain, path, tag, digest) in cases {
        let input = expand(input);
        let r = parsed(&input);
        assert_eq!(r.domain(), domain, "{input}");
        assert_eq!(r.path(), path, "{input}");
        assert_eq!(r.tag().map(Tag::as_str).unwrap_or_default(), tag, "{input}");
        let digest = expand(digest);
        assert_eq!(
            r.digest().map(ToString::to_string).unwrap_or_default(),
            digest,
            "{input}"
        );
    }
}

/// TestParseReferenceWithTagAndDigest: both survive, in both forms.
#[test]
fn tag_and_digest() {
    let short = expand("busybox:latest@{S}");
    let r = parsed(&short);
    assert_eq!(r.to_string(), format!("docker.io/library/{short}"));
    assert_eq!(r.familiar(), short);
}
