//! Go's `fmt.Sprint`, `Sprintln` and `Sprintf` over template values.
//!
//! Verbs: `%v %s %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t %T %%`,
//! flags `+ - # 0` and space, width and precision (digits or `*`). Misuse
//! prints what Go prints: `%!d(string=abc)`, `%!s(MISSING)`,
//! `%!(EXTRA int=1)`.

use serde_json::Value as Json;

use super::gofloat::{format_e, format_f, format_g};
use super::value::{Val, go_type, write_go};

/// `fmt.Sprint`: operands in `%v`, with a space between two operands when
/// neither is a string.
pub(crate) fn sprint(args: &[Val<'_>]) -> String {
    let mut out = String::new();
    let mut previous_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg.json(), Some(Json::String(_)));
        if i > 0 && !is_string && !previous_string {
            out.push(' ');
        }
        write_go(arg.json().unwrap_or(&Json::Null), &mut out);
        previous_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: operands in `%v` separated by spaces, then a newline.
pub(crate) fn sprintln(args: &[Val<'_>]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_go(arg.json().unwrap_or(&Json::Null), &mut out);
    }
    out.push('\n');
    out
}

#[derive(Clone, Copy, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
    verb: char,
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Val<'_>]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '+' => spec.plus = true,
                '-' => spec.minus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut bad_width = false;
        if chars.peek() == Some(&'*') {
            chars.next();
            match args
                .get(next_arg)
                .and_then(|a| a.json())
                .and_then(|j| j.as_i64())
            {
                Some(w) => {
                    if w < 0 {
                        spec.minus = true;
                    }
                    spec.width = usize::try_from(w.unsigned_abs()).ok();
                }
                None => bad_width = true,
            }
            next_arg += 1;
        } else {
            spec.width = digits(&mut chars);
        }
        let mut bad_precision = false;
        if chars.peek() == Some(&'.') {
            chars.next();
            if chars.peek() == Some(&'*') {
                chars.next();
                match args
                    .get(next_arg)
                    .and_then(|a| a.json())
                    .and_then(|j| j.as_i64())
                {
                    Some(p) => spec.precision = usize::try_from(p).ok(),
                    None => bad_precision = true,
                }
                next_arg += 1;
            } else {
                spec.precision = Some(digits(&mut chars).unwrap_or(0));
            }
        }
        if bad_width {
            out.push_str("%!(BADWIDTH)");
        }
        if bad_precision {
            out.push_str("%!(BADPREC)");
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        spec.verb = verb;
        match args.get(next_arg) {
            Some(arg) => format_arg(&spec, arg.json().unwrap_or(&Json::Null), &mut out),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        next_arg += 1;
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, arg) in args[next_arg..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match arg.json() {
                None | Some(Json::Null) => out.push_str("<nil>"),
                Some(json) => {
                    out.push_str(go_type(json));
                    out.push('=');
                    write_go(json, &mut out);
                }
            }
        }
        out.push(')');
    }
    out
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut value: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        let d = usize::try_from(d).unwrap_or(0);
        value = Some(value.unwrap_or(0).saturating_mul(10).saturating_add(d));
    }
    value
}

fn format_arg(spec: &Spec, json: &Json, out: &mut String) {
    if spec.verb == 'T' {
        pad(
            spec,
            if json.is_null() {
                "<nil>"
            } else {
                go_type(json)
            },
            out,
        );
        return;
    }
    match json {
        Json::Null => {
            if spec.verb == 'v' {
                pad(spec, "<nil>", out);
            } else {
                out.push_str(&format!("%!{}(<nil>)", spec.verb));
            }
        }
        Json::Bool(b) => match spec.verb {
            'v' | 't' => pad(spec, if *b { "true" } else { "false" }, out),
            _ => bad_verb(spec, json, out),
        },
        Json::Number(n) => {
            if let Some(int) = n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
            {
                format_int(spec, int, json, out);
            } else {
                format_float(spec, n.as_f64().unwrap_or(f64::NAN), json, out);
            }
        }
        Json::String(s) => format_string(spec, s, json, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(spec, item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("map[");
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_string(spec, key, &Json::String(key.clone()), out);
                out.push(':');
                format_arg(spec, value, out);
            }
            out.push(']');
        }
    }
}

fn bad_verb(spec: &Spec, json: &Json, out: &mut String) {
    out.push_str("%!");
    out.push(spec.verb);
    out.push('(');
    out.push_str(go_type(json));
    out.push('=');
    write_go(json, out);
    out.push(')');
}

/// Pads `text` to the width with spaces, on the left unless `-`.
fn pad(spec: &Spec, text: &str, out: &mut String) {
    let len = text.chars().count();
    let fill = spec.width.map_or(0, |w| w.saturating_sub(len));
    if spec.minus {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(text);
    }
}

