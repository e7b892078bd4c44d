//! The functions a template can call: Go's built-ins and Docker's
//! additions, each with the Go signature that decides how its arguments are
//! checked.
//!
//! | function | Go signature | what it does |
//! | --- | --- | --- |
//! | `json` | `(any) string` | the value as compact JSON (`null` when missing) |
//! | `split` | `(string, string) []string` | `strings.Split` |
//! | `join` | `([]string, string) string` | `strings.Join` |
//! | `title`, `lower`, `upper` | `(string) string` | `strings.Title`, `ToLower`, `ToUpper` |
//! | `pad` | `(string, int, int) string` | spaces before and after, unless empty |
//! | `truncate` | `(string, int) string` | the first n bytes (whole characters) |
//! | `len` | `(any) int` | length of a string (bytes), list or map |
//! | `index` | `(any, any...) any` | `index .Map "key"`, `index .List 0 1` |
//! | `slice` | `(any, any...) any` | `slice .List 1 3`, `slice "text" 1` |
//! | `print`, `println`, `printf` | `fmt.Sprint`, `Sprintln`, `Sprintf` | |
//! | `not`, `and`, `or` | | truth, short-circuiting `and`/`or` |
//! | `eq`, `ne`, `lt`, `le`, `gt`, `ge` | | comparison of basic values |
//!
//! For a table's header row Docker swaps in `HeaderFunctions`: `json`,
//! `split`, `join`, `title`, `lower`, `upper` and `truncate` return their
//! first argument unchanged, so `{{upper .Tag}}` still heads its column
//! `TAG`.

use serde_json::Value as Json;

use super::builtins::{eq, index, length, lt, slice};
use super::printf::{sprint, sprintf, sprintln};
use super::value::{Val, as_int, is_true};

/// Whether a name is a function.
pub(crate) enum Known {
    Yes,
    /// A Go built-in strata leaves out: `html`, `js`, `urlquery`, `call`.
    Unsupported,
    No,
}

/// Which set of functions is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FuncSet {
    /// Rendering data.
    Rows,
    /// Rendering a table's header row (Docker's `HeaderFunctions`).
    Header,
}

/// A parameter's Go type, which decides how an argument is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// `interface{}` or `reflect.Value`: anything, nil included.
    Any,
    /// `string`
    Str,
    /// `int`
    Int,
    /// `[]string`
    StrList,
}

impl Param {
    /// The Go type name, for error messages.
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::Str => "string",
            Param::Int => "int",
            Param::StrList => "[]string",
        }
    }
}

/// Parameters, and the type of the `...` tail if the function has one.
pub(crate) struct Signature {
    pub(crate) fixed: &'static [Param],
    pub(crate) variadic: Option<Param>,
}

/// An argument after checking against its parameter.
#[derive(Clone, Debug)]
pub(crate) enum ArgValue<'d> {
    Any(Val<'d>),
    Str(String),
    Int(i64),
    StrList(Vec<String>),
}

pub(crate) fn lookup(name: &str) -> Known {
    if signature(name, FuncSet::Rows).is_some() {
        Known::Yes
    } else if matches!(name, "html" | "js" | "urlquery" | "call") {
        Known::Unsupported
    } else {
        Known::No
    }
}

pub(crate) fn signature(name: &str, set: FuncSet) -> Option<Signature> {
    use Param::{Any, Int, Str, StrList};
    let fixed = |fixed: &'static [Param]| {
        Some(Signature {
            fixed,
            variadic: None,
        })
    };
    let variadic = |fixed: &'static [Param], tail: Param| {
        Some(Signature {
            fixed,
            variadic: Some(tail),
        })
    };
    let header = set == FuncSet::Header;
    match name {
        "json" if header => fixed(&[Str]),
        "json" => fixed(&[Any]),
        "split" => fixed(&[Str, Str]),
        "join" if header => fixed(&[Str, Str]),
        "join" => fixed(&[StrList, Str]),
        "title" | "lower" | "upper" => fixed(&[Str]),
        "pad" => fixed(&[Str, Int, Int]),
        "truncate" => fixed(&[Str, Int]),
        "len" | "not" => fixed(&[Any]),
        "index" | "slice" | "and" | "or" | "eq" => variadic(&[Any], Any),
        "ne" | "lt" | "le" | "gt" | "ge" => fixed(&[Any, Any]),
        "print" | "println" => variadic(&[], Any),
        "printf" => variadic(&[Str], Any),
        _ => None,
    }
}

