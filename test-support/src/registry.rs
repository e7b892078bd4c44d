//! A real CNCF distribution registry on loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::net::{free_port, wait_for_http};
use crate::process::ChildGuard;
use crate::token::TokenIssuer;
use crate::{PASSWORD, USER};

/// How the registry authenticates clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    Open,
    /// htpasswd basic auth with [`USER`]/[`PASSWORD`].
    Basic,
    /// Docker token auth: the registry trusts a [`TokenIssuer`] that grants
    /// access to [`USER`]/[`PASSWORD`] and nothing to anonymous clients.
    Token,
}

impl Auth {
    /// Every variant, for tests that must pass against each.
    pub const ALL: [Auth; 3] = [Auth::Open, Auth::Basic, Auth::Token];
}

/// A running `docker-registry`, stopped on drop.
#[derive(Debug)]
pub struct Registry {
    auth: Auth,
    tls: bool,
    addr: SocketAddr,
    // Fields drop in order: the process first, then the issuer, then the folder.
    process: ChildGuard,
    token_issuer: Option<TokenIssuer>,
    dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry with `auth` on a free port and waits until `/v2/` answers.
    pub fn start(auth: Auth) -> crate::Result<Self> {
        Self::start_with(auth, false)
    }

    /// Starts an open registry serving HTTPS with a self-signed certificate
    /// for `127.0.0.1` (made with `openssl`), which no client trusts.
    pub fn start_tls() -> crate::Result<Self> {
        Self::start_with(Auth::Open, true)
    }

    fn start_with(auth: Auth, tls: bool) -> crate::Result<Self> {
        let dir = crate::scratch::dir("strata-registry")?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let token_issuer = match auth {
            Auth::Token => Some(TokenIssuer::start()?),
            _ => None,
        };
        let auth_yaml = match (auth, &token_issuer) {
            (Auth::Open, _) => String::new(),
            (Auth::Basic, _) => {
                let htpasswd = dir.path().join("htpasswd");
                let hash = bcrypt::hash(PASSWORD, 4)?;
                std::fs::write(&htpasswd, format!("{USER}:{hash}\n"))?;
                format!(
                    "auth:\n  htpasswd:\n    realm: strata-test\n    path: {}\n",
                    htpasswd.display()
                )
            }
            (Auth::Token, Some(issuer)) => format!(
                "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                issuer.realm(),
                TokenIssuer::SERVICE,
                TokenIssuer::ISSUER,
                issuer.cert_path().display()
            ),
            (Auth::Token, None) => return Err("token auth needs an issuer".into()),
        };
        let tls_yaml = if tls {
            let (cert, key) = self_signed(dir.path())?;
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\n\
             log:\n  level: warn\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\n  \
             maintenance:\n    uploadpurging:\n      enabled: false\n\
             http:\n  addr: {addr}\n  secret: strata-test-secret\n{tls_yaml}\
             {auth_yaml}",
            root = dir.path().join("data").display(),
        );
        std::fs::write(dir.path().join("config.yml"), config)?;
        let process = Self::spawn(dir.path(), addr, tls)?;
        Ok(Self {
            auth,
            tls,
            addr,
            process,
            token_issuer,
            dir,
        })
    }

    /// Starts `docker-registry` with the config in `dir` and waits until
    /// `/v2/` answers on `addr`.
    fn spawn(dir: &Path, addr: SocketAddr, tls: bool) -> crate::Result<ChildGuard> {
        let mut command = Command::new("docker-registry");
        command
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(std::process::Stdio::null());
        let mut process = ChildGuard::spawn("docker-registry", command, dir.join("stderr.log"))?;
        // A TLS registry answers plain HTTP with 400 once it listens.
        let ready: &[u16] = if tls { &[400] } else { &[200, 401] };
        wait_for_http(addr, "/v2/", ready, Duration::from_secs(20), || {
            process.check_alive()
        })?;
        Ok(process)
    }

    /// Kills the registry (as a crash would) and starts it again on the
    /// same port with the same storage and config; waits until it answers.
    pub fn restart(&mut self) -> crate::Result<()> {
        self.process.kill();
        self.process = Self::spawn(self.dir.path(), self.addr, self.tls)?;
        Ok(())
    }

    /// The auth variant.
    pub fn auth(&self) -> Auth {
        self.auth
    }

    /// `127.0.0.1:PORT`, as it appears in image references.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` for [`Registry::start_tls`]).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// What `strata serve` must list to reach this registry: its
    /// `127.0.0.1:PORT`, and its token issuer's for the token variant (a
    /// listed port trusts only that port).
    pub fn trusted_hosts(&self) -> Vec<String> {
        std::iter::once(self.host())
            .chain(self.token_issuer.as_ref().map(TokenIssuer::host))
            .collect()
    }

