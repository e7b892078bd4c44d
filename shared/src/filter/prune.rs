//! [`PruneFilters`]: the `image prune --filter` list, and which images a
//! prune removes ([`PruneFilters::selects`]), with the semantics of moby's
//! `ImagesPrune`.
//!
//! | key | value | prunes only images that |
//! | --- | --- | --- |
//! | `until` | [`Until`] (`24h`, RFC 3339, unix seconds) | were created at or before that time (an image with no created time is kept) |
//! | `label` | `KEY` or `KEY=VALUE` | have every such label |
//! | `label!` | `KEY` or `KEY=VALUE` | do not have all such labels |
//! | `dangling` | `true`/`1` or `false`/`0` | `false` is `-a`: tagged images too |
//!
//! Different keys AND. `until` may be given once, as in Docker ("more than
//! one until filter specified"). `label!=` is written with its `!` before
//! the `=`: `--filter label!=KEY=VALUE`.
//!
//! Without `-a` (and without `dangling=false`) only dangling images are
//! candidates; with it, every image. A pinned image is never pruned: pins
//! are strata's "in use".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::args::{push_unique, set_bool, split};
use super::error::FilterError;
use super::label::LabelFilter;
use super::until::Until;

const SUPPORTED: &str = "dangling, label, label!, until";

/// `dangling=` spellings, as for `images --filter`.
const DANGLING: &[(&str, bool)] = &[("true", true), ("1", true), ("false", false), ("0", false)];

/// A parsed `image prune --filter` list. It serialises as its `key=value`
/// strings, so it travels through the JSON API in the form users type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct PruneFilters {
    until: Option<Until>,
    labels: Vec<LabelFilter>,
    not_labels: Vec<LabelFilter>,
    dangling: Option<bool>,
}

/// What a prune looks at in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneSubject<'a> {
    /// No tag names it.
    pub dangling: bool,
    /// A pin holds it.
    pub pinned: bool,
    /// When it was created, if its config says.
    pub created: Option<OffsetDateTime>,
    /// Its config's labels.
    pub labels: &'a BTreeMap<String, String>,
}

impl PruneFilters {
    /// Parses `key=value` filters, as given to `--filter`.
    pub fn parse<I, S>(filters: I) -> Result<PruneFilters, FilterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = PruneFilters::default();
        for filter in filters {
            let arg = split(filter.as_ref())?;
            match arg.key.as_str() {
                "until" if parsed.until.is_some() => {
                    return Err(FilterError::InvalidValue {
                        key: "until",
                        value: arg.value.to_owned(),
                        expected: "more than one until filter specified (give one)",
                    });
                }
                "until" => parsed.until = Some(arg.value.parse()?),
                "label" => push_unique(&mut parsed.labels, arg.value.parse()?),
                "label!" => push_unique(&mut parsed.not_labels, arg.value.parse()?),
                "dangling" => set_bool(
                    &mut parsed.dangling,
                    "dangling",
                    arg.value,
                    DANGLING,
                    "expected true or false",
                )?,
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

    /// Whether a prune with these filters, and `all` (`-a`) or not,
    /// removes the image `subject` at `now`.
    pub fn selects(&self, subject: &PruneSubject<'_>, all: bool, now: OffsetDateTime) -> bool {
        if subject.pinned {
            return false;
        }
        if self.dangling_only(all) && !subject.dangling {
            return false;
        }
        if let Some(until) = self.until {
            match subject.created {
                Some(created) if created <= until.instant(now) => {}
                _ => return false,
            }
        }
        if !self.labels.iter().all(|l| l.matches(subject.labels)) {
            return false;
        }
        // moby: excluded when every `label!` filter matches.
        self.not_labels.is_empty() || !self.not_labels.iter().all(|l| l.matches(subject.labels))
    }

    /// Whether only dangling images are candidates: no `-a`, and no
    /// `dangling=false`.
    pub fn dangling_only(&self, all: bool) -> bool {
        !all && self.dangling != Some(false)
    }

    /// The filters as `key=value` strings; [`PruneFilters::parse`] reads
    /// them back.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(dangling) = self.dangling {
            args.push(format!("dangling={dangling}"));
        }
        args.extend(self.until.iter().map(|u| format!("until={u}")));
        args.extend(self.labels.iter().map(|l| format!("label={l}")));
        args.extend(self.not_labels.iter().map(|l| format!("label!={l}")));
        args
    }
}

