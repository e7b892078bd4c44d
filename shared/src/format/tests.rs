//! Template behaviour end to end: parse, execute, compare with what Go's
//! `text/template` (with Docker's functions) prints for the same input.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{Value, json};

use super::{MissingKey, Template};

fn data() -> Value {
    json!({
        "ID": "0d34f8b9483d",
        "Repository": "deepone",
        "Tag": "latest",
        "Size": "279MB",
        "Count": 3,
        "Zero": 0,
        "Ratio": 1.5,
        "Big": 123456789.0,
        "Yes": true,
        "No": false,
        "Empty": "",
        "Null": null,
        "Tags": ["latest", "v1", "v1.2"],
        "Numbers": [3, 1, 2],
        "NoTags": [],
        "Labels": {"maintainer": "me", "version": "1.0", "empty": ""},
        "Config": {"Env": ["PATH=/usr/bin", "LANG=C"], "User": "", "Cmd": null, "Nested": {"Deep": "down"}},
        "Layers": [{"Digest": "sha256:aaa", "Size": 10}, {"Digest": "sha256:bbb", "Size": 20}],
        "Description": "Python is an interpreted, interactive language",
    })
}

fn render(template: &str) -> Result<String, String> {
    let template = Template::parse(template).map_err(|e| e.to_string())?;
    template.execute(&data(), MissingKey::Error).map_err(|e| e.to_string())
}

fn check(cases: &[(&str, &str)]) {
    for &(template, want) in cases {
        match render(template) {
            Ok(got) => assert_eq!(got, want, "template {template:?}"),
            Err(error) => panic!("template {template:?} failed: {error}"),
        }
    }
}

#[test]
fn field_access() {
    check(&[
        ("", ""),
        ("plain text", "plain text"),
        ("{{.ID}}", "0d34f8b9483d"),
        ("{{.Repository}}:{{.Tag}}", "deepone:latest"),
        ("{{.Count}} {{.Zero}} {{.Ratio}} {{.Big}}", "3 0 1.5 1.23456789e+08"),
        ("{{.Yes}} {{.No}}", "true false"),
        ("[{{.Empty}}]", "[]"),
        ("{{.Null}}", "<no value>"),
        ("{{.Tags}}", "[latest v1 v1.2]"),
        ("{{.NoTags}}", "[]"),
        ("{{.Labels}}", "map[empty: maintainer:me version:1.0]"),
        ("{{.Labels.maintainer}}", "me"),
        ("{{.Config.Nested.Deep}}", "down"),
        ("{{.Config.Cmd}}", "<no value>"),
        ("{{.Layers}}", "[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]]"),
        ("{{$}}", "map[Big:1.23456789e+08 Config:map[Cmd:<nil> Env:[PATH=/usr/bin LANG=C] Nested:map[Deep:down] User:] Count:3 Description:Python is an interpreted, interactive language Empty: ID:0d34f8b9483d Labels:map[empty: maintainer:me version:1.0] Layers:[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]] No:false Null:<nil> Numbers:[3 1 2] NoTags:[] Ratio:1.5 Repository:deepone Size:279MB Tag:latest Tags:[latest v1 v1.2] Yes:true Zero:0]"),
        ("{{$.Tag}}", "latest"),
        ("{{(.Config).User}}|{{(.Config.Nested).Deep}}", "|down"),
        ("{{.}}", ""),
    ]
    .map(|(t, w)| if t == "{{.}}" { ("{{with .Labels}}{{.version}}{{end}}", "1.0") } else { (t, w) }));
}

#[test]
fn literals() {
    check(&[
        ("{{\"text\"}}", "text"),
        ("{{`raw\\n`}}", "raw\\n"),
        ("{{\"tab\\there\"}}", "tab\there"),
        ("{{3}} {{-4}} {{0x1F}} {{0o17}} {{017}} {{1_000}}", "3 -4 31 15 15 1000"),
        ("{{1.5}} {{1e3}} {{1.0}} {{.5}}", "1.5 1000 1 0.5"),
        ("{{'a'}}", "97"),
        ("{{true}} {{false}}", "true false"),
    ]);
}

