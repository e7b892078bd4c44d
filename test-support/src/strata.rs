//! `strata serve` on a temporary store, for integration tests.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::ChildGuard;

/// How to start `strata serve`.
#[derive(Debug, Clone)]
pub struct StrataOptions {
    bin: PathBuf,
    dist: Option<PathBuf>,
    listen: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl StrataOptions {
    /// Options for the binary at `bin` (use `env!("CARGO_BIN_EXE_strata")`).
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        Self {
            bin: bin.into(),
            dist: None,
            listen: "127.0.0.1:0".to_owned(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Serve the real dashboard built by `trunk build` (`dist/` or `$STRATA_DIST`).
    /// Without this, a placeholder page is served, which is enough for API tests.
    pub fn with_built_dashboard(mut self) -> crate::Result<Self> {
        self.dist = Some(built_dashboard()?);
        Ok(self)
    }

    /// Serve the built dashboard (see [`Self::with_built_dashboard`]) and let
    /// the server reach the test registry at `registry_host` over plain http.
    pub fn with_dashboard_for(self, registry_host: &str) -> crate::Result<Self> {
        Ok(self
            .with_built_dashboard()?
            .env("STRATA_INSECURE_REGISTRIES", registry_host))
    }

    /// Serve the dashboard files in `dist` (e.g. a copy a test changes).
    pub fn with_dashboard(mut self, dist: impl Into<PathBuf>) -> Self {
        self.dist = Some(dist.into());
        self
    }

    /// Listens on `addr` (`IP:PORT`) instead of `127.0.0.1:0`; a
    /// non-loopback address needs a token (`STRATA_TOKEN`).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Adds command-line arguments after `serve`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable for the server.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// Starts the server and waits until it listens.
    pub fn start(self) -> crate::Result<StrataServer> {
        StrataServer::start_with(self)
    }
}

/// `strata serve` (the binary at `bin`) with the built dashboard, allowed to
/// reach the test registry at `registry_host` over plain http: what every
/// browser end-to-end test starts.
pub fn serve_dashboard(
    bin: impl Into<PathBuf>,
    registry_host: &str,
) -> crate::Result<StrataServer> {
    StrataOptions::new(bin)
        .with_dashboard_for(registry_host)?
        .start()
}

/// The built dashboard, or an error saying how to build it.
pub fn built_dashboard() -> crate::Result<PathBuf> {
    let dist = std::env::var_os("STRATA_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("dist"));
    if dist.join("index.html").is_file() {
        Ok(dist)
    } else {
        Err(format!(
            "no built dashboard at {}: run `trunk build --release --offline` (make test does) or set STRATA_DIST",
            dist.display()
        )
        .into())
    }
}

/// A running `strata serve`, stopped on drop.
#[derive(Debug)]
pub struct StrataServer {
    addr: SocketAddr,
    sign_in_url: Option<String>,
    process: ChildGuard,
    store: tempfile::TempDir,
    _scratch: tempfile::TempDir,
    options: StrataOptions,
}

impl StrataServer {
    /// Starts `bin serve` with a placeholder dashboard and a fresh store.
    pub fn start(bin: impl Into<PathBuf>) -> crate::Result<Self> {
        StrataOptions::new(bin).start()
    }

    fn start_with(options: StrataOptions) -> crate::Result<Self> {
        let store = crate::scratch::dir("strata-store")?;
        let listen = options.listen.clone();
        Self::start_on(options, store, &listen)
    }

    /// Kills the server (as a crash or `kill -9` would) and starts it again
    /// on the same store, with the same options, on a new port.
    pub fn restart(self) -> crate::Result<Self> {
        let StrataServer {
            process,
            store,
            options,
            ..
        } = self;
        drop(process);
        let listen = options.listen.clone();
        Self::start_on(options, store, &listen)
    }

    /// Kills the server (`SIGKILL`, as `kill -9` would) and starts it again
    /// on the same store, with the same options, on the same port, so
    /// clients that retry find it where it was.
    pub fn restart_in_place(self) -> crate::Result<Self> {
        let StrataServer {
            addr,
            process,
            store,
            options,
            ..
        } = self;
        drop(process);
        Self::start_on(options, store, &addr.to_string())
    }

    fn start_on(
        options: StrataOptions,
        store: tempfile::TempDir,
        listen: &str,
    ) -> crate::Result<Self> {
        let scratch = crate::scratch::dir("strata-serve")?;
        let dist = match options.dist.clone() {
            Some(dist) => dist,
            None => {
                let dist = scratch.path().join("dist");
                std::fs::create_dir_all(&dist)?;
                std::fs::write(
                    dist.join("index.html"),
                    "<!DOCTYPE html><title>strata test placeholder</title><p>placeholder dashboard</p>",
                )?;
                dist
            }
        };
        let mut command = Command::new(&options.bin);
        command
            .arg("serve")
            .arg(format!("--listen={listen}"))
            .arg(format!("--dist={}", dist.display()))
            .arg(format!("--store={}", store.path().display()))
            .args(&options.args)
            .env("STRATA_LOG", "warn")
            // Docker Hub is a closed loopback port unless the test names
            // one: a name without a host (a mirror request) never leaves
            // this machine.
            .env("STRATA_HUB_REGISTRY", "http://127.0.0.1:1")
            .envs(options.env.iter().cloned())
            .stdout(Stdio::piped());
        let mut process =
            ChildGuard::spawn("strata serve", command, scratch.path().join("stderr.log"))?;
        let stdout = process
            .child_mut()
            .stdout
            .take()
            .ok_or("strata serve has no stdout")?;
        // The sign-in link (with a token) comes before the address.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sign_in = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Dashboard sign-in: ") {
                    sign_in = rest.split_whitespace().next().map(str::to_owned);
                }
                if let Some(url) = line.strip_prefix("strata listening on http://") {
                    let _ = tx.send((url.to_owned(), sign_in.take()));
                }
            }
        });
        let (addr, sign_in_url) = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok((addr, sign_in_url)) => (addr.parse()?, sign_in_url),
            Err(_) => {
                process.check_alive()?;
                return Err("strata serve did not report its address within 30 s".into());
            }
        };
        Ok(Self {
            addr,
            sign_in_url,
            process,
            store,
            _scratch: scratch,
            options,
        })
    }

    /// The one-time sign-in link `strata serve` printed (with a token).
    pub fn sign_in_url(&self) -> Option<&str> {
        self.sign_in_url.as_deref()
    }

    /// `http://127.0.0.1:PORT` (or the address given with [`StrataOptions::listen`]).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`, as it appears in image references through the proxy.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `skopeo copy` of `path` (`repo:tag`) on the registry at
    /// `upstream_host`, pulled through this server's `/v2` (the host
    /// written as strata's path segment, `127.0.0.1_PORT`), into the
    /// `dir:` layout `dest`.
    pub fn skopeo_copy(&self, upstream_host: &str, path: &str, dest: &std::path::Path) {
        crate::run(
            std::process::Command::new("skopeo")
                .args(["copy", "--quiet", "--src-tls-verify=false"])
                .arg(format!(
                    "docker://{}/{}/{path}",
                    self.host(),
                    upstream_host.replace(':', "_")
                ))
                .arg(format!("dir:{}", dest.display())),
        );
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The store folder.
    pub fn store(&self) -> &Path {
        self.store.path()
    }

    /// The CSRF token of an open server's session (`GET /api/v1/session`),
    /// for the `X-Strata-Csrf` header of writes.
    pub async fn csrf_token(&self, http: &reqwest::Client) -> crate::Result<String> {
        let session: serde_json::Value = http
            .get(format!("{}/api/v1/session", self.url()))
            .send()
            .await?
            .json()
            .await?;
        Ok(session["csrf_token"]
            .as_str()
            .ok_or("the session has no csrf_token")?
            .to_owned())
    }

    /// Runs the `strata` binary at `bin` on this server's store (plain HTTP
    /// allowed for `registry_host`), asserts it succeeded, returns stdout.
    pub fn cli(&self, bin: &str, registry_host: &str, args: &[&str]) -> String {
        let output = std::process::Command::new(bin)
            .env("STRATA_STORE", self.store())
            .env("STRATA_INSECURE_REGISTRIES", registry_host)
            .args(args)
            .output()
            .expect("run strata");
        assert!(
            output.status.success(),
            "strata {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Fails with the server's stderr if it has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        self.process.check_alive()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}
