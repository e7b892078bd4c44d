//! Child processes that are killed when their handle drops.

use std::process::{Child, Command, Stdio};

/// A running child process, killed and reaped on drop.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: Child,
    stderr_path: std::path::PathBuf,
}

impl ChildGuard {
    /// Starts `command` with stderr captured to `stderr_path` (stdout as the command set it).
    pub fn spawn(
        name: &str,
        mut command: Command,
        stderr_path: std::path::PathBuf,
    ) -> crate::Result<Self> {
        let stderr = std::fs::File::create(&stderr_path)?;
        command.stdin(Stdio::null()).stderr(stderr);
        let child = command.spawn().map_err(|e| {
            format!("cannot start {name} ({e}); run scripts/setup.sh to install the test tools")
        })?;
        Ok(Self {
            name: name.to_owned(),
            child,
            stderr_path,
        })
    }

    /// Fails with the process's stderr if it has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} exited early ({status}): {}",
                self.name,
                std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
            )),
            Err(e) => Err(format!("cannot check on {}: {e}", self.name)),
        }
    }

    /// The OS process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (`SIGKILL`) and reaps it; harmless if it already
    /// exited.
    pub fn kill(&mut self) {
        // Killing a process that already exited is harmless; nothing to report.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Mutable access to the child, e.g. to take its stdout.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}