/// Calls a function whose arguments have been checked against its
/// signature. The error is the part after `error calling NAME: `.
pub(crate) fn call<'d>(
    name: &str,
    set: FuncSet,
    args: Vec<ArgValue<'d>>,
) -> Result<Val<'d>, String> {
    let mut args = args.into_iter();
    let mut next = || args.next().unwrap_or(ArgValue::Any(Val::Missing));
    if set == FuncSet::Header
        && matches!(
            name,
            "json" | "split" | "join" | "title" | "lower" | "upper" | "truncate"
        )
    {
        return Ok(Val::string(text(next())));
    }
    Ok(match name {
        "json" => {
            let value = any(next());
            Val::string(
                serde_json::to_string(value.json().unwrap_or(&Json::Null))
                    .map_err(|e| e.to_string())?,
            )
        }
        "split" => {
            let (s, sep) = (text(next()), text(next()));
            Val::Owned(Json::Array(
                split(&s, &sep).into_iter().map(Json::String).collect(),
            ))
        }
        "join" => {
            let list = match next() {
                ArgValue::StrList(list) => list,
                _ => Vec::new(),
            };
            Val::string(list.join(&text(next())))
        }
        "title" => Val::string(title(&text(next()))),
        "lower" => Val::string(text(next()).to_lowercase()),
        "upper" => Val::string(text(next()).to_uppercase()),
        "pad" => {
            let (s, before, after) = (text(next()), int(next()), int(next()));
            Val::string(pad(&s, before, after)?)
        }
        "truncate" => {
            let (s, length) = (text(next()), int(next()));
            Val::string(truncate(&s, length)?)
        }
        "len" => Val::int(length(&any(next()))?),
        "index" => {
            let item = any(next());
            index(item, args.map(any).collect())?
        }
        "slice" => {
            let item = any(next());
            slice(item, args.map(any).collect())?
        }
        "not" => Val::bool(!is_true(&any(next()))),
        "eq" => {
            let first = any(next());
            let rest: Vec<Val<'d>> = args.map(any).collect();
            Val::bool(eq(&first, &rest)?)
        }
        "ne" => Val::bool(!eq(&any(next()), &[any(next())])?),
        "lt" => Val::bool(lt(&any(next()), &any(next()))?),
        "le" => {
            let (a, b) = (any(next()), any(next()));
            Val::bool(lt(&a, &b)? || eq(&a, &[b])?)
        }
        "gt" => {
            let (a, b) = (any(next()), any(next()));
            Val::bool(!(lt(&a, &b)? || eq(&a, &[b])?))
        }
        "ge" => Val::bool(!lt(&any(next()), &any(next()))?),
        "print" => Val::string(sprint(&args.map(any).collect::<Vec<_>>())),
        "println" => Val::string(sprintln(&args.map(any).collect::<Vec<_>>())),
        "printf" => {
            let format = text(next());
            Val::string(sprintf(&format, &args.map(any).collect::<Vec<_>>()))
        }
        // `and` and `or` short-circuit, so execution evaluates them itself.
        other => return Err(format!("{other} cannot be called here")),
    })
}

fn any(arg: ArgValue<'_>) -> Val<'_> {
    match arg {
        ArgValue::Any(value) => value,
        ArgValue::Str(s) => Val::string(s),
        ArgValue::Int(n) => Val::int(n),
        ArgValue::StrList(list) => {
            Val::Owned(Json::Array(list.into_iter().map(Json::String).collect()))
        }
    }
}

fn text(arg: ArgValue<'_>) -> String {
    match arg {
        ArgValue::Str(s) => s,
        other => match any(other).json() {
            Some(Json::String(s)) => s.clone(),
            _ => String::new(),
        },
    }
}

fn int(arg: ArgValue<'_>) -> i64 {
    match arg {
        ArgValue::Int(n) => n,
        other => any(other).json().and_then(as_int).unwrap_or(0),
    }
}

/// Go's `strings.Split`: an empty separator splits into characters.
fn split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        s.chars().map(String::from).collect()
    } else {
        s.split(sep).map(str::to_owned).collect()
    }
}

/// Go's `strings.Title`: upper-cases each letter that follows a separator.
/// Separators are ASCII characters other than letters, digits and `_`
/// (so `it's` becomes `It'S`, as in Go), and Unicode white space.
fn title(s: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut previous = ' ';
    for c in s.chars() {
        if is_separator(previous) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        previous = c;
    }
    out
}

fn repeat_spaces(count: i64) -> Result<String, String> {
    let count = usize::try_from(count).map_err(|_| "strings: negative Repeat count".to_owned())?;
    Ok(" ".repeat(count))
}

/// Docker's `padWithSpace`.
fn pad(s: &str, before: i64, after: i64) -> Result<String, String> {
    if s.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(
        "{}{s}{}",
        repeat_spaces(before)?,
        repeat_spaces(after)?
    ))
}

/// Docker's `truncateWithLength`: the first `length` bytes, backing off to
/// a character boundary rather than splitting a character as Go would.
fn truncate(s: &str, length: i64) -> Result<String, String> {
    let Ok(length) = usize::try_from(length) else {
        return Err(format!(
            "runtime error: slice bounds out of range [:{length}]"
        ));
    };
    if s.len() < length {
        return Ok(s.to_owned());
    }
    let mut end = length;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Ok(s[..end].to_owned())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{split, title, truncate};

    #[test]
    fn split_like_go() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("a,b,c", ",", &["a", "b", "c"]),
            ("a,b,", ",", &["a", "b", ""]),
            ("", ",", &[""]),
            ("abc", "", &["a", "b", "c"]),
            ("", "", &[]),
            ("a::b", "::", &["a", "b"]),
        ];
        for &(s, sep, want) in cases {
            assert_eq!(split(s, sep), want, "split({s:?}, {sep:?})");
        }
    }

    #[test]
    fn title_like_go() {
        let cases: &[(&str, &str)] = &[
            ("hello world", "Hello World"),
            ("docker.io/library", "Docker.Io/Library"),
            ("snake_case word", "Snake_case Word"),
            ("it's", "It'S"),
            ("élan vital", "Élan Vital"),
            ("", ""),
        ];
        for &(s, want) in cases {
            assert_eq!(title(s), want, "title({s:?})");
        }
    }

    #[test]
    fn truncate_like_docker() {
        let cases: &[(&str, i64, Result<&str, &str>)] = &[
            ("abcdef", 3, Ok("abc")),
            ("abc", 3, Ok("abc")),
            ("ab", 3, Ok("ab")),
            ("abc", 0, Ok("")),
            ("héllo", 2, Ok("h")),
            (
                "abc",
                -1,
                Err("runtime error: slice bounds out of range [:-1]"),
            ),
        ];
        for &(s, n, want) in cases {
            let got = truncate(s, n);
            assert_eq!(
                got.as_deref().map_err(String::as_str),
                want,
                "truncate({s:?}, {n})"
            );
        }
    }
}