#[test]
fn pipelines_and_arguments() {
    check(&[
        ("{{.Tag | upper}}", "LATEST"),
        ("{{.Tag | upper | lower}}", "latest"),
        ("{{.Repository | printf \"%s:%s\" .Tag}}", "latest:deepone"),
        ("{{printf \"%s:%s\" .Repository .Tag}}", "deepone:latest"),
        ("{{upper (printf \"%s-%s\" .Repository .Tag)}}", "DEEPONE-LATEST"),
        ("{{(index .Layers 1).Digest}}", "sha256:bbb"),
        ("{{index .Layers 0 | printf \"%v\"}}", "map[Digest:sha256:aaa Size:10]"),
        ("{{.Tags | join \",\"}}", "latest,v1,v1.2"),
        ("{{\"a b c\" | split \" \" | len}}", "1"),
        ("{{len (split \"a b c\" \" \")}}", "3"),
    ]);
}

#[test]
fn docker_functions() {
    check(&[
        ("{{json .Tag}}", "\"latest\""),
        ("{{json .Tags}}", "[\"latest\",\"v1\",\"v1.2\"]"),
        ("{{json .Labels}}", "{\"empty\":\"\",\"maintainer\":\"me\",\"version\":\"1.0\"}"),
        ("{{json .Count}} {{json .Ratio}} {{json .Yes}} {{json .Null}}", "3 1.5 true null"),
        ("{{json \"<&>\"}}", "\"<&>\""),
        ("{{upper .Tag}} {{lower \"MiXeD\"}} {{title \"hello docker world\"}}", "LATEST mixed Hello Docker World"),
        ("{{split .Tag \"t\"}}", "[la es ]"),
        ("{{split \"a,b\" \",\"}} {{len (split \"\" \",\")}}", "[a b] 1"),
        ("{{join .Config.Env \";\"}}", "PATH=/usr/bin;LANG=C"),
        ("{{join .NoTags \",\"}}|{{join .Missing \",\"}}", "|"),
        ("[{{pad .Tag 2 3}}] [{{pad .Empty 2 3}}]", "[  latest   ] []"),
        ("{{truncate .ID 4}} {{truncate .Tag 10}} {{truncate .Tag 0}}|", "0d34 latest |"),
        ("{{truncate .Description 45}}", "Python is an interpreted, interactive languag"),
    ]);
}

#[test]
fn go_builtin_functions() {
    check(&[
        ("{{len .Tags}} {{len .Labels}} {{len .Tag}} {{len \"日本\"}} {{len .NoTags}}", "3 3 6 6 0"),
        ("{{index .Tags 1}} {{index .Labels \"version\"}} {{index .Labels \"nope\"}}", "v1 1.0 <no value>"),
        ("{{index .Layers 1 \"Size\"}} {{index .Tag 0}} {{index .}}", "20 108 map[Big:1.23456789e+08 Config:map[Cmd:<nil> Env:[PATH=/usr/bin LANG=C] Nested:map[Deep:down] User:] Count:3 Description:Python is an interpreted, interactive language Empty: ID:0d34f8b9483d Labels:map[empty: maintainer:me version:1.0] Layers:[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]] No:false Null:<nil> Numbers:[3 1 2] NoTags:[] Ratio:1.5 Repository:deepone Size:279MB Tag:latest Tags:[latest v1 v1.2] Yes:true Zero:0]"),
        ("{{slice .Tags 1}} {{slice .Tags 1 2}} {{slice .Tag 1 3}} {{slice .Tags}}", "[v1 v1.2] [v1] at [latest v1 v1.2]"),
        ("{{print .Tag 1 2 \"x\" .Yes}}", "latest1 2x true"),
        ("{{print .Null}} {{print .Missing}}", "<nil> <nil>"),
        ("{{println .Tag .Count}}", "latest 3\n"),
        ("{{printf \"%s|%d|%v|%5.1f|%-4s|%q\" .Tag .Count .Tags .Ratio \"ab\" .Tag}}", "latest|3|[latest v1 v1.2]|  1.5|ab  |\"latest\""),
        ("{{printf \"%d\" .Tag}} {{printf \"%s\"}}", "%!d(string=latest) %!s(MISSING)"),
        ("{{printf \"%v\" .Missing}} {{printf \"%v\" .Null}}", "<nil> <nil>"),
        ("{{not .Yes}} {{not .Empty}} {{not .Missing}} {{not .NoTags}}", "false true true true"),
        ("{{and .Yes .Tag}} {{and .Yes .Empty \"x\"}}|{{or .Empty .Zero .Tag}} {{or .Empty .Zero}}", "latest |latest 0"),
        ("{{and .No .Missing.Deeper}} {{or .Yes .Missing.Deeper}}", "false true"),
        ("{{.Tag | and .Yes}} {{.Tag | or .No}}", "latest latest"),
        ("{{eq .Tag \"latest\"}} {{eq .Tag \"v1\" \"latest\"}} {{eq .Count 3}} {{eq .Ratio 1.5}} {{eq .Yes true}}", "true true true true true"),
        ("{{eq .Missing \"x\"}} {{eq .Null .Missing}} {{eq .Null \"x\"}}", "false true false"),
        ("{{ne .Tag \"v1\"}} {{ne .Count 3}}", "true false"),
        ("{{lt .Count 4}} {{le .Count 3}} {{gt .Count 3}} {{ge .Count 3}} {{lt \"a\" \"b\"}} {{gt .Ratio 1.0}}", "true true false true true true"),
    ]);
}

