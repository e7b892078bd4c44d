//! [`ImagePredicate`]: image filters with their anchors resolved, ready to
//! test each image.

use time::OffsetDateTime;

use crate::reference::Reference;

use super::criteria::ImageCriteria;
use super::subject::ImageSubject;

/// The `images --filter` test for one image, made by
/// [`ImageFilters::resolve`](super::ImageFilters::resolve).
///
/// An image matches when every kind of filter given holds:
///
/// | filter | holds when |
/// | --- | --- |
/// | `before=` | the image was created strictly before the oldest anchor |
/// | `since=` | the image was created strictly after the newest anchor |
/// | `label=` | every label filter matches the image's labels |
/// | `reference=` | some pattern matches some tag or `name@digest` of the image |
/// | `dangling=true` | no tag names the image |
/// | `dangling=false` | a tag or `name@digest` names the image |
///
/// As in Docker, an image known only by `name@digest` counts as dangling for
/// `dangling=true` yet still shows for `dangling=false`, and a reference
/// filter never matches an image with no names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePredicate {
    criteria: ImageCriteria,
    before: Option<OffsetDateTime>,
    since: Option<OffsetDateTime>,
}

impl ImagePredicate {
    pub(super) fn new(
        criteria: ImageCriteria,
        before: Option<OffsetDateTime>,
        since: Option<OffsetDateTime>,
    ) -> ImagePredicate {
        ImagePredicate {
            criteria,
            before,
            since,
        }
    }

    /// Images must be created before this time (from `before=`).
    pub fn before(&self) -> Option<OffsetDateTime> {
        self.before
    }

    /// Images must be created after this time (from `since=`).
    pub fn since(&self) -> Option<OffsetDateTime> {
        self.since
    }

    /// Whether the image passes every filter.
    pub fn matches(&self, image: &ImageSubject) -> bool {
        if self.before.is_some_and(|before| image.created >= before) {
            return false;
        }
        if self.since.is_some_and(|since| image.created <= since) {
            return false;
        }
        self.criteria.matches(image)
    }

    /// Whether `reference` passes the `reference=` filters (always, if there
    /// are none).
    pub fn reference_matches(&self, reference: &Reference) -> bool {
        self.criteria.reference_matches(reference)
    }

