//! Running the `strata` CLI in tests: a temporary store and a Docker config
//! that holds the harness's credentials.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{PASSWORD, Registry, USER};
use base64::Engine;

/// A temporary store and Docker config for one test.
#[derive(Debug)]
pub struct Cli {
    bin: PathBuf,
    /// The folder holding the store (`store/`) and the Docker config (`docker/`).
    pub dir: tempfile::TempDir,
}

impl Cli {
    /// A fresh store for the `strata` binary at `bin` (use
    /// `env!("CARGO_BIN_EXE_strata")`); the Docker config holds credentials
    /// for `registries`.
    pub fn new(bin: impl Into<PathBuf>, registries: &[&Registry]) -> Self {
        let dir = crate::scratch::dir("strata-cli").expect("tmp");
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        let auths: serde_json::Map<String, serde_json::Value> = registries
            .iter()
            .filter(|r| r.creds().is_some())
            .map(|r| (r.host(), serde_json::json!({ "auth": auth })))
            .collect();
        std::fs::create_dir_all(dir.path().join("docker")).expect("mkdir");
        std::fs::write(
            dir.path().join("docker/config.json"),
            serde_json::to_vec(&serde_json::json!({ "auths": auths })).expect("json"),
        )
        .expect("write config");
        Self {
            bin: bin.into(),
            dir,
        }
    }

    /// The store folder.
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// `strata ARGS` with this store and config; plain HTTP allowed for `insecure`.
    pub fn command(&self, insecure: &[&Registry]) -> Command {
        let mut command = Command::new(&self.bin);
        let hosts: Vec<String> = insecure.iter().map(|r| r.host()).collect();
        command
            .env("STRATA_STORE", self.store())
            .env("DOCKER_CONFIG", self.dir.path().join("docker"))
            .env("STRATA_INSECURE_REGISTRIES", hosts.join(","))
            .env_remove("STRATA_HUB_REGISTRY");
        command
    }

    /// Runs `strata ARGS` against `registry` and returns its output.
    pub fn run(&self, registry: &Registry, args: &[&str]) -> Output {
        self.command(&[registry])
            .args(args)
            .output()
            .expect("run strata")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, registry: &Registry, args: &[&str]) -> String {
        succeeded(self.run(registry, args), args)
    }

    /// Runs and asserts failure; returns stderr.
    pub fn fails(&self, registry: &Registry, args: &[&str]) -> String {
        let output = self.run(registry, args);
        assert!(
            !output.status.success(),
            "strata {args:?} should fail; stdout: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Every blob file in the store.
    pub fn blobs(&self) -> Vec<String> {
        let dir = self.store().join("blobs/sha256");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Asserts that `strata ARGS` succeeded (showing its output if not);
/// returns its stdout.
pub fn succeeded(output: Output, args: &[&str]) -> String {
    assert!(
        output.status.success(),
        "strata {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every blob file of the store at `store`, `sha256:<hex>` to its size.
pub fn blob_sizes(store: &Path) -> std::collections::BTreeMap<String, u64> {
    std::fs::read_dir(store.join("blobs/sha256"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let size = e.metadata().ok()?.len();
                    Some((format!("sha256:{}", e.file_name().to_string_lossy()), size))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `HOST/repo:tag` in `registry`.
pub fn at(registry: &Registry, name: &str) -> String {
    format!("{}/{name}", registry.host())
}

/// Files under `dir` recursively (for "nothing was stored" checks).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}