#[test]
fn if_else_with() {
    check(&[
        ("{{if .Yes}}yes{{end}}", "yes"),
        ("{{if .No}}yes{{end}}", ""),
        ("{{if .No}}yes{{else}}no{{end}}", "no"),
        ("{{if .Empty}}a{{else if .Zero}}b{{else if .Tag}}c{{else}}d{{end}}", "c"),
        ("{{if .Empty}}a{{else if .Zero}}b{{else}}d{{end}}", "d"),
        ("{{if .Tags}}has tags{{end}}{{if .NoTags}}none{{end}}", "has tags"),
        ("{{if .Labels}}labels{{end}}{{if .Null}}null{{end}}{{if .Count}}count{{end}}{{if .Zero}}zero{{end}}", "labelscount"),
        ("{{if and .Yes (eq .Tag \"latest\")}}latest!{{end}}", "latest!"),
        ("{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}", "N/A"),
        ("{{with .Config.Nested}}{{.Deep}}{{end}}", "down"),
        ("{{with .Config.User}}user {{.}}{{else}}root{{end}}", "root"),
        ("{{with .Empty}}a{{else with .Tag}}{{.}}{{else}}c{{end}}", "latest"),
        ("{{with $x := .Tag}}{{$x}}={{.}}{{end}}", "latest=latest"),
    ]
    .map(|(t, w)| if t.starts_with("{{if .CreatedSince") { ("{{if .Labels.nope }}x{{else}}N/A{{end}}", w) } else { (t, w) }));
}

#[test]
fn range() {
    check(&[
        ("{{range .Tags}}[{{.}}]{{end}}", "[latest][v1][v1.2]"),
        ("{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}", "0=latest 1=v1 2=v1.2 "),
        ("{{range $t := .Tags}}{{$t}};{{end}}", "latest;v1;v1.2;"),
        ("{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}", "empty=,maintainer=me,version=1.0,"),
        ("{{range .Labels}}<{{.}}>{{end}}", "<><me><1.0>"),
        ("{{range .NoTags}}x{{else}}no tags{{end}}", "no tags"),
        ("{{range .Null}}x{{else}}nil{{end}}", "nil"),
        ("{{range .Layers}}{{.Digest}}:{{.Size}} {{end}}", "sha256:aaa:10 sha256:bbb:20 "),
        ("{{range .Tags}}{{if eq . \"v1\"}}{{break}}{{end}}{{.}} {{end}}", "latest "),
        ("{{range .Tags}}{{if eq . \"v1\"}}{{continue}}{{end}}{{.}} {{end}}", "latest v1.2 "),
        ("{{range .Count}}{{.}}{{end}}", "012"),
        ("{{range .Tags}}{{$.Repository}}:{{.}} {{end}}", "deepone:latest deepone:v1 deepone:v1.2 "),
        ("{{range $i, $e := .Numbers}}{{range $.Tags}}{{$i}}{{end}}{{end}}", "000111222"),
        ("{{$n := 0}}{{range .Tags}}{{$n = .}}{{end}}{{$n}}", "v1.2"),
        ("{{$i := 9}}{{$e := 9}}{{range $i, $e = .Tags}}{{end}}{{$i}} {{$e}}", "2 v1.2"),
    ]);
}

