//! A real PostgreSQL server (Debian's `postgresql`, version 15) of the
//! test's own: `initdb` in a temporary folder, `pg_ctl` on a free
//! loopback port with its unix socket in that folder, stopped on drop
//! (`pg_ctl stop -m immediate`).
//!
//! - Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`):
//!   the data lives as long as the test.
//! - `initdb` refuses to run as root, so as root the server runs as
//!   `nobody` (through `runuser`), in a folder handed to that user.
//! - Clients connect as the superuser [`Postgres::USER`] without a
//!   password (`trust` on loopback only).
//! - Tests share one server and take a database each
//!   ([`Postgres::create_database`]).
//! - A watchdog process stops the server when the test process ends, so a
//!   server kept in a `static` (never dropped) or left by a killed test
//!   does not outlive it.
//!
//! The tools are looked for in `/usr/lib/postgresql/15/bin`, then
//! `/usr/local/bin`, then `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::net::free_port;

/// The file in the server's folder that holds its URL (see
/// [`Postgres::started_by`]).
const URL_FILE: &str = "url";

/// A running PostgreSQL server, stopped on drop.
#[derive(Debug)]
pub struct Postgres {
    port: u16,
    pg_ctl: PathBuf,
    psql: PathBuf,
    run_as: Option<&'static str>,
    /// The CA that signed the server's certificate, when it takes TLS.
    ca: Option<PathBuf>,
    // Last: removed after the server stopped.
    dir: tempfile::TempDir,
}

impl Postgres {
    /// The superuser tests connect as.
    pub const USER: &'static str = "strata";

    /// Runs `initdb` and starts the server; returns once it accepts
    /// connections.
    pub fn start() -> crate::Result<Self> {
        Self::start_with(false)
    }

    /// As [`Postgres::start`], but the server takes only TLS connections
    /// over TCP (`hostssl`), with a certificate for `127.0.0.1` signed by a
    /// CA of the test's own ([`Postgres::ca_file`]), made with `openssl`.
    pub fn start_tls() -> crate::Result<Self> {
        Self::start_with(true)
    }

