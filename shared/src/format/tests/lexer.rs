//! The lexer: tokens, trim markers, comments, literals and lexing errors.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::format::lexer::{self, Tok, lex};

fn toks(source: &str) -> Vec<Tok> {
    lex(source)
        .expect("lexes")
        .into_iter()
        .map(|t| t.tok)
        .collect()
}

fn text(s: &str) -> Tok {
    Tok::Text(s.to_owned())
}

#[test]
fn lexes_text_and_actions() {
    use Tok::*;
    let cases: Vec<(&str, Vec<Tok>)> = vec![
        ("", vec![Eof]),
        ("plain", vec![text("plain"), Eof]),
        ("{{.}}", vec![LeftDelim, Dot, RightDelim, Eof]),
        (
            "{{.ID}}",
            vec![LeftDelim, Field("ID".into()), RightDelim, Eof],
        ),
        (
            "{{.A.B}}",
            vec![
                LeftDelim,
                Field("A".into()),
                Field("B".into()),
                RightDelim,
                Eof,
            ],
        ),
        (
            "a {{ $x := 3 }} b",
            vec![
                text("a "),
                LeftDelim,
                Space,
                Variable("$x".into()),
                Space,
                Declare,
                Space,
                Number("3".into()),
                Space,
                RightDelim,
                text(" b"),
                Eof,
            ],
        ),
        (
            "{{if true}}{{else}}{{end}}",
            vec![
                LeftDelim,
                Keyword(lexer::Keyword::If),
                Space,
                Bool(true),
                RightDelim,
                LeftDelim,
                Keyword(lexer::Keyword::Else),
                RightDelim,
                LeftDelim,
                Keyword(lexer::Keyword::End),
                RightDelim,
                Eof,
            ],
        ),
        (
            "{{.X | printf \"%s\\n\" `raw` 'c' -1.5e3 0x1F nil}}",
            vec![
                LeftDelim,
                Field("X".into()),
                Space,
                Pipe,
                Space,
                Ident("printf".into()),
                Space,
                Str("%s\n".into(), "\"%s\\n\"".into()),
                Space,
                Str("raw".into(), "`raw`".into()),
                Space,
                Char('c', "'c'".into()),
                Space,
                Number("-1.5e3".into()),
                Space,
                Number("0x1F".into()),
                Space,
                Nil,
                RightDelim,
                Eof,
            ],
        ),
        (
            "{{range $i, $e = .L}}",
            vec![
                LeftDelim,
                Keyword(lexer::Keyword::Range),
                Space,
                Variable("$i".into()),
                Other(','),
                Space,
                Variable("$e".into()),
                Space,
                Assign,
                Space,
                Field("L".into()),
                RightDelim,
                Eof,
            ],
        ),
        (
            "{{(.A).B}}",
            vec![
                LeftDelim,
                LeftParen,
                Field("A".into()),
                RightParen,
                Field("B".into()),
                RightDelim,
                Eof,
            ],
        ),
        (
            "{{$}}",
            vec![LeftDelim, Variable("$".into()), RightDelim, Eof],
        ),
        (
            "{{.5}}",
            vec![LeftDelim, Number(".5".into()), RightDelim, Eof],
        ),
    ];
    for (source, want) in cases {
        assert_eq!(toks(source), want, "lex({source:?})");
    }
    assert_eq!(lexer::Keyword::Template.as_str(), "template");
}

#[test]
fn trim_markers_and_comments() {
    use Tok::*;
    let cases: Vec<(&str, Vec<Tok>)> = vec![
        (
            "a  {{- .}}  b",
            vec![text("a"), LeftDelim, Dot, RightDelim, text("  b"), Eof],
        ),
        (
            "a  {{. -}}  b",
            vec![text("a  "), LeftDelim, Dot, RightDelim, text("b"), Eof],
        ),
        (
            "a \n\t{{- . -}}\n b",
            vec![text("a"), LeftDelim, Dot, RightDelim, text("b"), Eof],
        ),
        (
            "{{-3}}",
            vec![LeftDelim, Number("-3".into()), RightDelim, Eof],
        ),
        ("a {{/* note */}} b", vec![text("a "), text(" b"), Eof]),
        ("a {{- /* note */ -}} b", vec![text("a"), text("b"), Eof]),
        (
            "x{{- \"\" -}}\n",
            vec![
                text("x"),
                LeftDelim,
                Str(String::new(), "\"\"".into()),
                RightDelim,
                Eof,
            ],
        ),
    ];
    for (source, want) in cases {
        assert_eq!(toks(source), want, "lex({source:?})");
    }
}

#[test]
fn lex_errors() {
    let cases: &[(&str, &str)] = &[
        ("{{.ID", "template: :1: unclosed action"),
        ("a\n{{.ID", "template: :2: unclosed action"),
        ("{{\"abc}}", "template: :1: unterminated quoted string"),
        ("{{`abc}}", "template: :1: unterminated raw quoted string"),
        ("{{/* x }}", "template: :1: unclosed comment"),
        (
            "{{/* x */ .}}",
            "template: :1: comment ends before closing delimiter",
        ),
        ("{{(.A}}", "template: :1: unclosed left paren"),
        ("{{.A)}}", "template: :1: unexpected right paren"),
        ("{{3x}}", "template: :1: bad number syntax: \"3x\""),
        ("{{.A#}}", "template: :1: bad character U+0023 '#'"),
        ("{{a : b}}", "template: :1: expected :="),
        ("{{\"\\q\"}}", "template: :1: invalid syntax: \"\\q\""),
        (
            "{{'ab'}}",
            "template: :1: malformed character constant: 'ab'",
        ),
    ];
    for &(source, want) in cases {
        let error = lex(source).expect_err(source);
        assert_eq!(error.to_string(), want, "lex({source:?})");
    }
}

#[test]
fn unquotes_escapes() {
    let cases: &[(&str, &str)] = &[
        (r#"{{"a\tb\"c\\d\x41\u00e9\101"}}"#, "a\tb\"c\\dAéA"),
        (r#"{{'\n'}}"#, "\n"),
    ];
    for &(source, want) in cases {
        let tokens = toks(source);
        let got = match &tokens[1] {
            Tok::Str(value, _) => value.clone(),
            Tok::Char(c, _) => c.to_string(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(got, want, "{source}");
    }
}
