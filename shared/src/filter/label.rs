//! [`LabelFilter`]: `label=KEY` (the label is set) or `label=KEY=VALUE`
//! (the label has that value).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::FilterError;

/// One `label=` filter: a key, and optionally the value it must have.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelFilter {
    key: String,
    value: Option<String>,
}

impl LabelFilter {
    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value the label must have, or `None` if any value will do.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Whether `labels` has this key (with this value, if one is given).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match (labels.get(&self.key), &self.value) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(actual), Some(wanted)) => actual == wanted,
        }
    }
}

impl FromStr for LabelFilter {
    type Err = FilterError;

    /// Parses `KEY` or `KEY=VALUE` (the part after `label=`). The value may
    /// be empty (`KEY=` wants an empty label); the key may not.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = match s.split_once('=') {
            Some((key, value)) => (key, Some(value.to_owned())),
            None => (s, None),
        };
        if key.is_empty() {
            return Err(FilterError::InvalidValue {
                key: "label",
                value: s.to_owned(),
                expected: "expected a label key, as label=KEY or label=KEY=VALUE",
            });
        }
        Ok(LabelFilter {
            key: key.to_owned(),
            value,
        })
    }
}

impl fmt::Display for LabelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

impl Serialize for LabelFilter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LabelFilter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn matches_key_or_key_and_value() {
        let set = labels(&[("maintainer", "me"), ("empty", ""), ("a", "b=c")]);
        let cases = [
            ("maintainer", true),
            ("maintainer=me", true),
            ("maintainer=you", false),
            ("maintainer=", false),
            ("empty", true),
            ("empty=", true),
            ("empty=x", false),
            ("a=b=c", true),
            ("a=b", false),
            ("missing", false),
            ("Maintainer", false),
        ];
        for (input, expected) in cases {
            let filter: LabelFilter = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(filter.matches(&set), expected, "{input}");
            assert_eq!(filter.to_string(), input);
            assert!(!filter.matches(&BTreeMap::new()), "{input}");
        }
    }

    #[test]
    fn key_and_value() {
        let cases = [
            ("a", "a", None),
            ("a=", "a", Some("")),
            ("a=b=c", "a", Some("b=c")),
        ];
        for (input, key, value) in cases {
            let filter: LabelFilter = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((filter.key(), filter.value()), (key, value), "{input}");
        }
    }

    #[test]
    fn an_empty_key_is_an_error() {
        for input in ["", "=x", "="] {
            let err = input.parse::<LabelFilter>().err().map(|e| e.to_string());
            assert_eq!(
                err.as_deref(),
                Some(
                    format!(
                        "invalid filter 'label={input}': expected a label key, as label=KEY or label=KEY=VALUE"
                    )
                    .as_str()
                ),
            );
        }
    }
}
