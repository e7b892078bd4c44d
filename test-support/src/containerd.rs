//! A real `containerd` (Debian's package) of the test's own: a temporary
//! root, state and socket, no CRI plugin, stopped on drop. Tests pull with
//! its `ctr`, configured through a hosts folder (`hosts.toml` per registry,
//! as on every Kubernetes node).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::ChildGuard;

/// The containerd namespace the tests' images go in.
const NAMESPACE: &str = "strata-test";

/// A running containerd, stopped on drop.
#[derive(Debug)]
pub struct Containerd {
    dir: tempfile::TempDir,
    _process: ChildGuard,
}

impl Containerd {
    /// Starts containerd and waits until it answers.
    pub fn start() -> crate::Result<Self> {
        let dir = crate::scratch::dir("ctd")?;
        let root = dir.path();
        for folder in ["root", "state", "opt", "certs.d"] {
            std::fs::create_dir_all(root.join(folder))?;
        }
        let config = format!(
            r#"version = 2
root = "{root}/root"
state = "{root}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "{root}/c.sock"
[ttrpc]
  address = "{root}/c.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{root}/opt"
"#,
            root = root.display()
        );
        std::fs::write(root.join("config.toml"), config)?;
        let mut command = Command::new("containerd");
        command
            .arg("--config")
            .arg(root.join("config.toml"))
            .stdout(std::process::Stdio::null());
        let mut process = ChildGuard::spawn("containerd", command, root.join("containerd.log"))?;
        let socket = root.join("c.sock");
        let answered = crate::poll(Duration::from_secs(30), || {
            socket.exists()
                && Command::new("ctr")
                    .arg("--address")
                    .arg(&socket)
                    .arg("version")
                    .output()
                    .is_ok_and(|o| o.status.success())
        });
        if answered.is_err() {
            process.check_alive()?;
            return Err("containerd did not answer within 30 s".into());
        }
        Ok(Self {
            dir,
            _process: process,
        })
    }

    /// `ctr` talking to this containerd, in the tests' namespace.
    pub fn ctr(&self) -> Command {
        let mut command = Command::new("ctr");
        command
            .arg("--address")
            .arg(self.dir.path().join("c.sock"))
            .arg("--namespace")
            .arg(NAMESPACE);
        command
    }

    /// The hosts folder for `ctr … --hosts-dir` (containerd's
    /// `config_path`, `/etc/containerd/certs.d` on a node).
    pub fn hosts_dir(&self) -> PathBuf {
        self.dir.path().join("certs.d")
    }

    /// Writes `hosts.toml` for `registry` (`docker.io`, `_default`, …).
    pub fn write_hosts(&self, registry: &str, hosts_toml: &str) -> crate::Result<()> {
        let folder = self.hosts_dir().join(registry);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join("hosts.toml"), hosts_toml)?;
        Ok(())
    }

    /// The folder containerd runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
