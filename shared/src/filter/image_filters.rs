//! [`ImageFilters`]: the parsed `images --filter` list.

use serde::{Deserialize, Serialize};

use crate::reference::ReferencePattern;

use super::args::{push_unique, set_bool, split};
use super::criteria::ImageCriteria;
use super::error::FilterError;
use super::label::LabelFilter;
use super::predicate::ImagePredicate;
use super::subject::ResolvedAnchors;

const SUPPORTED: &str = "before, dangling, label, reference, since";

/// `dangling=` spellings, as Docker's `GetBoolOrDefault` reads them.
const DANGLING: &[(&str, bool)] = &[("true", true), ("1", true), ("false", false), ("0", false)];

/// A parsed `images --filter` list.
///
/// Build it with [`ImageFilters::parse`]. It serialises as the list of
/// `key=value` strings it was parsed from (in a canonical order), so it can
/// travel in the JSON API and be parsed again on the other side.
///
/// `before=` and `since=` name images that only the caller can look up:
/// pass each name from [`ImageFilters::anchors`] to the image store, then
/// [`ImageFilters::resolve`] the found times into an [`ImagePredicate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct ImageFilters {
    /// `dangling=`, `label=` and `reference=`.
    criteria: ImageCriteria,
    before: Vec<String>,
    since: Vec<String>,
}

impl ImageFilters {
    /// Parses `key=value` filters, as given to `--filter`.
    ///
    /// Keys are `dangling`, `before`, `since`, `label` and `reference`; any
    /// other key, a value a key does not accept, or `dangling` given both
    /// `true` and `false` is an error naming it.
    pub fn parse<I, S>(filters: I) -> Result<ImageFilters, FilterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = ImageFilters::default();
        for filter in filters {
            let arg = split(filter.as_ref())?;
            let value = arg.value;
            match arg.key.as_str() {
                "dangling" => set_bool(
                    &mut parsed.criteria.dangling,
                    "dangling",
                    value,
                    DANGLING,
                    "expected true or false",
                )?,
                "label" => push_unique(&mut parsed.criteria.labels, value.parse()?),
                "before" => push_unique(&mut parsed.before, image_name("before", value)?),
                "since" => push_unique(&mut parsed.since, image_name("since", value)?),
                "reference" => {
                    let pattern = value
                        .parse()
                        .map_err(|reason| FilterError::InvalidPattern {
                            pattern: value.to_owned(),
                            reason,
                        })?;
                    push_unique(&mut parsed.criteria.references, pattern);
                }
                _ => {
                    return Err(FilterError::UnknownKey {
                        key: arg.key,
                        supported: SUPPORTED,
                    });
                }
            }
        }
        Ok(parsed)
    }

    /// Whether no filter was given: every image matches.
    pub fn is_empty(&self) -> bool {
        *self == ImageFilters::default()
    }

    /// `dangling=`: `Some(true)` keeps only untagged images, `Some(false)`
    /// only named ones.
    pub fn dangling(&self) -> Option<bool> {
        self.criteria.dangling
    }

    /// `label=` filters; an image must match all of them.
    pub fn labels(&self) -> &[LabelFilter] {
        &self.criteria.labels
    }

    /// `before=` image names; an image must be older than all of them.
    pub fn before(&self) -> &[String] {
        &self.before
    }

    /// `since=` image names; an image must be newer than all of them.
    pub fn since(&self) -> &[String] {
        &self.since
    }

    /// `reference=` patterns; an image must match one of them.
    pub fn references(&self) -> &[ReferencePattern] {
        &self.criteria.references
    }

    /// The image names (name, name:tag or ID prefix, as written) that
    /// `before=` and `since=` give, each once: look these up, then call
    /// [`ImageFilters::resolve`].
    pub fn anchors(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for name in self.before.iter().chain(&self.since) {
            push_unique(&mut names, name.as_str());
        }
        names
    }

    /// Binds the looked-up created times of the anchor images, giving the
    /// predicate to run over each image.
    ///
    /// Several `before=` keep images older than the oldest anchor, and
    /// several `since=` keep images newer than the newest one, as Docker
    /// does. A name missing from `anchors` is a `no such image` error.
    pub fn resolve(&self, anchors: &ResolvedAnchors) -> Result<ImagePredicate, FilterError> {
        let lookup = |key: &'static str, name: &String| {
            anchors.get(name).ok_or_else(|| FilterError::NoSuchImage {
                key,
                name: name.clone(),
            })
        };
        let before = self
            .before
            .iter()
            .map(|name| lookup("before", name))
            .collect::<Result<Vec<_>, _>>()?;
        let since = self
            .since
            .iter()
            .map(|name| lookup("since", name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ImagePredicate::new(
            self.criteria.clone(),
            before.into_iter().min(),
            since.into_iter().max(),
        ))
    }

    /// The filters as `key=value` strings, in the order dangling, label,
    /// before, since, reference. [`ImageFilters::parse`] reads them back.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(dangling) = self.criteria.dangling {
            args.push(format!("dangling={dangling}"));
        }
        args.extend(self.labels().iter().map(|l| format!("label={l}")));
        args.extend(self.before.iter().map(|b| format!("before={b}")));
        args.extend(self.since.iter().map(|s| format!("since={s}")));
        args.extend(self.references().iter().map(|r| format!("reference={r}")));
        args
    }
}

