//! `--retain POLICY`, `--retain-file FILE` and `--retain-every DURATION`:
//! a retention policy on the command line ([`shared::retention`] has the
//! grammar), for `strata serve` and `strata gc`.
//!
//! The file form takes the same `key=value` rules, one per line; blank
//! lines and `#` comments are skipped.

use std::path::Path;

use shared::retention::RetentionPolicy;

/// Parses `--retain` for clap.
pub fn parse_policy(text: &str) -> Result<RetentionPolicy, String> {
    text.parse()
        .map_err(|e: shared::retention::PolicyError| e.to_string())
}

/// Parses `--retain-every` for clap: a duration of at least a second.
pub fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    let every = shared::units::parse_duration(text).map_err(|e| e.to_string())?;
    std::time::Duration::try_from(every)
        .ok()
        .filter(|d| d.as_secs() >= 1)
        .ok_or_else(|| format!("--retain-every {text}: give at least 1s"))
}

/// The policy from `--retain` or `--retain-file`, if either was given.
pub fn policy(
    inline: Option<RetentionPolicy>,
    file: Option<&Path>,
) -> Result<Option<RetentionPolicy>, String> {
    match (inline, file) {
        (Some(policy), _) => Ok(Some(policy)),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "cannot read the retention policy file {}: {e}",
                    path.display()
                )
            })?;
            RetentionPolicy::from_lines(&text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        (None, None) => Ok(None),
    }
}
