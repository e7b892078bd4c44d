//! [`CredentialStore`]: credentials for a registry, looked up as Docker
//! does, and `login`/`logout`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::config_file::ConfigFile;
use super::credential::Credential;
use super::error::CredentialsError;
use super::helper::Helper;
use super::server::{normalize_registry, server_address};

/// The Docker config and the credential helpers it names.
///
/// Cheap to clone. Lookups read the config loaded at construction; `login`
/// and `logout` re-read the file before changing it, so they never undo a
/// concurrent edit of other entries.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    path: Option<PathBuf>,
    file: ConfigFile,
    helper_dir: Option<PathBuf>,
}

/// Where [`CredentialStore::login`] put the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// In the config file, base64-encoded but not encrypted (Docker warns
    /// about this).
    File(PathBuf),
    /// In the named credential helper (`docker-credential-NAME`).
    Helper(String),
}

impl CredentialStore {
    /// A store with no config file: every lookup finds nothing, and
    /// `login` fails with [`CredentialsError::NoConfigPath`].
    pub fn empty() -> CredentialStore {
        CredentialStore::default()
    }

    /// The config Docker itself uses: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`. A missing file is an empty config.
    pub fn from_env() -> Result<CredentialStore, CredentialsError> {
        match default_path() {
            Some(path) => CredentialStore::load(path),
            None => Ok(CredentialStore::empty()),
        }
    }

    /// The config at `path` (a `config.json`). A missing file is an empty
    /// config, and `login` creates it.
    pub fn load(path: impl Into<PathBuf>) -> Result<CredentialStore, CredentialsError> {
        let path = path.into();
        let file = ConfigFile::read(&path)?;
        Ok(CredentialStore {
            path: Some(path),
            file,
            helper_dir: None,
        })
    }

    /// Looks for credential helpers in `dir` before `PATH`.
    pub fn with_helper_dir(self, dir: impl Into<PathBuf>) -> CredentialStore {
        CredentialStore {
            helper_dir: Some(dir.into()),
            ..self
        }
    }

    /// The config file, if there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The credentials for `registry` (a reference's domain: `docker.io`,
    /// `host:5000`), as Docker finds them: the registry's `credHelpers`
    /// entry, else `credsStore`, else the `auths` entry. When a helper is
    /// configured its answer is final, as in Docker.
    ///
    /// This may run a helper program, so it blocks; async callers should use
    /// `spawn_blocking`.
    pub fn get(&self, registry: &str) -> Result<Option<Credential>, CredentialsError> {
        match self.file.helper_for(registry) {
            Some(name) => {
                Helper::new(name, self.helper_dir.as_deref())?.get(&server_address(registry))
            }
            None => self.file.auth_for(registry),
        }
    }

    /// Saves `credential` for `registry` like `docker login`: into the
    /// registry's credential helper if one is configured (leaving an empty
    /// `auths` entry, as Docker does), else into `auths`. The file is
    /// rewritten atomically, keeping every other field.
    ///
    /// This does not check the credentials; ask the registry first.
    pub fn login(
        &mut self,
        registry: &str,
        credential: &Credential,
    ) -> Result<Stored, CredentialsError> {
        let path = self.path.clone().ok_or(CredentialsError::NoConfigPath)?;
        let mut file = ConfigFile::read(&path)?;
        let stored = match file.helper_for(registry).map(str::to_owned) {
            Some(name) => {
                Helper::new(&name, self.helper_dir.as_deref())?
                    .store(&server_address(registry), credential)?;
                file.set_auth(registry, None);
                Stored::Helper(name)
            }
            None => {
                file.set_auth(registry, Some(credential));
                Stored::File(path.clone())
            }
        };
        file.write(&path)?;
        tracing::debug!(registry = %normalize_registry(registry), ?stored, "saved credentials");
        self.file = file;
        Ok(stored)
    }

    /// Forgets the credentials for `registry` like `docker logout`: erases
    /// them from its credential helper, if any, and removes every `auths`
    /// entry naming it. Returns whether anything was removed.
    pub fn logout(&mut self, registry: &str) -> Result<bool, CredentialsError> {
        let path = self.path.clone().ok_or(CredentialsError::NoConfigPath)?;
        let mut file = ConfigFile::read(&path)?;
        let erased = match file.helper_for(registry).map(str::to_owned) {
            Some(name) => {
                Helper::new(&name, self.helper_dir.as_deref())?.erase(&server_address(registry))?
            }
            None => false,
        };
        let removed = file.remove_auths(registry);
        if !removed.is_empty() {
            file.write(&path)?;
        }
        self.file = file;
        Ok(erased || !removed.is_empty())
    }
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`, else
/// `None`.
pub fn default_path() -> Option<PathBuf> {
    path_from(std::env::var_os("DOCKER_CONFIG"), std::env::var_os("HOME"))
}

fn path_from(docker_config: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match docker_config.filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => home
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".docker").join("config.json")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_path_precedence() {
        let s = |v: &str| Some(OsString::from(v));
        #[rustfmt::skip]
        let cases = [
            (s("/cfg"), s("/home/u"), Some("/cfg/config.json")),
            (s(""), s("/home/u"), Some("/home/u/.docker/config.json")),
            (None, s("/home/u"), Some("/home/u/.docker/config.json")),
            (None, s(""), None),
            (None, None, None),
        ];
        for (docker_config, home, want) in cases {
            assert_eq!(
                path_from(docker_config.clone(), home.clone()),
                want.map(PathBuf::from),
                "{docker_config:?} {home:?}"
            );
        }
    }
}