/// `before=` and `since=` take a name, name:tag or ID (prefix), checked by
/// the caller's lookup; here it must only be there.
fn image_name(key: &'static str, value: &str) -> Result<String, FilterError> {
    if value.is_empty() {
        return Err(FilterError::InvalidValue {
            key,
            value: String::new(),
            expected: "expected an image name, name:tag or ID",
        });
    }
    Ok(value.to_owned())
}

impl TryFrom<Vec<String>> for ImageFilters {
    type Error = FilterError;

    fn try_from(filters: Vec<String>) -> Result<Self, Self::Error> {
        ImageFilters::parse(filters)
    }
}

impl From<ImageFilters> for Vec<String> {
    fn from(filters: ImageFilters) -> Self {
        filters.to_args()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;

    fn parse(filters: &[&str]) -> ImageFilters {
        ImageFilters::parse(filters).unwrap_or_else(|e| panic!("{filters:?}: {e}"))
    }

    fn error(filters: &[&str]) -> String {
        ImageFilters::parse(filters)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{filters:?} parsed"))
    }

    #[test]
    fn every_key_parses() {
        let f = parse(&[
            "dangling=true",
            "label=maintainer",
            "label=version=1.0",
            "before=redis:7",
            "since=3f2a",
            "reference=*:latest",
            "reference=lovelearnlinux/*",
        ]);
        assert_eq!(f.dangling(), Some(true));
        let labels: Vec<String> = f.labels().iter().map(ToString::to_string).collect();
        assert_eq!(labels, ["maintainer", "version=1.0"]);
        assert_eq!(f.before(), ["redis:7"]);
        assert_eq!(f.since(), ["3f2a"]);
        let references: Vec<&str> = f
            .references()
            .iter()
            .map(ReferencePattern::as_str)
            .collect();
        assert_eq!(references, ["*:latest", "lovelearnlinux/*"]);
        assert_eq!(f.anchors(), ["redis:7", "3f2a"]);
        assert!(!f.is_empty());
        assert!(parse(&[]).is_empty());
    }

    #[test]
    fn dangling_values() {
        let cases = [
            (&["dangling=true"][..], Some(true)),
            (&["dangling=1"], Some(true)),
            (&["dangling=false"], Some(false)),
            (&["dangling=0"], Some(false)),
            (&[" DANGLING = true "], Some(true)),
            (&["dangling=true", "dangling=1"], Some(true)),
            (&["dangling=false", "dangling=false"], Some(false)),
            (&[], None),
        ];
        for (filters, expected) in cases {
            assert_eq!(parse(filters).dangling(), expected, "{filters:?}");
        }
    }

    #[test]
    fn errors_name_the_filter() {
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 14] = [
            (&["foo=bar"], "invalid filter 'foo' (supported filters: before, dangling, label, reference, since)"),
            (&["until=1h"], "invalid filter 'until'"),
            (&["is-official=true"], "invalid filter 'is-official'"),
            (&["dangling"], "bad format of filter 'dangling' (expected name=value)"),
            (&["dangling=maybe"], "invalid filter 'dangling=maybe': expected true or false"),
            (&["dangling=TRUE"], "invalid filter 'dangling=TRUE': expected true or false"),
            (&["dangling="], "invalid filter 'dangling=': expected true or false"),
            (&["dangling=true", "dangling=false"], "invalid filter 'dangling=true,false': conflicting values (give 'dangling' one value)"),
            (&["dangling=0", "dangling=1"], "invalid filter 'dangling=false,true': conflicting values"),
            (&["label="], "invalid filter 'label=': expected a label key, as label=KEY or label=KEY=VALUE"),
            (&["label==x"], "invalid filter 'label==x': expected a label key"),
            (&["before="], "invalid filter 'before=': expected an image name, name:tag or ID"),
            (&["since= "], "invalid filter 'since=': expected an image name"),
            (&["reference=[-x]"], "invalid filter 'reference=[-x]': invalid reference pattern \"[-x]\": syntax error in pattern: '-' at position 2"),
        ];
        for (filters, message) in cases {
            let err = error(filters);
            assert!(
                err.starts_with(message),
                "{filters:?}:\n  got  {err}\n  want {message}"
            );
        }
    }

