//! `strata login` / `logout` write the Docker config, and pulls use it.

use std::io::Write;
use std::process::{Command, Stdio};

use test_support::{Auth, PASSWORD, Registry, USER, fixtures};

fn strata(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .env("DOCKER_CONFIG", dir.join("docker"))
        .env("STRATA_STORE", dir.join("store"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write");
    drop(input);
    child.wait_with_output().expect("wait")
}

#[test]
fn login_pull_logout() {
    let registry = Registry::start(Auth::Token).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let dir = tempfile::tempdir().expect("tmp");
    let host = registry.host();
    let insecure = format!("--insecure-registry={host}");

    let refused = strata(dir.path(), &["pull", &insecure, &pushed.reference], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains(&format!("strata login {host}")));

    let no_stdin = strata(dir.path(), &["login", &host, "-u", USER], None);
    assert!(!no_stdin.status.success());
    assert!(String::from_utf8_lossy(&no_stdin.stderr).contains("--password-stdin"));

    let wrong = strata(
        dir.path(),
        &["login", &insecure, &host, "-u", USER, "--password-stdin"],
        Some("nope\n"),
    );
    assert!(!wrong.status.success());
    let wrong_err = String::from_utf8_lossy(&wrong.stderr);
    assert!(wrong_err.contains("nothing was stored"), "{wrong_err}");
    assert!(
        !dir.path().join("docker/config.json").exists(),
        "a refused login stores nothing"
    );

    let login = strata(
        dir.path(),
        &["login", &insecure, &host, "-u", USER, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(String::from_utf8_lossy(&login.stdout).contains("Login Succeeded"));
    let config: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("docker/config.json")).expect("config"),
    )
    .expect("json");
    assert!(config["auths"][&host]["auth"].is_string(), "{config}");
    assert!(!String::from_utf8_lossy(&login.stdout).contains(PASSWORD));

    let pulled = strata(dir.path(), &["pull", &insecure, &pushed.reference], None);
    assert!(
        pulled.status.success(),
        "{}",
        String::from_utf8_lossy(&pulled.stderr)
    );

    let logout = strata(dir.path(), &["logout", &host], None);
    assert!(logout.status.success());
    assert!(String::from_utf8_lossy(&logout.stdout).contains("Removing login credentials"));
    let config: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("docker/config.json")).expect("config"),
    )
    .expect("json");
    assert!(config["auths"].get(&host).is_none(), "{config}");
}
