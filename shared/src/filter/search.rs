//! [`SearchFilters`]: the parsed `search --filter` list, and the
//! [`SearchSubject`] it tests.

use serde::{Deserialize, Serialize};

use super::args::{set_bool, split};
use super::error::FilterError;

const SUPPORTED: &str = "is-automated, is-official, stars";

/// `is-official=` and `is-automated=` spellings, as Docker's
/// `UniqueExactMatch` reads them.
const BOOLEAN: &[(&str, bool)] = &[("true", true), ("false", false)];

/// A parsed `search --filter` list.
///
/// `is-official=true|false` and `is-automated=true|false` keep results whose
/// flag is that value; `stars=N` keeps results with at least N stars (given
/// twice, the larger N, as Docker does). It serialises as its `key=value`
/// strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct SearchFilters {
    is_official: Option<bool>,
    is_automated: Option<bool>,
    stars: Option<u64>,
}

/// The facts about one search result that the filters test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSubject {
    /// The repository's star count.
    pub stars: u64,
    /// Whether it is a Docker Official Image.
    pub is_official: bool,
    /// Whether it is built automatically (deprecated on Docker Hub, still
    /// filterable).
    pub is_automated: bool,
}

impl SearchFilters {
    /// Parses `key=value` filters, as given to `search --filter`.
    ///
    /// Keys are `is-official`, `is-automated` and `stars`; any other key, a
    /// value other than `true`/`false` (or a whole number for `stars`), or
    /// both `true` and `false` for one key is an error naming it.
    pub fn parse<I, S>(filters: I) -> Result<SearchFilters, FilterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        const EXPECTED: &str = "expected true or false";
        let mut parsed = SearchFilters::default();
        for filter in filters {
            let arg = split(filter.as_ref())?;
            let value = arg.value;
            match arg.key.as_str() {
                "is-official" => set_bool(
                    &mut parsed.is_official,
                    "is-official",
                    value,
                    BOOLEAN,
                    EXPECTED,
                )?,
                "is-automated" => set_bool(
                    &mut parsed.is_automated,
                    "is-automated",
                    value,
                    BOOLEAN,
                    EXPECTED,
                )?,
                "stars" => {
                    let stars = parse_stars(value)?;
                    parsed.stars = Some(parsed.stars.map_or(stars, |s| s.max(stars)));
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

    /// Whether no filter was given: every result matches.
    pub fn is_empty(&self) -> bool {
        *self == SearchFilters::default()
    }

    /// `is-official=`, if given.
    pub fn is_official(&self) -> Option<bool> {
        self.is_official
    }

    /// `is-automated=`, if given.
    pub fn is_automated(&self) -> Option<bool> {
        self.is_automated
    }

    /// `stars=`: the fewest stars a result may have, if given.
    pub fn min_stars(&self) -> Option<u64> {
        self.stars
    }

    /// Whether the result passes every filter.
    pub fn matches(&self, result: &SearchSubject) -> bool {
        self.is_official.is_none_or(|o| o == result.is_official)
            && self.is_automated.is_none_or(|a| a == result.is_automated)
            && self.stars.is_none_or(|s| result.stars >= s)
    }

    /// The filters as `key=value` strings, in the order is-official,
    /// is-automated, stars. [`SearchFilters::parse`] reads them back.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(official) = self.is_official {
            args.push(format!("is-official={official}"));
        }
        if let Some(automated) = self.is_automated {
            args.push(format!("is-automated={automated}"));
        }
        if let Some(stars) = self.stars {
            args.push(format!("stars={stars}"));
        }
        args
    }
}

fn parse_stars(value: &str) -> Result<u64, FilterError> {
    value.parse().map_err(|_| FilterError::InvalidValue {
        key: "stars",
        value: value.to_owned(),
        expected: "expected a whole number of stars (0 or more)",
    })
}

impl TryFrom<Vec<String>> for SearchFilters {
    type Error = FilterError;