impl TryFrom<Vec<String>> for PruneFilters {
    type Error = FilterError;

    fn try_from(filters: Vec<String>) -> Result<Self, Self::Error> {
        PruneFilters::parse(filters)
    }
}

impl From<PruneFilters> for Vec<String> {
    fn from(filters: PruneFilters) -> Self {
        filters.to_args()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;

    fn parse(filters: &[&str]) -> PruneFilters {
        PruneFilters::parse(filters).unwrap_or_else(|e| panic!("{filters:?}: {e}"))
    }

    #[test]
    fn selection_like_moby() {
        let now = datetime!(2024-06-01 0:00 UTC);
        let web: BTreeMap<String, String> = [("tier", "web"), ("team", "blue")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let subject = |dangling, pinned, created| PruneSubject {
            dangling,
            pinned,
            created,
            labels: &web,
        };
        let old = Some(datetime!(2024-01-01 0:00 UTC));
        let new = Some(datetime!(2024-05-31 12:00 UTC));
        #[rustfmt::skip]
        let cases: &[(&[&str], bool, PruneSubject<'_>, bool)] = &[
            // filters, -a, image, pruned
            (&[], false, subject(true, false, old), true),
            (&[], false, subject(false, false, old), false),
            (&[], true, subject(false, false, old), true),
            (&["dangling=false"], false, subject(false, false, old), true),
            (&[], true, subject(true, true, old), false),
            (&["until=24h"], false, subject(true, false, old), true),
            (&["until=24h"], false, subject(true, false, new), false),
            (&["until=24h"], false, subject(true, false, None), false),
            (&["until=2024-05-31T12:00:00Z"], false, subject(true, false, new), true),
            (&["label=tier=web"], true, subject(false, false, old), true),
            (&["label=tier=db"], true, subject(false, false, old), false),
            (&["label=tier", "label=team=blue"], true, subject(false, false, old), true),
            (&["label=tier", "label=team=red"], true, subject(false, false, old), false),
            (&["label!=tier=web"], true, subject(false, false, old), false),
            (&["label!=tier=db"], true, subject(false, false, old), true),
            (&["label!=missing"], true, subject(false, false, old), true),
            // every label! must match to exclude
            (&["label!=tier=web", "label!=team=red"], true, subject(false, false, old), true),
            (&["label!=tier=web", "label!=team=blue"], true, subject(false, false, old), false),
            (&["label=tier=web", "until=24h"], true, subject(false, false, new), false),
        ];
        for (filters, all, image, want) in cases {
            assert_eq!(
                parse(filters).selects(image, *all, now),
                *want,
                "{filters:?} -a={all} {image:?}"
            );
        }
    }

    #[test]
    fn errors_name_the_filter() {
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 6] = [
            (&["reference=x"], "invalid filter 'reference' (supported filters: dangling, label, label!, until)"),
            (&["until=1h", "until=2h"], "invalid filter 'until=2h': more than one until filter specified"),
            (&["until=soon"], "invalid filter 'until=soon': expected a duration"),
            (&["label="], "invalid filter 'label=': expected a label key"),
            (&["dangling=maybe"], "invalid filter 'dangling=maybe'"),
            (&["until"], "bad format of filter 'until'"),
        ];
        for (filters, message) in cases {
            let err = PruneFilters::parse(filters)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| panic!("{filters:?} parsed"));
            assert!(err.starts_with(message), "{filters:?}: {err}");
        }
    }

    #[test]
    fn args_and_serde_round_trip() {
        let f = parse(&["label!=a=b", "until=24h", "label=k", "dangling=false"]);
        assert_eq!(
            f.to_args(),
            ["dangling=false", "until=24h", "label=k", "label!=a=b"]
        );
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<PruneFilters>(&json).ok(),
            Some(f.clone())
        );
        assert!(!f.dangling_only(false));
        assert!(parse(&[]).dangling_only(false));
        assert!(!parse(&[]).dangling_only(true));
    }
}
