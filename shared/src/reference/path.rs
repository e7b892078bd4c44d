//! Repository paths: `component ("/" component)*`, where a component is
//! `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.

/// Longest repository path, in characters, counted after the `library/`
/// default (distribution/reference's `RepositoryNameTotalLengthMax`).
pub const NAME_MAX_LEN: usize = 255;

/// Why a path component is rejected.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PathProblem<'a> {
    /// `a//b`, `a/` or `/a`.
    EmptyComponent,
    /// A component that breaks the component rule.
    InvalidComponent(&'a str),
}

/// Checks every component of a lowercase repository path.
pub(super) fn validate_path(path: &str) -> Result<(), PathProblem<'_>> {
    for component in path.split('/') {
        if component.is_empty() {
            return Err(PathProblem::EmptyComponent);
        }
        if !is_valid_component(component) {
            return Err(PathProblem::InvalidComponent(component));
        }
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`: runs of lowercase alphanumerics,
/// joined by one `.`, one `_`, two `_`, or any number of `-`.
fn is_valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        // An alphanumeric run.
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        // A separator.
        let separator = &bytes[i..];
        i += match separator {
            [b'_', b'_', ..] => 2,
            [b'.' | b'_', ..] => 1,
            [b'-', ..] => separator.iter().take_while(|&&b| b == b'-').count(),
            _ => return false,
        };
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn components() {
        let cases = [
            ("a", true),
            ("redis", true),
            ("0", true),
            ("ubuntu-12.04-base", true),
            ("docker-rules", true),
            ("docker---rules", true),
            ("dock__er", true),
            ("dock_er", true),
            ("dock.er", true),
            ("a.b_c__d-e--f", true),
            ("", false),
            ("-docker", false),
            ("docker-", false),
            ("-docker-", false),
            ("_docker", false),
            ("____", false),
            ("dock___er", false),
            ("dock..er", false),
            ("dock_.er", false),
            ("dock-.er", false),
            ("dock.-er", false),
            ("docker.", false),
            ("Docker", false),
            ("asdf$$^", false),
            ("caf\u{e9}", false),
            ("a b", false),
        ];
        for (input, valid) in cases {
            assert_eq!(is_valid_component(input), valid, "{input:?}");
        }
    }

    #[test]
    fn paths() {
        #[rustfmt::skip]
        let cases = [
            ("library/redis", Ok(())),
            ("a/b/c/d", Ok(())),
            ("docker/", Err(PathProblem::EmptyComponent)),
            ("/docker", Err(PathProblem::EmptyComponent)),
            ("docker///docker", Err(PathProblem::EmptyComponent)),
            ("a/-b/c", Err(PathProblem::InvalidComponent("-b"))),
            ("aa/asdf$$^/aa", Err(PathProblem::InvalidComponent("asdf$$^"))),
        ];
        for (input, expected) in cases {
            assert_eq!(validate_path(input), expected, "{input:?}");
        }
    }
}
