//! Reading `key=value` filter strings, as the Docker CLI does: the key is
//! trimmed and lower-cased, the value trimmed, and the first `=` splits
//! them (so `label=a=b` is key `label`, value `a=b`).

use super::error::FilterError;

/// One `key=value` filter, split.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Arg<'a> {
    pub(super) key: String,
    pub(super) value: &'a str,
}

/// Splits one filter string.
pub(super) fn split(filter: &str) -> Result<Arg<'_>, FilterError> {
    let (key, value) = filter
        .split_once('=')
        .ok_or_else(|| FilterError::BadFormat {
            filter: filter.to_owned(),
        })?;
    Ok(Arg {
        key: key.trim().to_lowercase(),
        value: value.trim(),
    })
}

/// Records a boolean value for `key`, rejecting anything not in `accepted`
/// and a second value that disagrees with the first.
///
/// `accepted` pairs each spelling with its meaning.
pub(super) fn set_bool(
    slot: &mut Option<bool>,
    key: &'static str,
    value: &str,
    accepted: &[(&str, bool)],
    expected: &'static str,
) -> Result<(), FilterError> {
    let Some(&(_, parsed)) = accepted.iter().find(|(spelling, _)| *spelling == value) else {
        return Err(FilterError::InvalidValue {
            key,
            value: value.to_owned(),
            expected,
        });
    };
    match *slot {
        Some(previous) if previous != parsed => Err(FilterError::Conflict {
            key,
            values: format!("{previous},{parsed}"),
        }),
        _ => {
            *slot = Some(parsed);
            Ok(())
        }
    }
}

/// Pushes `item` unless an equal one is there already (Docker keeps a
/// filter's values as a set).
pub(super) fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn splits_like_the_docker_cli() {
        let cases = [
            ("dangling=true", "dangling", "true"),
            ("  Dangling = true ", "dangling", "true"),
            ("label=a=b", "label", "a=b"),
            ("label=", "label", ""),
            ("=x", "", "x"),
            ("reference=*:latest", "reference", "*:latest"),
        ];
        for (input, key, value) in cases {
            assert_eq!(
                split(input),
                Ok(Arg {
                    key: key.to_owned(),
                    value,
                }),
                "{input}"
            );
        }
        for input in ["dangling", "", "foo"] {
            assert_eq!(
                split(input),
                Err(FilterError::BadFormat {
                    filter: input.to_owned()
                })
            );
        }
    }

    #[test]
    fn booleans_agree_or_conflict() {
        const ACCEPTED: &[(&str, bool)] = &[("true", true), ("false", false)];
        let mut slot = None;
        assert_eq!(set_bool(&mut slot, "k", "true", ACCEPTED, "x"), Ok(()));
        assert_eq!(set_bool(&mut slot, "k", "true", ACCEPTED, "x"), Ok(()));
        assert_eq!(slot, Some(true));
        assert_eq!(
            set_bool(&mut slot, "k", "false", ACCEPTED, "x"),
            Err(FilterError::Conflict {
                key: "k",
                values: "true,false".into()
            })
        );
        assert_eq!(
            set_bool(&mut slot, "k", "TRUE", ACCEPTED, "x"),
            Err(FilterError::InvalidValue {
                key: "k",
                value: "TRUE".into(),
                expected: "x"
            })
        );
    }
}