    /// The PEM file of the CA that signed the server's certificate (TLS
    /// servers only).
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_deref()
    }

    fn start_with(tls: bool) -> crate::Result<Self> {
        let initdb = tool("initdb")?;
        let pg_ctl = tool("pg_ctl")?;
        let psql = tool("psql")?;
        let dir = crate::scratch::dir("strata-postgres")?;
        let run_as = if is_root() { Some("nobody") } else { None };
        if let Some(user) = run_as {
            hand_over(dir.path(), user)?;
        }
        let data = dir.path().join("data");
        let mut init = as_user(run_as, &initdb);
        init.arg("-D")
            .arg(&data)
            .args(["-U", Self::USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .arg("--no-instructions");
        run(init, "initdb")?;
        let port = free_port()?;
        let mut options = format!(
            "-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            dir.path().display()
        );
        let ca = match tls {
            true => {
                let (ca, cert, key) = make_certificates(dir.path())?;
                if let Some(user) = run_as {
                    // The server reads its key only if it owns it.
                    for path in [cert.parent().unwrap_or(dir.path()), &cert, &key] {
                        hand_over(path, user)?;
                    }
                }
                std::fs::write(
                    data.join("pg_hba.conf"),
                    "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
                )?;
                options.push_str(&format!(
                    " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    cert.display(),
                    key.display()
                ));
                Some(ca)
            }
            false => None,
        };
        let mut start = as_user(run_as, &pg_ctl);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.path().join("server.log"))
            .args(["-o", &options, "-w", "-t", "60", "start"]);
        if let Err(e) = run(start, "pg_ctl start") {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            return Err(format!("{e}\nserver log:\n{log}").into());
        }
        let server = Postgres {
            port,
            pg_ctl,
            psql,
            run_as,
            ca,
            dir,
        };
        server.watch()?;
        std::fs::write(server.dir().join(URL_FILE), server.url())?;
        Ok(server)
    }

    /// `postgres://strata@127.0.0.1:PORT/postgres`: the server's default
    /// database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The URL of database `name` on this server.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://{}@127.0.0.1:{}/{name}", Self::USER, self.port)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates the empty database `name` (letters, digits, `_`) and
    /// returns its URL.
    pub fn create_database(&self, name: &str) -> crate::Result<String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("database name {name:?}: use letters, digits and _").into());
        }
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))?;
        Ok(self.database_url(name))
    }

    /// Runs `sql` in database `db` with `psql`; returns what it printed
    /// (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> crate::Result<String> {
        let output = Command::new(&self.psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", Self::USER, "-d", db])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql)
            .stdin(Stdio::null())
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "psql {sql:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The URL of the server process `pid` started (its default
    /// database), if it runs one: how a test's child processes find their
    /// parent's server (`Postgres::started_by(std::os::unix::process::parent_id())`).
    pub fn started_by(pid: u32) -> Option<String> {
        let prefix = format!("strata-postgres-{pid}-");
        std::fs::read_dir(std::env::temp_dir())
            .ok()?
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .find_map(|e| std::fs::read_to_string(e.path().join(URL_FILE)).ok())
    }

    /// The server's folder (data, socket, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts a shell that stops the server once this process is gone.
    fn watch(&self) -> crate::Result<()> {
        let stop = self.stop_command();
        let program = std::iter::once(stop.get_program())
            .chain(stop.get_args())
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {} 2>/dev/null; do sleep 1; done; {program} >/dev/null 2>&1",
                std::process::id()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(())
    }

    fn stop_command(&self) -> Command {
        let mut stop = as_user(self.run_as, &self.pg_ctl);
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        stop
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A server that already stopped has nothing to say.
        let _ = self
            .stop_command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A CA, and a server certificate for `127.0.0.1` it signed, in `dir/tls`
/// (ECDSA P-256, valid two days): the CA's, the server's and its key's
/// paths.
fn make_certificates(dir: &Path) -> crate::Result<(PathBuf, PathBuf, PathBuf)> {
    let tls = dir.join("tls");
    std::fs::create_dir_all(&tls)?;
    let openssl = |args: &[&str]| -> crate::Result<()> {
        let mut command = Command::new("openssl");
        command.current_dir(&tls).args(args);
        run(command, "openssl")
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"],
            &key[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=strata test CA",
            ],
        ]
        .concat(),
    )?;
    openssl(
        &[
            &["req"],
            &key[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    )?;
    std::fs::write(
        tls.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ])?;
    let key = tls.join("server.key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok((tls.join("ca.pem"), tls.join("server.pem"), key))
}

/// Where `name` is: PostgreSQL 15's folder, `/usr/local/bin`, or `PATH`.
fn tool(name: &str) -> crate::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    [
        PathBuf::from("/usr/lib/postgresql/15/bin"),
        PathBuf::from("/usr/local/bin"),
    ]
    .into_iter()
    .chain(std::env::split_paths(&path))
    .map(|dir| dir.join(name))
    .find(|p| p.is_file())
    .ok_or_else(|| {
        format!("{name} not found (PostgreSQL 15); run scripts/setup.sh to install postgresql")
            .into()
    })
}

/// `program`, run as `user` (through `runuser`) when given.
fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn run(mut command: Command, what: &str) -> crate::Result<()> {
    let output = command.stdin(Stdio::null()).output()?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .into())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Makes `dir` belong to `user` (and its group), so a server run as that
/// user can write in it.
fn hand_over(dir: &Path, user: &str) -> crate::Result<()> {
    let id = |flag: &str| -> crate::Result<u32> {
        let output = Command::new("id").args([flag, user]).output()?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
    };
    std::os::unix::fs::chown(dir, Some(id("-u")?), Some(id("-g")?))?;
    Ok(())
}

/// `text` in single quotes for `sh`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
