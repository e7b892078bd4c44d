//! Fields, literals, pipelines, functions, control structures, variables
//! and trim markers.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::check;

#[test]
fn field_access() {
    check(&[
        ("", ""),
        ("plain text", "plain text"),
        ("{{.ID}}", "0d34f8b9483d"),
        ("{{.Repository}}:{{.Tag}}", "deepone:latest"),
        (
            "{{.Count}} {{.Zero}} {{.Ratio}} {{.Big}}",
            "3 0 1.5 1.23456789e+08",
        ),
        ("{{.Yes}} {{.No}}", "true false"),
        ("[{{.Empty}}]", "[]"),
        ("{{.Null}}", "<no value>"),
        ("{{.Tags}}", "[latest v1 v1.2]"),
        ("{{.NoTags}}", "[]"),
        ("{{.Labels}}", "map[empty: maintainer:me version:1.0]"),
        ("{{.Labels.maintainer}}", "me"),
        ("{{.Config.Nested.Deep}}", "down"),
        ("{{.Config.Cmd}}", "<no value>"),
        (
            "{{.Layers}}",
            "[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]]",
        ),
        (
            "{{$}}",
            "map[Big:1.23456789e+08 Config:map[Cmd:<nil> Env:[PATH=/usr/bin LANG=C] Nested:map[Deep:down] User:] Count:3 Description:Python is an interpreted, interactive language Empty: ID:0d34f8b9483d Labels:map[empty: maintainer:me version:1.0] Layers:[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]] No:false NoTags:[] Null:<nil> Numbers:[3 1 2] Ratio:1.5 Repository:deepone Size:279MB Tag:latest Tags:[latest v1 v1.2] Yes:true Zero:0]",
        ),
        ("{{$.Tag}}", "latest"),
        ("{{(.Config).User}}|{{(.Config.Nested).Deep}}", "|down"),
        ("{{with .Labels}}{{.version}}{{end}}", "1.0"),
    ]);
}

#[test]
fn literals() {
    check(&[
        ("{{\"text\"}}", "text"),
        ("{{`raw\\n`}}", "raw\\n"),
        ("{{\"tab\\there\"}}", "tab\there"),
        (
            "{{3}} {{-4}} {{0x1F}} {{0o17}} {{017}} {{1_000}}",
            "3 -4 31 15 15 1000",
        ),
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
        (
            "{{upper (printf \"%s-%s\" .Repository .Tag)}}",
            "DEEPONE-LATEST",
        ),
        ("{{(index .Layers 1).Digest}}", "sha256:bbb"),
        (
            "{{index .Layers 0 | printf \"%v\"}}",
            "map[Digest:sha256:aaa Size:10]",
        ),
        ("{{\"a b c\" | split \" \" | len}}", "1"),
        ("{{len (split \"a b c\" \" \")}}", "3"),
    ]);
}

#[test]
fn docker_functions() {
    check(&[
        ("{{json .Tag}}", "\"latest\""),
        ("{{json .Tags}}", "[\"latest\",\"v1\",\"v1.2\"]"),
        (
            "{{json .Labels}}",
            "{\"empty\":\"\",\"maintainer\":\"me\",\"version\":\"1.0\"}",
        ),
        (
            "{{json .Count}} {{json .Ratio}} {{json .Yes}} {{json .Null}}",
            "3 1.5 true null",
        ),
        ("{{json \"<&>\"}}", "\"<&>\""),
        (
            "{{upper .Tag}} {{lower \"MiXeD\"}} {{title \"hello docker world\"}}",
            "LATEST mixed Hello Docker World",
        ),
        ("{{split .Tag \"t\"}}", "[la es ]"),
        (
            "{{split \"a,b\" \",\"}} {{len (split \"\" \",\")}}",
            "[a b] 1",
        ),
        ("{{join .Config.Env \";\"}}", "PATH=/usr/bin;LANG=C"),
        ("{{join .NoTags \",\"}}|", "|"),
        (
            "[{{pad .Tag 2 3}}] [{{pad .Empty 2 3}}]",
            "[  latest   ] []",
        ),
        (
            "{{truncate .ID 4}} {{truncate .Tag 10}} {{truncate .Tag 0}}|",
            "0d34 latest |",
        ),
        (
            "{{truncate .Description 45}}",
            "Python is an interpreted, interactive languag",
        ),
    ]);
}

