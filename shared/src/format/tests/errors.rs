//! What fails, with Go's messages and positions, and what a missing key
//! does under each [`MissingKey`] mode.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{data, render};
use crate::format::{MissingKey, Template};

#[test]
fn execution_errors_read_like_go() {
    let cases: &[(&str, &str)] = &[
        (
            "{{.Foo}}",
            "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"",
        ),
        (
            "ab\n{{.Config.Foo}}",
            "template: :2:9: executing \"\" at <.Config.Foo>: map has no entry for key \"Foo\"",
        ),
        (
            "{{.Tag.Foo}}",
            "template: :1:6: executing \"\" at <.Tag.Foo>: can't evaluate field Foo in type string",
        ),
        (
            "{{.Tags.Foo}}",
            "template: :1:7: executing \"\" at <.Tags.Foo>: can't evaluate field Foo in type []string",
        ),
        (
            "{{.Config.Cmd.Foo}}",
            "template: :1:9: executing \"\" at <.Config.Cmd.Foo>: nil pointer evaluating interface {}.Foo",
        ),
        (
            "{{.Tag 1}}",
            "template: :1:2: executing \"\" at <.Tag>: Tag is not a method but has arguments",
        ),
        (
            "{{1 | .Tag}}",
            "template: :1:6: executing \"\" at <.Tag>: Tag is not a method but has arguments",
        ),
        (
            "{{\"a\" \"b\"}}",
            "template: :1:2: executing \"\" at <\"a\">: can't give argument to non-function \"a\"",
        ),
        (
            "{{nil}}",
            "template: :1:2: executing \"\" at <nil>: nil is not a command",
        ),
        (
            "{{upper}}",
            "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 0",
        ),
        (
            "{{upper .Tag .Tag}}",
            "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 2",
        ),
        (
            "{{index}}",
            "template: :1:2: executing \"\" at <index>: wrong number of args for index: want at least 1 got 0",
        ),
        (
            "{{upper .Count}}",
            "template: :1:8: executing \"\" at <.Count>: wrong type for value; expected string; got int",
        ),
        (
            "{{upper .Null}}",
            "template: :1:8: executing \"\" at <.Null>: wrong type for value; expected string; got interface {}",
        ),
        (
            "{{upper 3}}",
            "template: :1:8: executing \"\" at <3>: expected string; found 3",
        ),
        (
            "{{.Count | upper}}",
            "template: :1:11: executing \"\" at <upper>: wrong type for value; expected string; got int",
        ),
        (
            "{{truncate .Tag \"x\"}}",
            "template: :1:16: executing \"\" at <\"x\">: expected integer; found \"x\"",
        ),
        (
            "{{truncate .Tag .Ratio}}",
            "template: :1:16: executing \"\" at <.Ratio>: wrong type for value; expected int; got float64",
        ),
        (
            "{{truncate .Tag -1}}",
            "template: :1:2: executing \"\" at <truncate .Tag -1>: error calling truncate: runtime error: slice bounds out of range [:-1]",
        ),
        (
            "{{pad .Tag -1 0}}",
            "template: :1:2: executing \"\" at <pad .Tag -1 0>: error calling pad: strings: negative Repeat count",
        ),
        (
            "{{join .Numbers \",\"}}",
            "template: :1:7: executing \"\" at <.Numbers>: wrong type for value; expected []string; got []interface {}",
        ),
        // The piped value is the last argument, so `join` gets "," first.
        (
            "{{.Tags | join \",\"}}",
            "template: :1:15: executing \"\" at <\",\">: can't handle \",\" for arg of type []string",
        ),
        (
            "{{join .Tag \",\"}}",
            "template: :1:7: executing \"\" at <.Tag>: wrong type for value; expected []string; got string",
        ),
        (
            "{{index .Tags 5}}",
            "template: :1:2: executing \"\" at <index .Tags 5>: error calling index: index out of range: 5",
        ),
        (
            "{{index .Tags \"a\"}}",
            "template: :1:2: executing \"\" at <index .Tags \"a\">: error calling index: cannot index slice/array with type string",
        ),
        (
            "{{index .Labels 1}}",
            "template: :1:2: executing \"\" at <index .Labels 1>: error calling index: value has type int; should be string",
        ),
        (
            "{{index .Count 1}}",
            "template: :1:2: executing \"\" at <index .Count 1>: error calling index: can't index item of type int",
        ),
        (
            "{{index .Null 1}}",
            "template: :1:2: executing \"\" at <index .Null 1>: error calling index: index of untyped nil",
        ),
        (
            "{{slice .Tags 2 1}}",
            "template: :1:2: executing \"\" at <slice .Tags 2 1>: error calling slice: invalid slice index: 2 > 1",
        ),
        (
            "{{len .Count}}",
            "template: :1:2: executing \"\" at <len .Count>: error calling len: len of type int",
        ),
        (
            "{{len .Null}}",
            "template: :1:2: executing \"\" at <len .Null>: error calling len: len of nil pointer",
        ),
        (
            "{{eq .Count \"3\"}}",
            "template: :1:2: executing \"\" at <eq .Count \"3\">: error calling eq: incompatible types for comparison",
        ),
        (
            "{{eq .Count}}",
            "template: :1:2: executing \"\" at <eq .Count>: error calling eq: missing argument for comparison",
        ),
        (
            "{{eq .Tags .Tags}}",
            "template: :1:2: executing \"\" at <eq .Tags .Tags>: error calling eq: non-comparable type [latest v1 v1.2]: []string",
        ),
        (
            "{{lt .Yes .No}}",
            "template: :1:2: executing \"\" at <lt .Yes .No>: error calling lt: invalid type for comparison",
        ),
        (
            "{{lt .Count 1.5}}",
            "template: :1:2: executing \"\" at <lt .Count 1.5>: error calling lt: incompatible types for comparison",
        ),
        (
            "{{range .Tag}}{{end}}",
            "template: :1:2: executing \"\" at <{{range .Tag}}>: range can't iterate over latest",
        ),
        (
            "{{printf \"%s\" (upper .Nope)}}",
            "template: :1:21: executing \"\" at <.Nope>: map has no entry for key \"Nope\"",
        ),
        (
            "{{with .Labels}}{{.nope}}{{end}}",
            "template: :1:18: executing \"\" at <.nope>: map has no entry for key \"nope\"",
        ),
        (
            "{{printf \"%s %s %s %s %s %s\" .Tag .Tag .Tag .Tag .Tag .Nope}}",
            "template: :1:54: executing \"\" at <.Nope>: map has no entry for key \"Nope\"",
        ),
        (
            "{{(printf \"%s%s%s%s\" .Tag .Tag .Tag .Tag).Foo}}",
            "template: :1:41: executing \"\" at <(printf \"%s%s%s%s\" ....>: can't evaluate field Foo in type string",
        ),
    ];
    for &(template, want) in cases {
        match render(template) {
            Ok(got) => panic!("template {template:?} should fail, printed {got:?}"),
            Err(error) => assert_eq!(error, want, "template {template:?}"),
        }
    }
}

