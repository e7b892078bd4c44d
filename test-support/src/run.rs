//! Running a peer tool (skopeo, podman, ctr) that must succeed.

use std::process::Command;

/// Runs `command` and returns its stdout; panics with its stderr if it
/// fails, so a test's failure says what the tool said.
pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
