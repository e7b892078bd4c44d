//! The parser: valid templates, Go's parse errors, unsupported syntax.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::format::MissingKey;
use crate::format::ast::{Arg, Node};
use crate::format::parser::{parse, parse_int};

#[test]
fn parses_valid_templates() {
    let cases = [
        "",
        "plain text",
        "{{.}}",
        "{{.ID}}\t{{.Repository}}",
        "{{.A.B.C}}",
        "{{$}}",
        "{{$.A}}",
        "{{$x := .A}}{{$x}}{{$x = .B}}{{$x.C}}",
        "{{.A | printf \"%s\" | upper}}",
        "{{(.A).B}}",
        "{{(index . \"A\").B}}",
        "{{if .A}}a{{else if .B}}b{{else}}c{{end}}",
        "{{with .A}}{{.}}{{else with .B}}{{.}}{{end}}",
        "{{range .L}}{{.}}{{else}}none{{end}}",
        "{{range $i, $e := .L}}{{$i}}={{$e}}{{end}}",
        "{{range $e := .L}}{{$e}}{{end}}",
        "{{range .L}}{{if .}}{{break}}{{end}}{{continue}}{{end}}",
        "{{/* comment */}}",
        "{{- .A -}}",
        "{{json .}}",
        "{{printf \"%d\" 3}}{{1.5}}{{0x1F}}{{'a'}}{{-2}}{{1e3}}{{true}}{{nil | print}}",
        "{{.A\n| upper}}",
    ];
    for source in cases {
        if let Err(error) = parse(source) {
            panic!("parse({source:?}) failed: {error}");
        }
    }
}

#[test]
fn field_chains_take_the_position_of_the_second_field() {
    let template = parse("{{.A.B}}").expect("parses");
    let Node::Action(pipe) = &template.root[0] else {
        panic!("not an action")
    };
    assert_eq!(
        pipe.cmds[0].args[0],
        Arg::Field(4, vec!["A".into(), "B".into()])
    );
}

#[test]
fn rejects_invalid_templates() {
    let cases: &[(&str, &str)] = &[
        ("{{.ID", "template: :1: unclosed action"),
        ("{{}}", "template: :1: missing value for command"),
        ("{{end}}", "template: :1: unexpected {{end}}"),
        ("{{else}}", "template: :1: unexpected {{else}}"),
        ("{{if .A}}", "template: :1: unexpected EOF"),
        ("{{if}}{{end}}", "template: :1: missing value for if"),
        ("{{range .A}}x", "template: :1: unexpected EOF"),
        (
            "{{if .A}}{{else}}{{else}}{{end}}",
            "template: :1: expected end; found {{else}}",
        ),
        ("{{foo}}", "template: :1: function \"foo\" not defined"),
        (
            "{{.A | foo 3}}",
            "template: :1: function \"foo\" not defined",
        ),
        ("{{$x}}", "template: :1: undefined variable \"$x\""),
        (
            "{{if .}}{{$x := 1}}{{end}}{{$x}}",
            "template: :1: undefined variable \"$x\"",
        ),
        (
            "{{.A | 3}}",
            "template: :1: non executable command in pipeline stage 2",
        ),
        (
            "{{.A | \"s\"}}",
            "template: :1: non executable command in pipeline stage 2",
        ),
        ("{{break}}", "template: :1: {{break}} outside {{range}}"),
        (
            "{{continue}}",
            "template: :1: {{continue}} outside {{range}}",
        ),
        (
            "{{range .}}{{break 1}}{{end}}",
            "template: :1: unexpected \"1\" in {{break}}",
        ),
        ("{{end 1}}", "template: :1: unexpected \"1\" in end"),
        ("{{.A if}}", "template: :1: unexpected <if> in operand"),
        (
            "{{\"a\".B}}",
            "template: :1: unexpected . after term \"\\\"a\\\"\"",
        ),
        (
            "{{range $a, $b, $c := .}}{{end}}",
            "template: :1: too many declarations in range",
        ),
        (
            "{{with $a, $b := .}}{{end}}",
            "template: :1: too many declarations in with",
        ),
        (
            "{{range $a, 3}}{{end}}",
            "template: :1: range can only initialize variables",
        ),
        (
            "{{99999999999999999999}}",
            "template: :1: integer overflow: \"99999999999999999999\"",
        ),
        ("{{0x}}", "template: :1: illegal number syntax: \"0x\""),
        ("{{-}}", "template: :1: illegal number syntax: \"-\""),
        ("line\n{{.A}}\n{{end}}", "template: :3: unexpected {{end}}"),
    ];
    for &(source, want) in cases {
        match parse(source) {
            Ok(_) => panic!("parse({source:?}) should fail with {want}"),
            Err(error) => assert_eq!(error.to_string(), want, "parse({source:?})"),
        }
    }
}

#[test]
fn unsupported_syntax_is_named_with_its_position() {
    let cases: &[(&str, &str)] = &[
        (
            "{{template \"x\"}}",
            "template: :1:2: unsupported action {{template}}",
        ),
        (
            "ab{{define \"x\"}}{{end}}",
            "template: :1:4: unsupported action {{define}}",
        ),
        (
            "\n {{block \"x\" .}}{{end}}",
            "template: :2:3: unsupported action {{block}}",
        ),
        (
            "{{html .}}",
            "template: :1:2: unsupported action function \"html\"",
        ),
        (
            "{{.A | urlquery}}",
            "template: :1:7: unsupported action function \"urlquery\"",
        ),
        (
            "{{1i}}",
            "template: :1:2: unsupported action complex number 1i",
        ),
    ];
    for &(source, want) in cases {
        let error = parse(source).expect_err(source).to_string();
        assert!(error.starts_with(want), "parse({source:?}) = {error}");
    }
}

#[test]
fn integers_parse_like_go() {
    let cases: &[(&str, Option<i64>)] = &[
        ("0", Some(0)),
        ("42", Some(42)),
        ("-7", Some(-7)),
        ("+7", Some(7)),
        ("0x1f", Some(31)),
        ("0o17", Some(15)),
        ("017", Some(15)),
        ("0b101", Some(5)),
        ("1.5", None),
        ("9223372036854775807", Some(i64::MAX)),
        ("-9223372036854775808", Some(i64::MIN)),
        ("9223372036854775808", None),
        ("08", None),
    ];
    for &(text, want) in cases {
        assert_eq!(parse_int(text), want, "parse_int({text:?})");
    }
}

#[test]
fn nesting_is_bounded() {
    let parens = |n: usize| format!("{{{{{}.A{}}}}}", "(".repeat(n), ")".repeat(n));
    let ifs = |n: usize| format!("{}x{}", "{{if .A}}".repeat(n), "{{end}}".repeat(n));
    let data = serde_json::json!({"A": "a"});
    for (source, want) in [(parens(48), "a"), (ifs(48), "x")] {
        let template = parse(&source).map_err(|e| e.to_string());
        let output = template.and_then(|t| {
            t.execute(&data, MissingKey::Error)
                .map_err(|e| e.to_string())
        });
        assert_eq!(output.as_deref(), Ok(want));
    }
    for deep in [parens(51), ifs(51), parens(100_000)] {
        let error = parse(&deep).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("template: :1: max expression depth exceeded")
        );
    }
}
