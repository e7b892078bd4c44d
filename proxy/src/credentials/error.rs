//! [`CredentialsError`]: why credentials could not be read or saved.

use std::path::PathBuf;

/// Why credentials could not be read from, or written to, the Docker config
/// or a credential helper. No variant ever holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// Neither `DOCKER_CONFIG` nor `HOME` is set, so there is no config file
    /// to write.
    #[error(
        "cannot find the Docker config: neither DOCKER_CONFIG nor HOME is set (set DOCKER_CONFIG to a folder for config.json)"
    )]
    NoConfigPath,
    /// The config file exists but cannot be read.
    #[error("cannot read the Docker config {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The config file is not the JSON object Docker writes.
    #[error("the Docker config {path} is not valid: {message} (fix the file or move it away)")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// What is wrong, from the JSON parser.
        message: String,
    },
    /// An `auths` entry cannot be decoded (bad base64, no `:`).
    #[error(
        "the credentials for {server} in {path} are invalid: {reason} (run `strata login {server}` again)"
    )]
    InvalidEntry {
        /// The config file.
        path: PathBuf,
        /// The entry's key.
        server: String,
        /// What is wrong (never the secret itself).
        reason: &'static str,
    },
    /// `credsStore` or `credHelpers` names a helper with a path separator
    /// or other characters that cannot be part of a program name.
    #[error(
        "the credential helper name {name:?} in the Docker config is invalid (expected a name such as \"pass\" for docker-credential-pass)"
    )]
    InvalidHelperName {
        /// The name as configured.
        name: String,
    },
    /// The configured helper program is not installed.
    #[error(
        "the Docker config names the credential helper {name:?}, but {program} cannot be run: {source} (install it, or remove credsStore/credHelpers from config.json)"
    )]
    HelperMissing {
        /// The helper's name (`desktop`, `pass`, …).
        name: String,
        /// The program looked for (`docker-credential-NAME`).
        program: PathBuf,
        /// Why it could not be started.
        source: std::io::Error,
    },
    /// The helper ran and failed.
    #[error("credential helper docker-credential-{name} {verb} failed: {message}")]
    HelperFailed {
        /// The helper's name.
        name: String,
        /// `get`, `store` or `erase`.
        verb: &'static str,
        /// What it printed (cut), or how it exited.
        message: String,
    },
    /// The helper printed something other than the JSON the protocol expects.
    #[error("credential helper docker-credential-{name} get printed invalid output: {message}")]
    HelperOutput {
        /// The helper's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The config file could not be written.
    #[error("cannot write the Docker config {path}: {source}")]
    Write {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
