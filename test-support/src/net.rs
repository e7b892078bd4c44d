//! Local network helpers: free ports, this machine's non-loopback address,
//! and a tiny HTTP status probe.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// An IPv4 address of this machine that is not loopback (from
/// `hostname -I`), for tests of a server bound to one; `None` when the
/// machine has none.
pub fn non_loopback_ipv4() -> Option<std::net::Ipv4Addr> {
    let output = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|a| a.parse::<std::net::Ipv4Addr>().ok())
        .find(|ip| !ip.is_loopback() && !ip.is_unspecified() && !ip.is_link_local())
}

/// The status code of `GET path` on `addr`, or an error if nothing answers.
pub fn http_status(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    request_status(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `request` (a whole HTTP/1.1 request with no body, or an empty
/// one) to `addr` and returns the status code of the answer.
pub(crate) fn request_status(addr: SocketAddr, request: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {line:?}")))
}

/// Polls `GET path` until it answers one of `accept`, the deadline passes, or
/// `alive` says the server process has gone.
pub fn wait_for_http(
    addr: SocketAddr,
    path: &str,
    accept: &[u16],
    timeout: Duration,
    mut alive: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    crate::poll(timeout, || {
        if let Err(gone) = alive() {
            return Ok(Err(gone));
        }
        match http_status(addr, path) {
            Ok(code) if accept.contains(&code) => Ok(Ok(())),
            Ok(code) => Err(format!("answered {code}")),
            Err(e) => Err(e.to_string()),
        }
    })
    .unwrap_or_else(|timed_out| {
        Err(format!(
            "http://{addr}{path} did not become ready in {timeout:?}: {}",
            timed_out.last
        ))
    })
}
