//! The `fixture-registry` binary (`make demo`, `make bench`): a script that
//! stops it with SIGTERM, as `demo.sh`'s clean-up does, stops the
//! distribution registry it started too.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigterm_stops_the_registry_it_started() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-registry"))
        .arg("open")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start fixture-registry");
    let stdout = child.stdout.take().expect("stdout");
    let mut host = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(h) = line.strip_prefix("registry ") {
            host = Some(h.to_owned());
        }
        if line == "ready" {
            break;
        }
    }
    let host = host.expect("it prints the registry's address");
    assert!(
        std::net::TcpStream::connect(&host).is_ok(),
        "the registry answers at {host}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "it exits cleanly on SIGTERM: {status}");
    // The registry process is gone with it: nothing listens any more.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&host).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the distribution registry at {host} outlived fixture-registry"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
