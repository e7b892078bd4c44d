//! Values during execution, and how Go prints them.
//!
//! Data is JSON. Go's view of it is a typed struct as Docker has it: JSON
//! strings are `string`, integers `int`, other numbers `float64`, arrays
//! `[]interface {}`, objects `map[string]interface {}`. A missing map entry
//! is Go's invalid value, printed `<no value>`; a JSON `null` is a nil
//! interface, printed `<no value>` at the top of an action and `<nil>`
//! inside a list, a map or a `print`.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::gofloat::format_g;

/// A value as execution sees it. Data is borrowed; function results are
/// owned.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val<'d> {
    /// Go's invalid value: a key the data does not have.
    Missing,
    /// Part of the data being rendered.
    Ref(&'d Json),
    /// Something computed: a literal, a function's result.
    Owned(Json),
}

impl<'d> Val<'d> {
    /// The JSON, or `None` when missing.
    pub(crate) fn json(&self) -> Option<&Json> {
        match self {
            Val::Missing => None,
            Val::Ref(json) => Some(json),
            Val::Owned(json) => Some(json),
        }
    }

    /// A string value.
    pub(crate) fn string(s: impl Into<String>) -> Val<'d> {
        Val::Owned(Json::String(s.into()))
    }

    /// An integer value.
    pub(crate) fn int(n: i64) -> Val<'d> {
        Val::Owned(Json::from(n))
    }

    /// A boolean value.
    pub(crate) fn bool(b: bool) -> Val<'d> {
        Val::Owned(Json::Bool(b))
    }

    /// The member or element reached from this value, keeping the borrow
    /// when there is one.
    pub(crate) fn child(&self, pick: impl FnOnce(&Json) -> Option<&Json>) -> Option<Val<'d>> {
        match self {
            Val::Missing => None,
            Val::Ref(json) => pick(json).map(Val::Ref),
            Val::Owned(json) => pick(json).cloned().map(Val::Owned),
        }
    }

    /// Missing or JSON `null`: Go's nil.
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self.json(), None | Some(Json::Null))
    }
}

/// An integer that a Go `int` can hold, when the JSON number is one.
pub(crate) fn as_int(json: &Json) -> Option<i64> {
    match json {
        Json::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// Go's `template.IsTrue`: false for nil, false, 0, and empty strings,
/// lists and maps.
pub(crate) fn is_true(value: &Val<'_>) -> bool {
    match value.json() {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(items)) => !items.is_empty(),
        Some(Json::Object(map)) => !map.is_empty(),
    }
}

/// The Go type Docker's data would have, for error messages.
pub(crate) fn go_type(json: &Json) -> &'static str {
    match json {
        Json::Null => "interface {}",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_i64() => "int",
        Json::Number(n) if n.is_u64() => "uint64",
        Json::Number(_) => "float64",
        Json::String(_) => "string",
        Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_string) => "[]string",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
    }
}

/// Writes `json` as Go's `fmt` `%v` does: `map[a:1 b:[x y]]`, `<nil>`.
pub(crate) fn write_go(json: &Json, out: &mut String) {
    match json {
        Json::Null => out.push_str("<nil>"),
        Json::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Json::Number(n) => write_number(n, out),
        Json::String(s) => out.push_str(s),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            // Go's fmt sorts map keys; serde_json may keep insertion order.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("map[");
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_go(value, out);
            }
            out.push(']');
        }
    }
}

/// Integers in decimal, other numbers as Go's `%v` of a float64.
pub(crate) fn write_number(n: &serde_json::Number, out: &mut String) {
    if n.is_i64() || n.is_u64() {
        let _ = write!(out, "{n}");
    } else {
        out.push_str(&format_g(n.as_f64().unwrap_or(f64::NAN), None, false));
    }
}

/// `json` as `%v` prints it.
pub(crate) fn go_string(json: &Json) -> String {
    let mut out = String::new();
    write_go(json, &mut out);
    out
}

/// What an action prints for its value: `<no value>` for nil, else `%v`.
pub(crate) fn print_value(value: &Val<'_>, out: &mut String) {
    match value.json() {
        None | Some(Json::Null) => out.push_str("<no value>"),
        Some(json) => write_go(json, out),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::json;

    use super::{Val, go_string, go_type, is_true, print_value};

    #[test]
    fn prints_like_go_fmt() {
        let cases = [
            (json!("text"), "text"),
            (json!(42), "42"),
            (json!(-7), "-7"),
            (json!(18446744073709551615_u64), "18446744073709551615"),
            (json!(1.5), "1.5"),
            (json!(2.0), "2"),
            (json!(1e21), "1e+21"),
            (json!(123456789.5), "1.234567895e+08"),
            (json!(true), "true"),
            (json!(null), "<nil>"),
            (json!([]), "[]"),
            (json!(["a", "b"]), "[a b]"),
            (json!([1, null, [2]]), "[1 <nil> [2]]"),
            (json!({}), "map[]"),
            (
                json!({"b": 2, "a": "x", "c": {"d": null}}),
                "map[a:x b:2 c:map[d:<nil>]]",
            ),
        ];
        for (value, want) in cases {
            assert_eq!(go_string(&value), want, "{value}");
        }
    }

    #[test]
    fn actions_print_nil_as_no_value() {
        let null = json!(null);
        let cases = [
            (Val::Missing, "<no value>"),
            (Val::Ref(&null), "<no value>"),
            (Val::string("s"), "s"),
        ];
        for (value, want) in cases {
            let mut out = String::new();
            print_value(&value, &mut out);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn truth_follows_go() {
        let cases = [
            (json!(null), false),
            (json!(false), false),
            (json!(true), true),
            (json!(0), false),
            (json!(0.0), false),
            (json!(-1), true),
            (json!(""), false),
            (json!("0"), true),
            (json!([]), false),
            (json!([0]), true),
            (json!({}), false),
            (json!({"a": null}), true),
        ];
        for (value, want) in cases {
            assert_eq!(is_true(&Val::Ref(&value)), want, "{value}");
        }
        assert!(!is_true(&Val::Missing));
    }

    #[test]
    fn names_go_types() {
        let cases = [
            (json!(null), "interface {}"),
            (json!(true), "bool"),
            (json!(1), "int"),
            (json!(1.5), "float64"),
            (json!("s"), "string"),
            (json!(["a"]), "[]string"),
            (json!([1]), "[]interface {}"),
            (json!({}), "map[string]interface {}"),
        ];
        for (value, want) in cases {
            assert_eq!(go_type(&value), want, "{value}");
        }
    }
}
