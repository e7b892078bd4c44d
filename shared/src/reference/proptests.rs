//! Property tests: every reference survives its string forms.

use proptest::prelude::*;

use super::*;

/// A path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, kept short.
fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
}

fn domain() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("docker.io".to_owned()),
        Just("index.docker.io".to_owned()),
        Just("localhost".to_owned()),
        Just("[::1]:5000".to_owned()),
        "localhost:[0-9]{1,5}",
        "[a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){1,3}(:[0-9]{1,5})?",
        "[a-z0-9]{1,4}(-[a-zA-Z0-9]{1,4})?\\.[a-zA-Z]{2,4}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(:[0-9]{1,5})?",
        "\\[[a-f0-9]{1,4}(:[a-f0-9]{0,4}){2,6}\\](:[0-9]{1,5})?",
        "[A-Z][A-Za-z0-9]{0,6}",
    ]
}

/// Any valid reference string, with or without host, tag and digest.
fn reference_string() -> impl Strategy<Value = String> {
    (
        proptest::option::of(domain()),
        proptest::collection::vec(component(), 1..4),
        proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
        proptest::option::of(prop_oneof!["[a-f0-9]{64}", "[a-f0-9]{128}"]),
    )
        .prop_map(|(domain, mut path, tag, hex)| {
            // Without a host, a first component holding '.' would be read as
            // one; keep it a path component.
            if domain.is_none() {
                path[0] = path[0].replace('.', "-");
            }
            let mut s = match domain {
                Some(domain) => format!("{domain}/{}", path.join("/")),
                None => path.join("/"),
            };
            if let Some(tag) = tag {
                s.push(':');
                s.push_str(&tag);
            }
            if let Some(hex) = hex {
                let algorithm = if hex.len() == 64 { "sha256" } else { "sha512" };
                s.push_str(&format!("@{algorithm}:{hex}"));
            }
            s
        })
}

proptest! {
    #[test]
    fn display_parses_back(input in reference_string()) {
        let reference: Reference = input.parse().map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        prop_assert_eq!(reference.to_string().parse::<Reference>().ok(), Some(reference.clone()));
        prop_assert_eq!(reference.familiar().parse::<Reference>().ok(), Some(reference.clone()));
        let json = serde_json::to_string(&reference).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::from_str::<Reference>(&json).ok(), Some(reference.clone()));
    }

    #[test]
    fn proxy_path_reads_back(input in reference_string()) {
        let reference: Reference = input.parse().map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        let path = reference.proxy_path();
        let back = Reference::from_proxy_path(&path, Some(reference.manifest_reference()))
            .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
        prop_assert_eq!(back.proxy_path(), path);
        prop_assert_eq!(back.path(), reference.path());
        prop_assert_eq!(back.domain().to_ascii_lowercase(), reference.domain().to_ascii_lowercase());
    }

    #[test]
    fn familiar_name_matches_itself(input in reference_string()) {
        let reference: Reference = input.parse().map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        // A name without glob metacharacters is a pattern matching itself.
        let name = reference.familiar_name();
        if !name.contains(['[', ']']) {
            let pattern: ReferencePattern = name.parse().map_err(|e: PatternError| TestCaseError::fail(e.to_string()))?;
            prop_assert!(pattern.matches(&reference));
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        if let Ok(reference) = s.parse::<Reference>() {
            prop_assert_eq!(reference.to_string().parse::<Reference>().ok(), Some(reference));
        }
        let _ = s.parse::<ReferencePattern>().map(|p| p.as_str().len());
    }

    #[test]
    fn reference_like_strings_never_panic(s in "[a-zA-Z0-9:/@._\\[\\]-]{0,40}") {
        if let Ok(reference) = s.parse::<Reference>() {
            prop_assert_eq!(reference.to_string().parse::<Reference>().ok(), Some(reference.clone()));
            prop_assert_eq!(reference.familiar().parse::<Reference>().ok(), Some(reference));
        }
    }
}