/// Pads a number: zeros go between the sign and the digits with `0`.
fn pad_number(spec: &Spec, sign: &str, body: &str, zero_ok: bool, out: &mut String) {
    if spec.zero && zero_ok && !spec.minus {
        let len = sign.chars().count() + body.chars().count();
        let fill = spec.width.map_or(0, |w| w.saturating_sub(len));
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        pad(spec, &format!("{sign}{body}"), out);
    }
}

fn sign_for(spec: &Spec, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_int(spec: &Spec, n: i128, json: &Json, out: &mut String) {
    let magnitude = n.unsigned_abs();
    let (mut digits, prefix) = match spec.verb {
        'v' | 'd' => (magnitude.to_string(), ""),
        'o' => (format!("{magnitude:o}"), ""),
        'b' => (format!("{magnitude:b}"), if spec.sharp { "0b" } else { "" }),
        'O' => (format!("{magnitude:o}"), "0o"),
        'x' => (format!("{magnitude:x}"), if spec.sharp { "0x" } else { "" }),
        'X' => (format!("{magnitude:X}"), if spec.sharp { "0X" } else { "" }),
        'c' => {
            let c = u32::try_from(n)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}');
            return pad(spec, &c.to_string(), out);
        }
        'q' => {
            let c = u32::try_from(n)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}');
            return pad(spec, &quote_rune(c), out);
        }
        'U' => return pad(spec, &format!("U+{magnitude:04X}"), out),
        _ => return bad_verb(spec, json, out),
    };
    if let Some(precision) = spec.precision {
        if precision == 0 && magnitude == 0 {
            digits.clear();
        }
        while digits.len() < precision {
            digits.insert(0, '0');
        }
    }
    if spec.verb == 'o' && spec.sharp && !digits.starts_with('0') {
        digits.insert(0, '0');
    }
    let sign = sign_for(spec, n < 0);
    if spec.zero && spec.precision.is_none() && !spec.minus {
        let len = sign.len() + prefix.len() + digits.len();
        let fill = spec.width.map_or(0, |w| w.saturating_sub(len));
        out.push_str(sign);
        out.push_str(prefix);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(&digits);
    } else {
        pad(spec, &format!("{sign}{prefix}{digits}"), out);
    }
}

fn format_float(spec: &Spec, x: f64, json: &Json, out: &mut String) {
    let text = match spec.verb {
        'v' | 'g' | 'G' => format_g(x, spec.precision, false),
        'e' | 'E' => format_e(x, spec.precision.unwrap_or(6), false),
        'f' | 'F' => format_f(x, spec.precision.unwrap_or(6), false),
        _ => return bad_verb(spec, json, out),
    };
    let text = if matches!(spec.verb, 'E' | 'G') && x.is_finite() {
        text.to_uppercase()
    } else {
        text
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, text.trim_start_matches('+').to_owned()),
    };
    let sign = if x.is_infinite() && !negative {
        "+"
    } else {
        sign_for(spec, negative)
    };
    pad_number(spec, sign, &body, x.is_finite(), out);
}

fn format_string(spec: &Spec, s: &str, json: &Json, out: &mut String) {
    let cut: String = match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_owned(),
    };
    match spec.verb {
        'v' | 's' => pad(spec, &cut, out),
        'q' => pad(spec, &go_quote(&cut), out),
        'x' | 'X' => {
            let bytes = match spec.precision {
                Some(p) => &s.as_bytes()[..p.min(s.len())],
                None => s.as_bytes(),
            };
            let hex: String = bytes
                .iter()
                .map(|b| {
                    if spec.verb == 'x' {
                        format!("{b:02x}")
                    } else {
                        format!("{b:02X}")
                    }
                })
                .collect();
            pad(spec, &hex, out);
        }
        _ => bad_verb(spec, json, out),
    }
}

/// Characters Go's `strconv.IsPrint` rejects besides controls: spacing
/// other than U+0020 and invisible formatting characters.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

fn escape(c: char, quote: char, out: &mut String) {
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if is_printable(c) => out.push(c),
        c if u32::from(c) < 0x80 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
    }
}