    #[test]
    fn first_error_wins() {
        assert_eq!(
            error(&["dangling=true", "foo=1", "dangling=x"]),
            error(&["foo=1"])
        );
    }

    #[test]
    fn repeated_values_are_kept_once() {
        let f = parse(&[
            "label=a",
            "label=a",
            "before=x",
            "since=x",
            "reference=r",
            "reference=r",
        ]);
        assert_eq!(f.labels().len(), 1);
        assert_eq!(f.references().len(), 1);
        assert_eq!(f.anchors(), ["x"]);
    }

    #[test]
    fn args_and_serde_round_trip() {
        let f = parse(&[
            "reference=foo/**/ba[rz]",
            "since=b",
            "label=k=v",
            "before=a",
            "dangling=0",
            "label=k2",
        ]);
        let args = f.to_args();
        assert_eq!(
            args,
            [
                "dangling=false",
                "label=k=v",
                "label=k2",
                "before=a",
                "since=b",
                "reference=foo/**/ba[rz]",
            ]
        );
        assert_eq!(ImageFilters::parse(&args).ok(), Some(f.clone()));
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert_eq!(
            json,
            r#"["dangling=false","label=k=v","label=k2","before=a","since=b","reference=foo/**/ba[rz]"]"#
        );
        assert_eq!(serde_json::from_str::<ImageFilters>(&json).ok(), Some(f));
        let bad = serde_json::from_str::<ImageFilters>(r#"["dangling=maybe"]"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(bad.contains("invalid filter 'dangling=maybe'"), "{bad}");
    }

    #[test]
    fn resolve_takes_the_strictest_anchors() {
        let f = parse(&["before=new", "before=old", "since=early", "since=late"]);
        let anchors: ResolvedAnchors = [
            ("new", datetime!(2024-06-01 0:00 UTC)),
            ("old", datetime!(2024-03-01 0:00 UTC)),
            ("early", datetime!(2024-01-01 0:00 UTC)),
            ("late", datetime!(2024-02-01 0:00 UTC)),
        ]
        .into_iter()
        .collect();
        let predicate = f.resolve(&anchors).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(predicate.before(), Some(datetime!(2024-03-01 0:00 UTC)));
        assert_eq!(predicate.since(), Some(datetime!(2024-02-01 0:00 UTC)));
    }

    #[test]
    fn resolve_reports_missing_anchors() {
        #[rustfmt::skip]
        let cases = [
            (&["before=ghost"][..], "no such image: ghost (named by filter 'before=ghost')"),
            (&["since=ghost"], "no such image: ghost (named by filter 'since=ghost')"),
            (&["before=known", "since=ghost"], "no such image: ghost"),
        ];
        let anchors: ResolvedAnchors = [("known", datetime!(2024-01-01 0:00 UTC))]
            .into_iter()
            .collect();
        for (filters, message) in cases {
            let err = parse(filters)
                .resolve(&anchors)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with(message), "{filters:?}: {err}");
        }
        assert!(
            parse(&["dangling=true"])
                .resolve(&ResolvedAnchors::new())
                .is_ok()
        );
    }
}
