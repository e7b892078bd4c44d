//! [`ReferenceSummary`]: every form of a reference in one JSON object, for
//! `strata ref REF` and the API.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

use super::Reference;
use super::tag::Tag;

/// A parsed reference spelled out:
///
/// ```json
/// {"canonical":"docker.io/library/redis:7","familiar":"redis:7",
///  "domain":"docker.io","path":"library/redis","tag":"7","digest":null}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceSummary {
    /// The canonical full form: `docker.io/library/redis:7`.
    pub canonical: Reference,
    /// The familiar form: `redis:7`.
    pub familiar: String,
    /// The registry host: `docker.io`.
    pub domain: String,
    /// The repository path within the registry: `library/redis`.
    pub path: String,
    /// The tag, or `null`.
    pub tag: Option<Tag>,
    /// The digest, or `null`.
    pub digest: Option<Digest>,
}

impl Reference {
    /// Every form of this reference, as `strata ref` prints it.
    pub fn summary(&self) -> ReferenceSummary {
        ReferenceSummary {
            canonical: self.clone(),
            familiar: self.familiar(),
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: self.tag.clone(),
            digest: self.digest.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const SHA: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    #[test]
    fn summaries_as_json() {
        #[rustfmt::skip]
        let cases = [
            ("redis:7".to_owned(), r#"{"canonical":"docker.io/library/redis:7","familiar":"redis:7","domain":"docker.io","path":"library/redis","tag":"7","digest":null}"#.to_owned()),
            ("redis".into(), r#"{"canonical":"docker.io/library/redis","familiar":"redis","domain":"docker.io","path":"library/redis","tag":null,"digest":null}"#.into()),
            (format!("localhost:5000/team/app@{SHA}"), format!(r#"{{"canonical":"localhost:5000/team/app@{SHA}","familiar":"localhost:5000/team/app@{SHA}","domain":"localhost:5000","path":"team/app","tag":null,"digest":"{SHA}"}}"#),
            ),
        ];
        for (input, json) in cases {
            let reference: Reference = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            let summary = reference.summary();
            assert_eq!(
                serde_json::to_string(&summary).ok(),
                Some(json.clone()),
                "{input}"
            );
            assert_eq!(
                serde_json::from_str::<ReferenceSummary>(&json).ok(),
                Some(summary),
                "{input}"
            );
        }
    }
}