/// Go's `strconv.Quote`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape(c, '"', &mut out);
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune`.
fn quote_rune(c: char) -> String {
    let mut out = String::from('\'');
    escape(c, '\'', &mut out);
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::{Value, json};

    use super::{go_quote, sprint, sprintf, sprintln};
    use crate::format::value::Val;

    fn vals(values: &[Value]) -> Vec<Val<'_>> {
        values.iter().map(Val::Ref).collect()
    }

    #[test]
    fn sprintf_matches_go() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%s", vec![json!("abc")], "abc"),
            (
                "%v|%v|%v",
                vec![json!(1), json!(1.5), json!(true)],
                "1|1.5|true",
            ),
            ("%d", vec![json!(42)], "42"),
            (
                "%5d|%-5d|%05d",
                vec![json!(42), json!(42), json!(-42)],
                "   42|42   |-0042",
            ),
            ("%+d % d", vec![json!(5), json!(5)], "+5  5"),
            ("%.3d", vec![json!(7)], "007"),
            (
                "%x %X %#x %o %#o %O %b",
                vec![
                    json!(255),
                    json!(255),
                    json!(255),
                    json!(8),
                    json!(8),
                    json!(8),
                    json!(5),
                ],
                "ff FF 0xff 10 010 0o10 101",
            ),
            ("%c%c", vec![json!(72), json!(105)], "Hi"),
            (
                "%q %q",
                vec![json!("a\"b\n"), json!(97)],
                "\"a\\\"b\\n\" 'a'",
            ),
            ("%U", vec![json!(0x1F600)], "U+1F600"),
            (
                "%10s|%-10s|%.2s",
                vec![json!("right"), json!("left"), json!("cut")],
                "     right|left      |cu",
            ),
            ("%x %X", vec![json!("hi"), json!("hi")], "6869 6869"),
            (
                "%f %.2f %e %.1E %g %G",
                vec![
                    json!(1.23456),
                    json!(2.5),
                    json!(1234.5),
                    json!(0.000123),
                    json!(1e21),
                    json!(1e-7),
                ],
                "1.234560 2.50 1.234500e+03 1.2E-04 1e+21 1E-07",
            ),
            (
                "%8.3f|%-8.2f|%08.3f|%+.1f",
                vec![json!(1.23456), json!(2.5), json!(-1.23456), json!(2.0)],
                "   1.235|2.50    |-001.235|+2.0",
            ),
            ("%t", vec![json!(false)], "false"),
            (
                "%T %T %T %T",
                vec![json!("s"), json!(1), json!([1]), json!(null)],
                "string int []interface {} <nil>",
            ),
            ("%v", vec![json!(["a", 1])], "[a 1]"),
            ("%d", vec![json!([1, "a"])], "[1 %!d(string=a)]"),
            (
                "%v",
                vec![json!({"b": 1, "a": [true]})],
                "map[a:[true] b:1]",
            ),
            (
                "%v %s %d",
                vec![json!(null), json!(null), json!(null)],
                "<nil> %!s(<nil>) %!d(<nil>)",
            ),
            ("%d", vec![json!("abc")], "%!d(string=abc)"),
            ("%s", vec![json!(5)], "%!s(int=5)"),
            ("%d", vec![json!(1.5)], "%!d(float64=1.5)"),
            ("%t", vec![json!(1)], "%!t(int=1)"),
            ("%s %s", vec![json!("one")], "one %!s(MISSING)"),
            (
                "%s",
                vec![json!("a"), json!(1), json!(null)],
                "a%!(EXTRA int=1, <nil>)",
            ),
            ("100%%", vec![], "100%"),
            ("%", vec![], "%!(NOVERB)"),
            (
                "%*d|%-*d|%.*f",
                vec![
                    json!(4),
                    json!(7),
                    json!(3),
                    json!(7),
                    json!(1),
                    json!(2.25),
                ],
                "   7|7  |2.2",
            ),
            ("%z", vec![json!("s")], "%!z(string=s)"),
        ];
        for (format, args, want) in cases {
            assert_eq!(sprintf(format, &vals(&args)), want, "sprintf({format:?})");
        }
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        let cases: Vec<(Vec<Value>, &str)> = vec![
            (vec![json!("a"), json!("b")], "ab"),
            (vec![json!(1), json!(2)], "1 2"),
            (vec![json!("a"), json!(1), json!(2), json!("b")], "a1 2b"),
            (vec![json!(null), json!(true)], "<nil> true"),
            (vec![], ""),
        ];
        for (args, want) in cases {
            assert_eq!(sprint(&vals(&args)), want);
        }
        assert_eq!(sprint(&[Val::Missing, Val::int(3)]), "<nil> 3");
        assert_eq!(
            sprintln(&vals(&[json!("a"), json!(1), json!("b")])),
            "a 1 b\n"
        );
        assert_eq!(sprintln(&[]), "\n");
    }

    #[test]
    fn quotes_like_strconv() {
        let cases: &[(&str, &str)] = &[
            ("plain", "\"plain\""),
            ("tab\there", "\"tab\\there\""),
            ("q\"b\\", "\"q\\\"b\\\\\""),
            ("\u{1}", "\"\\x01\""),
            ("é日本", "\"é日本\""),
            ("\u{a0}", "\"\\u00a0\""),
            ("\u{feff}", "\"\\ufeff\""),
        ];
        for &(s, want) in cases {
            assert_eq!(go_quote(s), want);
        }
    }
}
