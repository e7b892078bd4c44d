//! Temporary folders that do not outlive their process for long.
//!
//! A [`tempfile::TempDir`] is removed when it drops, but two kinds of folder
//! never drop: those held in a process-wide `static` (the fixtures, the
//! token key), and those of a process that was killed (a test run stopped
//! by hand, a benchmark interrupted). Over a day of test runs these filled
//! `/tmp` with gigabytes, and a CI run then failed with a full disk.
//!
//! So every harness folder is named `PREFIX-PID-RANDOM`, and making one
//! first removes the `PREFIX-*` folders whose process has exited.

use std::path::Path;

/// A new temporary folder named `{prefix}-{pid}-…`, removed on drop.
///
/// Before creating it, removes every `{prefix}-{pid}-…` folder in the same
/// parent whose process is gone.
pub fn dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let parent = std::env::temp_dir();
    sweep(&parent, prefix);
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-{}-", std::process::id()))
        .tempdir_in(parent)
}

/// Removes the folders `{prefix}-{pid}-…` in `parent` whose process has
/// exited. Only where `/proc` shows processes; elsewhere nothing is removed.
fn sweep(parent: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| owner_pid(n, prefix)) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            // Another sweeping process may get there first; either way it goes.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The pid in a folder name `{prefix}-{pid}-{random}`.
fn owner_pid(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('-')?;
    let (pid, random) = rest.split_once('-')?;
    if random.is_empty() {
        return None;
    }
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_reads_only_our_names() {
        assert_eq!(
            owner_pid("strata-fixtures-123-Ab9xYz", "strata-fixtures"),
            Some(123)
        );
        assert_eq!(owner_pid("strata-fixtures-Ab9xYz", "strata-fixtures"), None);
        assert_eq!(owner_pid("strata-fixtures-123-", "strata-fixtures"), None);
        assert_eq!(
            owner_pid("strata-fixturesX-123-ab", "strata-fixtures"),
            None
        );
        assert_eq!(owner_pid("strata-registry-123-ab", "strata-fixtures"), None);
    }

    #[test]
    fn sweep_removes_folders_of_exited_processes_only() {
        let parent = tempfile::tempdir().expect("tmp");
        // A child that has exited: its pid names no process any more.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let dead = child.id();
        child.wait().expect("wait");
        let gone = parent.path().join(format!("strata-t-{dead}-abc"));
        let alive = parent
            .path()
            .join(format!("strata-t-{}-abc", std::process::id()));
        let other = parent.path().join(format!("strata-u-{dead}-abc"));
        for d in [&gone, &alive, &other] {
            std::fs::create_dir_all(d.join("inside")).expect("mkdir");
        }
        sweep(parent.path(), "strata-t");
        assert!(!gone.exists(), "the exited process's folder stays");
        assert!(alive.exists(), "this process's folder was removed");
        assert!(other.exists(), "another prefix's folder was removed");
    }
}
