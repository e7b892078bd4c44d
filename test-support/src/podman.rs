//! podman as an oracle: its own storage (vfs) in a temporary folder, so
//! tests never touch the machine's images.

use std::process::Command;

/// A podman with a private root and run root, removed on drop.
#[derive(Debug)]
pub struct Podman(tempfile::TempDir);

impl Podman {
    /// A podman with empty storage.
    pub fn new() -> crate::Result<Podman> {
        Ok(Podman(crate::scratch::dir("podman")?))
    }

    /// `podman ARGS` with this storage, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("podman");
        command
            .arg(format!("--root={}", self.0.path().join("root").display()))
            .arg(format!("--runroot={}", self.0.path().join("run").display()))
            .args([
                "--storage-driver=vfs",
                "--events-backend=file",
                "--cgroup-manager=cgroupfs",
            ])
            .args(args);
        command
    }

    /// Runs `podman ARGS`; its stdout. Panics (with stderr) on failure.
    pub fn run(&self, args: &[&str]) -> String {
        crate::run(&mut self.command(args))
    }

    /// Pulls `reference` from a plain-HTTP registry.
    pub fn pull(&self, reference: &str) {
        self.run(&["pull", "-q", "--tls-verify=false", reference]);
    }

    /// The layer size of each step of `image`'s history, newest first, as
    /// `podman history` reports them (unpacked tar sizes; 0 for empty
    /// layers).
    pub fn history_sizes(&self, image: &str) -> crate::Result<Vec<u64>> {
        let json: serde_json::Value =
            serde_json::from_str(&self.run(&["history", "--format", "json", image]))?;
        json.as_array()
            .ok_or("podman history --format json: not an array")?
            .iter()
            .map(|step| {
                step["size"]
                    .as_u64()
                    .ok_or_else(|| format!("podman history: a step without a size: {step}").into())
            })
            .collect()
    }
}
