//! Lenient lookups in untyped JSON: a missing or mistyped field is absent,
//! never an error.

use std::collections::BTreeMap;

use serde_json::Value;

/// The value at `path` (object keys), if every step exists.
pub(super) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// The non-empty string at `path`.
pub(super) fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The owned non-empty string at `path`, or empty.
pub(super) fn text_or_empty(value: &Value, path: &[&str]) -> String {
    text(value, path).unwrap_or_default().to_owned()
}

/// The array at `path`, or nothing.
pub(super) fn items<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A `{"algorithm": "hex"}` digest set; non-string values are skipped.
pub(super) fn digests(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// `s` trimmed, if anything is left.
pub(super) fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