    /// The references worth listing for a matching image: Docker's `images`
    /// shows only the tags and digests that a `reference=` filter matched.
    pub fn matching_references<'r>(&self, references: &'r [Reference]) -> Vec<&'r Reference> {
        references
            .iter()
            .filter(|reference| self.reference_matches(reference))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::collections::BTreeMap;

    use time::macros::datetime;

    use super::*;
    use crate::filter::{ImageFilters, ResolvedAnchors};

    const ID: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
    const SHA: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// An image: tags, `name@digest` references, labels, created month of
    /// 2024.
    fn image(tags: &[&str], digests: &[&str], labels: &[(&str, &str)], month: u8) -> ImageSubject {
        let reference = |s: &&str| s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        let created = datetime!(2024-01-01 0:00 UTC)
            .replace_month(time::Month::January.nth_next(month - 1))
            .unwrap_or_else(|e| panic!("{e}"));
        ImageSubject {
            id: ID.parse().unwrap_or_else(|e| panic!("{e}")),
            repo_tags: tags.iter().map(reference).collect(),
            repo_digests: digests.iter().map(reference).collect(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            created,
        }
    }

    fn anchors() -> ResolvedAnchors {
        [
            ("feb", datetime!(2024-02-01 0:00 UTC)),
            ("apr", datetime!(2024-04-01 0:00 UTC)),
            ("jun", datetime!(2024-06-01 0:00 UTC)),
        ]
        .into_iter()
        .collect()
    }

    fn predicate(filters: &[&str]) -> ImagePredicate {
        ImageFilters::parse(filters)
            .and_then(|f| f.resolve(&anchors()))
            .unwrap_or_else(|e| panic!("{filters:?}: {e}"))
    }

    #[test]
    fn each_filter_key() {
        let digest_only = format!("redis@{SHA}");
        let redis = image(
            &["redis:latest", "redis:7"],
            &[],
            &[("maintainer", "me")],
            3,
        );
        let app = image(
            &["localhost:5000/team/app:v1"],
            &[],
            &[("maintainer", "you"), ("tier", "web")],
            5,
        );
        let dangling = image(&[], &[], &[], 4);
        let pinned = image(&[], &[&digest_only], &[], 4);
        let cases: Vec<(&[&str], &ImageSubject, bool)> = vec![
            // No filters: everything.
            (&[], &redis, true),
            (&[], &dangling, true),
            // dangling
            (&["dangling=true"], &dangling, true),
            (&["dangling=true"], &redis, false),
            (&["dangling=true"], &pinned, true),
            (&["dangling=false"], &redis, true),
            (&["dangling=false"], &dangling, false),
            (&["dangling=false"], &pinned, true),
            // before / since are strict.
            (&["before=apr"], &redis, true),
            (&["before=apr"], &app, false),
            (&["before=apr"], &dangling, false),
            (&["since=apr"], &app, true),
            (&["since=apr"], &dangling, false),
            (&["since=apr"], &redis, false),
            (&["since=feb", "before=jun"], &redis, true),
            (&["since=feb", "before=apr"], &app, false),
            // label
            (&["label=maintainer"], &redis, true),
            (&["label=maintainer"], &dangling, false),
            (&["label=maintainer=me"], &redis, true),
            (&["label=maintainer=me"], &app, false),
            (&["label=tier=web"], &app, true),
            // reference: tag or name, familiar form.
            (&["reference=redis"], &redis, true),
            (&["reference=*:latest"], &redis, true),
            (&["reference=*:8"], &redis, false),
            (&["reference=localhost:5000/*/*"], &app, true),
            (&["reference=localhost:5000/*"], &app, false),
            (&["reference=team/*"], &app, false),
            (&["reference=*"], &dangling, false),
            (&["reference=redis"], &pinned, true),
            (&["reference=redis@sha256:*"], &pinned, true),
        ];
        for (filters, subject, expected) in cases {
            assert_eq!(
                predicate(filters).matches(subject),
                expected,
                "{filters:?} on {:?}",
                subject.repo_tags
            );
        }
    }

    #[test]
    fn same_key_ors_except_label_and_anchors_different_keys_and() {
        let redis = image(&["redis:7"], &[], &[("a", "1"), ("b", "2")], 3);
        #[rustfmt::skip]
        let cases: [(&[&str], bool); 12] = [
            // reference ORs.
            (&["reference=nginx", "reference=redis"], true),
            (&["reference=nginx", "reference=alpine"], false),
            // label ANDs.
            (&["label=a", "label=b"], true),
            (&["label=a", "label=c"], false),
            (&["label=a=1", "label=b=3"], false),
            // before / since: the strictest anchor (Docker ANDs them).
            (&["before=jun", "before=feb"], false),
            (&["before=jun", "before=apr"], true),
            (&["since=feb", "since=apr"], false),
            // Different keys AND.
            (&["reference=redis", "label=a"], true),
            (&["reference=redis", "label=c"], false),
            (&["reference=redis", "dangling=true"], false),
            (&["reference=redis", "dangling=false", "label=a=1", "since=feb", "before=apr"], true),
        ];
        for (filters, expected) in cases {
            assert_eq!(predicate(filters).matches(&redis), expected, "{filters:?}");
        }
    }

    #[test]
    fn matching_references_keeps_only_matched_tags() {
        let redis = image(&["redis:latest", "redis:7", "cache:latest"], &[], &[], 3);
        #[rustfmt::skip]
        let cases: [(&[&str], &[&str]); 3] = [
            (&[], &["redis:latest", "redis:7", "cache:latest"]),
            (&["reference=*:latest"], &["redis:latest", "cache:latest"]),
            (&["reference=redis:7", "reference=cache"], &["redis:7", "cache:latest"]),
        ];
        for (filters, expected) in cases {
            let shown: Vec<String> = predicate(filters)
                .matching_references(&redis.repo_tags)
                .iter()
                .map(|r| r.familiar())
                .collect();
            assert_eq!(shown, expected, "{filters:?}");
        }
    }
}