    /// The token issuer, for the token variant.
    pub fn token_issuer(&self) -> Option<&TokenIssuer> {
        self.token_issuer.as_ref()
    }

    /// `USER:PASSWORD` when the variant needs credentials.
    pub fn creds(&self) -> Option<String> {
        (self.auth != Auth::Open).then(|| format!("{USER}:{PASSWORD}"))
    }

    /// The folder holding the registry's config and data.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `skopeo` with this registry's TLS and credential flags
    /// (`--tls-verify=false`, `--creds` when needed) for `verb` (`inspect`, …).
    pub fn skopeo(&self, verb: &str) -> Command {
        let mut command = Command::new("skopeo");
        command.arg(verb);
        match verb {
            "copy" => {
                command.arg("--dest-tls-verify=false");
                if let Some(creds) = self.creds() {
                    command.arg(format!("--dest-creds={creds}"));
                }
            }
            _ => {
                command.arg("--tls-verify=false");
                if let Some(creds) = self.creds() {
                    command.arg(format!("--creds={creds}"));
                }
            }
        }
        command
    }

    /// Deletes blob `digest` from repository `repo` (an open registry
    /// only), as an operator would; returns the status (202 when deleted).
    /// Any later `GET` of it there answers 404.
    pub fn delete_blob(&self, repo: &str, digest: &str) -> crate::Result<u16> {
        let addr = self.addr;
        Ok(crate::net::request_status(
            addr,
            &format!(
                "DELETE /v2/{repo}/blobs/{digest} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            ),
        )?)
    }

    /// The raw manifest of `repo:tag_or_digest` as `skopeo inspect --raw` reads it.
    pub fn raw_manifest(&self, repo: &str, reference: &str) -> crate::Result<Vec<u8>> {
        let sep = if reference.contains(':') { "@" } else { ":" };
        let output = self
            .skopeo("inspect")
            .arg("--raw")
            .arg(format!("docker://{}/{repo}{sep}{reference}", self.host()))
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "skopeo inspect --raw {repo}{sep}{reference} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(output.stdout)
    }
}

/// A self-signed certificate and key for `127.0.0.1` in `dir`.
fn self_signed(dir: &Path) -> crate::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .map_err(|e| format!("cannot run openssl ({e}); install it"))?;
    if !output.status.success() {
        return Err(format!(
            "openssl could not make a certificate: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok((cert, key))
}

/// A fixture as it now stands in a registry.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `127.0.0.1:PORT/repo:tag`.
    pub reference: String,
    /// The digest of the manifest (or index) in the registry.
    pub digest: String,
}

impl Registry {
    /// Pushes `fixture` with `skopeo copy` and returns where it now is.
    pub fn push(&self, fixture: &crate::fixtures::Fixture) -> crate::Result<Pushed> {
        self.push_as(fixture, fixture.repo, fixture.tag)
    }

    /// Pushes the fixture named `name` (`repo:tag`, see [`crate::fixtures::get`]).
    pub fn push_fixture(&self, name: &str) -> crate::Result<Pushed> {
        self.push(crate::fixtures::get(name)?)
    }

    /// Pushes `fixture` under another `repo:tag`.
    pub fn push_as(
        &self,
        fixture: &crate::fixtures::Fixture,
        repo: &str,
        tag: &str,
    ) -> crate::Result<Pushed> {
        let reference = format!("{}/{repo}:{tag}", self.host());
        let mut command = self.skopeo("copy");
        command.arg("--quiet");
        if fixture.is_index {
            command.arg("--all");
        }
        if fixture.format == crate::fixtures::Format::DockerV2S2 {
            command.arg("--format=v2s2");
        } else {
            // Without it, skopeo's blob-info cache (shared with podman, in
            // /var/lib/containers/cache) may swap a layer for another
            // compression of the same content the registry already holds,
            // pushing a different manifest than the fixture's.
            command.arg("--preserve-digests");
        }
        command
            .arg(format!("oci:{}:{}", fixture.layout.display(), fixture.tag))
            .arg(format!("docker://{reference}"));
        let output = command
            .output()
            .map_err(|e| format!("cannot run skopeo ({e}); run scripts/setup.sh"))?;
        if !output.status.success() {
            return Err(format!(
                "skopeo copy of {} failed: {}",
                fixture.name(),
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        let raw = self.raw_manifest(repo, tag)?;
        Ok(Pushed {
            reference,
            digest: crate::fixtures::layer::sha256(&raw),
        })
    }

    /// Pushes every fixture; returns them in [`crate::fixtures::all`] order.
    pub fn push_all(&self) -> crate::Result<Vec<Pushed>> {
        crate::fixtures::all()?
            .iter()
            .map(|f| self.push(f))
            .collect()
    }
}
