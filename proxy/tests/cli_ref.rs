//! `strata ref`: the parsed reference as JSON, or an error on stderr.

use std::process::Command;

fn strata_ref(input: &str) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["ref", input])
        .output()
        .expect("run strata");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn valid_references_print_every_form() {
    let sha = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
    let cases = [
        (
            "redis",
            serde_json::json!({"canonical": "docker.io/library/redis", "familiar": "redis", "domain": "docker.io", "path": "library/redis", "tag": null, "digest": null}),
        ),
        (
            "lovelearnlinux/webserver:v1",
            serde_json::json!({"canonical": "docker.io/lovelearnlinux/webserver:v1", "familiar": "lovelearnlinux/webserver:v1", "domain": "docker.io", "path": "lovelearnlinux/webserver", "tag": "v1", "digest": null}),
        ),
        (
            &format!("127.0.0.1:5000/team/app:v2@{sha}"),
            serde_json::json!({"canonical": format!("127.0.0.1:5000/team/app:v2@{sha}"), "familiar": format!("127.0.0.1:5000/team/app:v2@{sha}"), "domain": "127.0.0.1:5000", "path": "team/app", "tag": "v2", "digest": sha}),
        ),
    ];
    for (input, want) in cases {
        let (ok, stdout, stderr) = strata_ref(input);
        assert!(ok, "{input}: {stderr}");
        let got: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(got, want, "{input}");
    }
}

#[test]
fn invalid_references_fail_with_the_rule() {
    let cases = [
        ("Redis:latest!", "invalid reference"),
        ("", "invalid reference"),
        (
            "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
            "image ID",
        ),
    ];
    for (input, needle) in cases {
        let (ok, stdout, stderr) = strata_ref(input);
        assert!(!ok, "{input} must fail");
        assert!(stdout.is_empty(), "{input}: nothing on stdout");
        assert!(stderr.contains(needle), "{input}: {stderr}");
    }
}