#[test]
fn go_builtin_functions() {
    check(&[
        (
            "{{len .Tags}} {{len .Labels}} {{len .Tag}} {{len \"日本\"}} {{len .NoTags}}",
            "3 3 6 6 0",
        ),
        (
            "{{index .Tags 1}} {{index .Labels \"version\"}} {{index .Labels \"nope\"}}",
            "v1 1.0 <no value>",
        ),
        (
            "{{index .Layers 1 \"Size\"}} {{index .Tag 0}} {{index .}}",
            "20 108 map[Big:1.23456789e+08 Config:map[Cmd:<nil> Env:[PATH=/usr/bin LANG=C] Nested:map[Deep:down] User:] Count:3 Description:Python is an interpreted, interactive language Empty: ID:0d34f8b9483d Labels:map[empty: maintainer:me version:1.0] Layers:[map[Digest:sha256:aaa Size:10] map[Digest:sha256:bbb Size:20]] No:false NoTags:[] Null:<nil> Numbers:[3 1 2] Ratio:1.5 Repository:deepone Size:279MB Tag:latest Tags:[latest v1 v1.2] Yes:true Zero:0]",
        ),
        (
            "{{slice .Tags 1}} {{slice .Tags 1 2}} {{slice .Tag 1 3}} {{slice .Tags}}",
            "[v1 v1.2] [v1] at [latest v1 v1.2]",
        ),
        ("{{print .Tag 1 2 \"x\" .Yes}}", "latest1 2xtrue"),
        ("{{print .Null}}", "<nil>"),
        ("{{println .Tag .Count}}", "latest 3\n"),
        (
            "{{printf \"%s|%d|%v|%5.1f|%-4s|%q\" .Tag .Count .Tags .Ratio \"ab\" .Tag}}",
            "latest|3|[latest v1 v1.2]|  1.5|ab  |\"latest\"",
        ),
        (
            "{{printf \"%d\" .Tag}} {{printf \"%s\"}}",
            "%!d(string=latest) %!s(MISSING)",
        ),
        ("{{printf \"%v\" .Null}}", "<nil>"),
        (
            "{{not .Yes}} {{not .Empty}} {{not .Null}} {{not .NoTags}}",
            "false true true true",
        ),
        (
            "{{and .Yes .Tag}} {{and .Yes .Empty \"x\"}}|{{or .Empty .Zero .Tag}} {{or .Empty .Zero}}",
            "latest |latest 0",
        ),
        (
            "{{and .No .Missing.Deeper}} {{or .Yes .Missing.Deeper}}",
            "false true",
        ),
        ("{{.Tag | and .Yes}} {{.Tag | or .No}}", "latest latest"),
        (
            "{{eq .Tag \"latest\"}} {{eq .Tag \"v1\" \"latest\"}} {{eq .Count 3}} {{eq .Ratio 1.5}} {{eq .Yes true}}",
            "true true true true true",
        ),
        ("{{eq .Null \"x\"}} {{eq .Null nil}}", "false true"),
        ("{{ne .Tag \"v1\"}} {{ne .Count 3}}", "true false"),
        (
            "{{lt .Count 4}} {{le .Count 3}} {{gt .Count 3}} {{ge .Count 3}} {{lt \"a\" \"b\"}} {{gt .Ratio 1.0}}",
            "true true false true true true",
        ),
    ]);
}

#[test]
fn if_else_with() {
    check(&[
        ("{{if .Yes}}yes{{end}}", "yes"),
        ("{{if .No}}yes{{end}}", ""),
        ("{{if .No}}yes{{else}}no{{end}}", "no"),
        (
            "{{if .Empty}}a{{else if .Zero}}b{{else if .Tag}}c{{else}}d{{end}}",
            "c",
        ),
        ("{{if .Empty}}a{{else if .Zero}}b{{else}}d{{end}}", "d"),
        (
            "{{if .Tags}}has tags{{end}}{{if .NoTags}}none{{end}}",
            "has tags",
        ),
        (
            "{{if .Labels}}labels{{end}}{{if .Null}}null{{end}}{{if .Count}}count{{end}}{{if .Zero}}zero{{end}}",
            "labelscount",
        ),
        (
            "{{if and .Yes (eq .Tag \"latest\")}}latest!{{end}}",
            "latest!",
        ),
        ("{{if .Empty }}{{.Empty}}{{else}}N/A{{end}}", "N/A"),
        ("{{with .Config.Nested}}{{.Deep}}{{end}}", "down"),
        ("{{with .Config.User}}user {{.}}{{else}}root{{end}}", "root"),
        (
            "{{with .Empty}}a{{else with .Tag}}{{.}}{{else}}c{{end}}",
            "latest",
        ),
        ("{{with $x := .Tag}}{{$x}}={{.}}{{end}}", "latest=latest"),
    ]);
}

#[test]
fn range() {
    check(&[
        ("{{range .Tags}}[{{.}}]{{end}}", "[latest][v1][v1.2]"),
        (
            "{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}",
            "0=latest 1=v1 2=v1.2 ",
        ),
        ("{{range $t := .Tags}}{{$t}};{{end}}", "latest;v1;v1.2;"),
        (
            "{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}",
            "empty=,maintainer=me,version=1.0,",
        ),
        ("{{range .Labels}}<{{.}}>{{end}}", "<><me><1.0>"),
        ("{{range .NoTags}}x{{else}}no tags{{end}}", "no tags"),
        ("{{range .Null}}x{{else}}nil{{end}}", "nil"),
        (
            "{{range .Layers}}{{.Digest}}:{{.Size}} {{end}}",
            "sha256:aaa:10 sha256:bbb:20 ",
        ),
        (
            "{{range .Tags}}{{if eq . \"v1\"}}{{break}}{{end}}{{.}} {{end}}",
            "latest ",
        ),
        (
            "{{range .Tags}}{{if eq . \"v1\"}}{{continue}}{{end}}{{.}} {{end}}",
            "latest v1.2 ",
        ),
        ("{{range .Count}}{{.}}{{end}}", "012"),
        (
            "{{range .Tags}}{{$.Repository}}:{{.}} {{end}}",
            "deepone:latest deepone:v1 deepone:v1.2 ",
        ),
        (
            "{{range $i, $e := .Numbers}}{{range $.Tags}}{{$i}}{{end}}{{end}}",
            "000111222",
        ),
        ("{{$n := 0}}{{range .Tags}}{{$n = .}}{{end}}{{$n}}", "v1.2"),
        (
            "{{$i := 9}}{{$e := 9}}{{range $i, $e = .Tags}}{{end}}{{$i}} {{$e}}",
            "2 v1.2",
        ),
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
