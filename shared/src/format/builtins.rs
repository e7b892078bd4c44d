//! Go's collection and comparison built-ins: `len`, `index`, `slice`,
//! `eq`, `lt` (and through them `ne`, `le`, `gt`, `ge`), with Go's error
//! texts.

use serde_json::Value as Json;

use super::value::{Val, as_int, go_string, go_type};

pub(super) fn length(item: &Val<'_>) -> Result<i64, String> {
    let len = match item.json() {
        None => return Err("len of untyped nil".to_owned()),
        Some(Json::Null) => return Err("len of nil pointer".to_owned()),
        Some(Json::String(s)) => s.len(),
        Some(Json::Array(items)) => items.len(),
        Some(Json::Object(map)) => map.len(),
        Some(other) => return Err(format!("len of type {}", go_type(other))),
    };
    i64::try_from(len).map_err(|e| e.to_string())
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Val<'_>, cap: usize) -> Result<usize, String> {
    match index.json() {
        None | Some(Json::Null) => Err("cannot index slice/array with nil".to_owned()),
        Some(json) => match as_int(json) {
            Some(x) => usize::try_from(x)
                .ok()
                .filter(|&x| x <= cap)
                .ok_or_else(|| format!("index out of range: {x}")),
            None => Err(format!(
                "cannot index slice/array with type {}",
                go_type(json)
            )),
        },
    }
}

pub(super) fn index<'d>(item: Val<'d>, indexes: Vec<Val<'d>>) -> Result<Val<'d>, String> {
    if item.is_nil() {
        return Err("index of untyped nil".to_owned());
    }
    let mut current = item;
    for index in indexes {
        let next = match current.json() {
            None | Some(Json::Null) => return Err("index of nil pointer".to_owned()),
            Some(Json::Array(items)) => {
                let i = index_arg(&index, items.len())?;
                current
                    .child(|json| json.get(i))
                    .ok_or_else(|| format!("index out of range: {i}"))?
            }
            Some(Json::String(s)) => {
                let i = index_arg(&index, s.len())?;
                let byte = s
                    .as_bytes()
                    .get(i)
                    .ok_or_else(|| format!("index out of range: {i}"))?;
                Val::int(i64::from(*byte))
            }
            Some(Json::Object(_)) => match index.json() {
                Some(Json::String(key)) => current
                    .child(|json| json.get(key))
                    .unwrap_or(Val::Owned(Json::Null)),
                None | Some(Json::Null) => {
                    return Err("value is nil; should be of type string".to_owned());
                }
                Some(other) => {
                    return Err(format!(
                        "value has type {}; should be string",
                        go_type(other)
                    ));
                }
            },
            Some(other) => return Err(format!("can't index item of type {}", go_type(other))),
        };
        current = next;
    }
    Ok(current)
}

pub(super) fn slice<'d>(item: Val<'d>, indexes: Vec<Val<'d>>) -> Result<Val<'d>, String> {
    if item.is_nil() {
        return Err("slice of untyped nil".to_owned());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item.json() {
        Some(Json::String(s)) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".to_owned());
            }
            s.len()
        }
        Some(Json::Array(items)) => items.len(),
        Some(other) => return Err(format!("can't slice item of type {}", go_type(other))),
        None => return Err("slice of untyped nil".to_owned()),
    };
    let mut bounds = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        bounds[i] = index_arg(index, len)?;
    }
    if bounds[0] > bounds[1] {
        return Err(format!(
            "invalid slice index: {} > {}",
            bounds[0], bounds[1]
        ));
    }
    if indexes.len() == 3 && bounds[1] > bounds[2] {
        return Err(format!(
            "invalid slice index: {} > {}",
            bounds[1], bounds[2]
        ));
    }
    let (from, to) = (bounds[0], bounds[1]);
    match item.json() {
        Some(Json::String(s)) => s
            .get(from..to)
            .map(Val::string)
            .ok_or_else(|| format!("slice [{from}:{to}] splits a character")),
        Some(Json::Array(items)) => Ok(Val::Owned(Json::Array(items[from..to].to_vec()))),
        _ => Err("slice of untyped nil".to_owned()),
    }
}

/// Go's comparison kinds; `Other` covers nil, lists and maps.
#[derive(PartialEq)]
enum Kind<'a> {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
    Other,
}

fn kind<'a>(value: &'a Val<'_>) -> Kind<'a> {
    match value.json() {
        Some(Json::Bool(b)) => Kind::Bool(*b),
        Some(Json::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Kind::Int(i128::from(i)),
            (None, Some(u)) => Kind::Int(i128::from(u)),
            _ => Kind::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Some(Json::String(s)) => Kind::Str(s),
        _ => Kind::Other,
    }
}

fn same_kind(a: &Kind<'_>, b: &Kind<'_>) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Go's `eq`: `a == b || a == c …`. Nil equals only nil; kinds that differ
/// are an error unless one side is nil.
pub(super) fn eq(first: &Val<'_>, rest: &[Val<'_>]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".to_owned());
    }
    let k1 = kind(first);
    for other in rest {
        let k2 = kind(other);
        let truth = if !same_kind(&k1, &k2) {
            if !first.is_nil() && !other.is_nil() {
                return Err("incompatible types for comparison".to_owned());
            }
            false
        } else if k1 == Kind::Other {
            if first.is_nil() || other.is_nil() {
                first.is_nil() == other.is_nil()
            } else {
                let json = other.json().unwrap_or(&Json::Null);
                return Err(format!(
                    "non-comparable type {}: {}",
                    go_string(json),
                    go_type(json)
                ));
            }
        } else {
            k1 == k2
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`, for numbers and strings of the same kind.
pub(super) fn lt(a: &Val<'_>, b: &Val<'_>) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 == Kind::Other || k2 == Kind::Other {
        return Err("invalid type for comparison".to_owned());
    }
    match (k1, k2) {
        (Kind::Int(x), Kind::Int(y)) => Ok(x < y),
        (Kind::Float(x), Kind::Float(y)) => Ok(x < y),
        (Kind::Str(x), Kind::Str(y)) => Ok(x < y),
        (Kind::Bool(_), Kind::Bool(_)) => Err("invalid type for comparison".to_owned()),
        _ => Err("incompatible types for comparison".to_owned()),
    }
}