    fn try_from(filters: Vec<String>) -> Result<Self, Self::Error> {
        SearchFilters::parse(filters)
    }
}

impl From<SearchFilters> for Vec<String> {
    fn from(filters: SearchFilters) -> Self {
        filters.to_args()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn parse(filters: &[&str]) -> SearchFilters {
        SearchFilters::parse(filters).unwrap_or_else(|e| panic!("{filters:?}: {e}"))
    }

    #[test]
    fn every_key_parses() {
        /// (filters, is-official, is-automated, stars)
        type Case<'a> = (&'a [&'a str], Option<bool>, Option<bool>, Option<u64>);
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (&[], None, None, None),
            (&["is-official=true"], Some(true), None, None),
            (&["is-official=false"], Some(false), None, None),
            (&["is-automated=true"], None, Some(true), None),
            (&["stars=3"], None, None, Some(3)),
            (&["stars=0"], None, None, Some(0)),
            (&["stars=3", "stars=10", "stars=5"], None, None, Some(10)),
            (&[" IS-OFFICIAL = true", "is-official=true", "stars= 7 "], Some(true), None, Some(7)),
        ];
        for (filters, official, automated, stars) in cases {
            let f = parse(filters);
            assert_eq!(
                (f.is_official(), f.is_automated(), f.min_stars()),
                (official, automated, stars),
                "{filters:?}"
            );
        }
    }

    #[test]
    fn errors_name_the_filter() {
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 9] = [
            (&["foo=1"], "invalid filter 'foo' (supported filters: is-automated, is-official, stars)"),
            (&["dangling=true"], "invalid filter 'dangling'"),
            (&["stars"], "bad format of filter 'stars' (expected name=value)"),
            (&["is-official=yes"], "invalid filter 'is-official=yes': expected true or false"),
            (&["is-official=1"], "invalid filter 'is-official=1': expected true or false"),
            (&["is-automated=maybe"], "invalid filter 'is-automated=maybe': expected true or false"),
            (&["is-official=true", "is-official=false"], "invalid filter 'is-official=true,false': conflicting values"),
            (&["stars=many"], "invalid filter 'stars=many': expected a whole number of stars (0 or more)"),
            (&["stars=-1"], "invalid filter 'stars=-1': expected a whole number"),
        ];
        for (filters, message) in cases {
            let err = SearchFilters::parse(filters)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.starts_with(message),
                "{filters:?}:\n  got  {err}\n  want {message}"
            );
        }
    }

    #[test]
    fn matches_results() {
        let official = SearchSubject {
            stars: 12_000,
            is_official: true,
            is_automated: false,
        };
        let community = SearchSubject {
            stars: 3,
            is_official: false,
            is_automated: true,
        };
        #[rustfmt::skip]
        let cases: [(&[&str], bool, bool); 10] = [
            (&[], true, true),
            (&["is-official=true"], true, false),
            (&["is-official=false"], false, true),
            (&["is-automated=true"], false, true),
            (&["is-automated=false"], true, false),
            (&["stars=3"], true, true),
            (&["stars=4"], true, false),
            (&["stars=0"], true, true),
            (&["stars=100", "is-official=true"], true, false),
            (&["stars=1", "is-official=false", "is-automated=true"], false, true),
        ];
        for (filters, on_official, on_community) in cases {
            let f = parse(filters);
            assert_eq!(f.matches(&official), on_official, "{filters:?} on official");
            assert_eq!(
                f.matches(&community),
                on_community,
                "{filters:?} on community"
            );
        }
    }

    #[test]
    fn args_and_serde_round_trip() {
        let f = parse(&["stars=5", "is-automated=false", "is-official=true"]);
        assert_eq!(
            f.to_args(),
            ["is-official=true", "is-automated=false", "stars=5"]
        );
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert_eq!(
            json,
            r#"["is-official=true","is-automated=false","stars=5"]"#
        );
        assert_eq!(serde_json::from_str::<SearchFilters>(&json).ok(), Some(f));
        assert!(parse(&[]).is_empty());
        assert!(serde_json::from_str::<SearchFilters>(r#"["stars=x"]"#).is_err());
    }
}