#[test]
fn missing_keys_print_no_value_when_asked() {
    let cases: &[(&str, &str)] = &[
        ("{{.Foo}}", "<no value>"),
        ("{{.Foo.Bar}}", "<no value>"),
        ("{{.Config.Foo}}|{{.Labels.nope}}", "<no value>|<no value>"),
        ("{{if .Foo}}yes{{else}}no{{end}}", "no"),
        ("{{range .Foo}}x{{else}}empty{{end}}", "empty"),
        (
            "{{printf \"%v\" .Foo}} {{json .Foo}} {{print .Foo}}",
            "<nil> null <nil>",
        ),
        (
            "{{not .Foo}} {{eq .Foo \"x\"}} {{eq .Foo .Null}} {{join .Foo \",\"}}|",
            "true false true |",
        ),
        ("{{len .Foo}}", "ERR"),
        ("{{upper .Foo}}", "ERR"),
    ];
    for &(source, want) in cases {
        let template = Template::parse(source).expect("parses");
        let got = template
            .execute(&data(), MissingKey::NoValue)
            .unwrap_or_else(|_| "ERR".to_owned());
        assert_eq!(got, want, "template {source:?}");
    }
}

#[test]
fn errors_keep_nothing_of_a_failed_execute() {
    let template = Template::parse("{{.Tag}} then {{.Nope}}").expect("parses");
    assert!(template.execute(&data(), MissingKey::Error).is_err());
}