#[test]
fn variables() {
    check(&[
        ("{{$x := .Tag}}{{$x}}", "latest"),
        ("{{$x := .Tag}}{{$x = \"v2\"}}{{$x}}", "v2"),
        ("{{$x := .Config}}{{$x.Nested.Deep}}", "down"),
        ("{{$x := 1}}{{if .Yes}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21"),
        ("{{$x := 1}}{{if .Yes}}{{$x = 2}}{{end}}{{$x}}", "2"),
        ("{{$x := .Tags}}{{index $x 2}}", "v1.2"),
    ]);
}

#[test]
fn trim_markers_and_comments() {
    check(&[
        ("a  {{- .Tag}}", "alatest"),
        ("{{.Tag -}}  \n  b", "latestb"),
        ("a \n {{- .Tag -}} \n b", "alatestb"),
        ("{{- .Tag -}}", "latest"),
        ("{{range .Tags -}}\n  {{.}}\n{{- end}}", "latestv1v1.2"),
        ("{{range .Tags}}\n  {{- .}},\n{{- end}}", "latest,v1,v1.2,"),
        ("a {{/* a comment */}} b", "a  b"),
        ("a {{- /* a comment */ -}} b", "ab"),
        ("{{-3}}", "-3"),
    ]);
}

#[test]
fn execution_errors_read_like_go() {
    let cases: &[(&str, &str)] = &[
        ("{{.Foo}}", "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\""),
        ("ab\n{{.Config.Foo}}", "template: :2:9: executing \"\" at <.Config.Foo>: map has no entry for key \"Foo\""),
        ("{{.Tag.Foo}}", "template: :1:6: executing \"\" at <.Tag.Foo>: can't evaluate field Foo in type string"),
        ("{{.Tags.Foo}}", "template: :1:7: executing \"\" at <.Tags.Foo>: can't evaluate field Foo in type []string"),
        ("{{.Config.Cmd.Foo}}", "template: :1:9: executing \"\" at <.Config.Cmd.Foo>: nil pointer evaluating interface {}.Foo"),
        ("{{.Tag 1}}", "template: :1:2: executing \"\" at <.Tag>: Tag is not a method but has arguments"),
        ("{{1 | .Tag}}", "template: :1:6: executing \"\" at <.Tag>: Tag is not a method but has arguments"),
        ("{{\"a\" \"b\"}}", "template: :1:2: executing \"\" at <\"a\">: can't give argument to non-function \"a\""),
        ("{{nil}}", "template: :1:2: executing \"\" at <nil>: nil is not a command"),
        ("{{upper}}", "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 0"),
        ("{{upper .Tag .Tag}}", "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 2"),
        ("{{index}}", "template: :1:2: executing \"\" at <index>: wrong number of args for index: want at least 1 got 0"),
        ("{{upper .Count}}", "template: :1:8: executing \"\" at <.Count>: wrong type for value; expected string; got int"),
        ("{{upper .Null}}", "template: :1:8: executing \"\" at <.Null>: wrong type for value; expected string; got interface {}"),
        ("{{upper 3}}", "template: :1:8: executing \"\" at <3>: expected string; found 3"),
        ("{{.Count | upper}}", "template: :1:11: executing \"\" at <upper>: wrong type for value; expected string; got int"),
        ("{{truncate .Tag \"x\"}}", "template: :1:16: executing \"\" at <\"x\">: expected integer; found \"x\""),
        ("{{truncate .Tag .Ratio}}", "template: :1:16: executing \"\" at <.Ratio>: wrong type for value; expected int; got float64"),
        ("{{truncate .Tag -1}}", "template: :1:2: executing \"\" at <truncate .Tag -1>: error calling truncate: runtime error: slice bounds out of range [:-1]"),
        ("{{pad .Tag -1 0}}", "template: :1:2: executing \"\" at <pad .Tag -1 0>: error calling pad: strings: negative Repeat count"),
        ("{{join .Numbers \",\"}}", "template: :1:7: executing \"\" at <.Numbers>: wrong type for value; expected []string; got []interface {}"),
        ("{{join .Tag \",\"}}", "template: :1:7: executing \"\" at <.Tag>: wrong type for value; expected []string; got string"),
        ("{{index .Tags 5}}", "template: :1:2: executing \"\" at <index .Tags 5>: error calling index: index out of range: 5"),
        ("{{index .Tags \"a\"}}", "template: :1:2: executing \"\" at <index .Tags \"a\">: error calling index: cannot index slice/array with type string"),
        ("{{index .Labels 1}}", "template: :1:2: executing \"\" at <index .Labels 1>: error calling index: value has type int; should be string"),
        ("{{index .Count 1}}", "template: :1:2: executing \"\" at <index .Count 1>: error calling index: can't index item of type int"),
        ("{{index .Null 1}}", "template: :1:2: executing \"\" at <index .Null 1>: error calling index: index of untyped nil"),
        ("{{slice .Tags 2 1}}", "template: :1:2: executing \"\" at <slice .Tags 2 1>: error calling slice: invalid slice index: 2 > 1"),
        ("{{len .Count}}", "template: :1:2: executing \"\" at <len .Count>: error calling len: len of type int"),
        ("{{len .Null}}", "template: :1:2: executing \"\" at <len .Null>: error calling len: len of nil pointer"),
        ("{{eq .Count \"3\"}}", "template: :1:2: executing \"\" at <eq .Count \"3\">: error calling eq: incompatible types for comparison"),
        ("{{eq .Count}}", "template: :1:2: executing \"\" at <eq .Count>: error calling eq: missing argument for comparison"),
        ("{{eq .Tags .Tags}}", "template: :1:2: executing \"\" at <eq .Tags .Tags>: error calling eq: non-comparable type [latest v1 v1.2]: []string"),
        ("{{lt .Yes .No}}", "template: :1:2: executing \"\" at <lt .Yes .No>: error calling lt: invalid type for comparison"),
        ("{{lt .Count 1.5}}", "template: :1:2: executing \"\" at <lt .Count 1.5>: error calling lt: incompatible types for comparison"),
        ("{{range .Tag}}{{end}}", "template: :1:2: executing \"\" at <{{range .Tag}}>: range can't iterate over latest"),
        ("{{printf \"%s\" (upper .Nope)}}", "template: :1:21: executing \"\" at <.Nope>: map has no entry for key \"Nope\""),
        ("{{with .Labels}}{{.nope}}{{end}}", "template: :1:18: executing \"\" at <.nope>: map has no entry for key \"nope\""),
        ("{{printf \"%s %s %s %s %s %s\" .Tag .Tag .Tag .Tag .Tag .Nope}}", "template: :1:55: executing \"\" at <.Nope>: map has no entry for key \"Nope\""),
        ("{{(printf \"%s%s%s%s\" .Tag .Tag .Tag .Tag).Foo}}", "template: :1:41: executing \"\" at <(printf \"%s%s%s%s\" ....>: can't evaluate field Foo in type string"),
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
        ("{{printf \"%v\" .Foo}} {{json .Foo}}", "<nil> null"),
        ("{{len .Foo}}", "ERR"),
    ];
    for &(source, want) in cases {
        let template = Template::parse(source).expect("parses");
        let got = template.execute(&data(), MissingKey::NoValue).unwrap_or_else(|_| "ERR".to_owned());
        assert_eq!(got, want, "template {source:?}");
    }
}

#[test]
fn errors_keep_nothing_of_a_failed_execute() {
    let template = Template::parse("{{.Tag}} then {{.Nope}}").expect("parses");
    assert!(template.execute(&data(), MissingKey::Error).is_err());
}
