//! Registry credentials, read and written the way Docker does.
//!
//! The config file is `$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json` (its format is described in `config_file.rs`). For a
//! registry, credentials come from, in order:
//!
//! 1. `credHelpers[registry]`: run `docker-credential-NAME get`;
//! 2. `credsStore`: the same, with the default helper;
//! 3. `auths[registry]`: `auth` (base64 of `user:password`), or `username`
//!    and `password`, plus an optional `identitytoken`.
//!
//! A configured helper's answer is final, as in Docker. Docker Hub is keyed
//! as `https://index.docker.io/v1/`; other registries as `host[:port]`, and
//! keys written as URLs match by host name ([`server`]).
//!
//! Secrets are [`Secret`]s: they print as `<redacted>` and are never logged.

mod config_file;
mod credential;
mod error;
mod helper;
mod secret;
pub mod server;
mod store;

pub use credential::Credential;
pub use error::CredentialsError;
pub use secret::Secret;
pub use server::{DOCKER_HUB_SERVER, normalize_registry, server_address};
pub use store::{CredentialStore, Stored, default_path};
