//! Docker credential helpers: `docker-credential-NAME get|store|erase`.
//!
//! The protocol (docker/docker-credential-helpers): the verb is the only
//! argument; `get` and `erase` read the server address on stdin, `store`
//! reads `{"ServerURL","Username","Secret"}`. `get` prints the same object.
//! A `Username` of `<token>` means `Secret` is an identity token. A helper
//! that has nothing for the server exits non-zero and prints
//! `credentials not found in native keychain`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::credential::Credential;
use super::error::CredentialsError;
use super::secret::Secret;

/// The user name helpers use to mark an identity token.
const TOKEN_USERNAME: &str = "<token>";
/// What helpers print when they hold nothing for a server.
const NOT_FOUND: &str = "credentials not found in native keychain";
/// How much of a helper's output is quoted in an error.
const MESSAGE_MAX: usize = 300;

/// One credential helper program.
#[derive(Debug, Clone)]
pub(crate) struct Helper {
    name: String,
    program: PathBuf,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Payload {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

impl Helper {
    /// The helper `name`: `dir/docker-credential-NAME` when `dir` is given
    /// and holds it, else `docker-credential-NAME` found on `PATH`.
    pub(crate) fn new(name: &str, dir: Option<&Path>) -> Result<Helper, CredentialsError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !name.starts_with('.');
        if !valid {
            return Err(CredentialsError::InvalidHelperName {
                name: name.to_owned(),
            });
        }
        let file = format!("docker-credential-{name}");
        let program = match dir.map(|d| d.join(&file)) {
            Some(path) if path.is_file() => path,
            _ => PathBuf::from(file),
        };
        Ok(Helper {
            name: name.to_owned(),
            program,
        })
    }

    /// The credentials the helper holds for `server`, if any.
    pub(crate) fn get(&self, server: &str) -> Result<Option<Credential>, CredentialsError> {
        let Some(stdout) = self.run("get", server.as_bytes())? else {
            return Ok(None);
        };
        let payload: Payload =
            serde_json::from_slice(&stdout).map_err(|e| CredentialsError::HelperOutput {
                name: self.name.clone(),
                message: e.to_string(),
            })?;
        if payload.secret.is_empty() {
            return Ok(None);
        }
        Ok(Some(if payload.username == TOKEN_USERNAME {
            Credential::IdentityToken {
                username: String::new(),
                token: Secret::new(payload.secret),
            }
        } else {
            Credential::Password {
                username: payload.username,
                password: Secret::new(payload.secret),
            }
        }))
    }

    /// Stores `credential` for `server`.
    pub(crate) fn store(
        &self,
        server: &str,
        credential: &Credential,
    ) -> Result<(), CredentialsError> {
        let (username, secret) = match credential {
            Credential::Password { username, password } => (username.as_str(), password),
            Credential::IdentityToken { token, .. } => (TOKEN_USERNAME, token),
        };
        let payload = Payload {
            server_url: server.to_owned(),
            username: username.to_owned(),
            secret: secret.expose().to_owned(),
        };
        let input = serde_json::to_vec(&payload).map_err(|e| CredentialsError::HelperFailed {
            name: self.name.clone(),
            verb: "store",
            message: e.to_string(),
        })?;
        self.run("store", &input).map(|_| ())
    }

    /// Erases what the helper holds for `server`; `false` if it held nothing.
    pub(crate) fn erase(&self, server: &str) -> Result<bool, CredentialsError> {
        self.run("erase", server.as_bytes())
            .map(|out| out.is_some())
    }

    /// Runs `program verb` with `input` on stdin. `Ok(None)` when the helper
    /// says it holds nothing for the server.
    fn run(&self, verb: &'static str, input: &[u8]) -> Result<Option<Vec<u8>>, CredentialsError> {
        let mut child = Command::new(&self.program)
            .arg(verb)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| CredentialsError::HelperMissing {
                name: self.name.clone(),
                program: self.program.clone(),
                source,
            })?;
        let failed = |message: String| CredentialsError::HelperFailed {
            name: self.name.clone(),
            verb,
            message,
        };
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading its input closes the pipe;
            // its exit status tells what happened.
            let _ = stdin.write_all(input);
        }
        let output = child
            .wait_with_output()
            .map_err(|e| failed(e.to_string()))?;
        if output.status.success() {
            return Ok(Some(output.stdout));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stdout.contains(NOT_FOUND) || stderr.contains(NOT_FOUND) {
            return Ok(None);
        }
        let said = [stdout.trim(), stderr.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let message = match said.char_indices().nth(MESSAGE_MAX) {
            Some((end, _)) => format!("{}…", &said[..end]),
            None if said.is_empty() => format!("exited with {}", output.status),
            None => said,
        };
        Err(failed(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_names() {
        #[rustfmt::skip]
        let cases = [
            ("pass", true),
            ("ecr-login", true),
            ("osxkeychain", true),
            ("v1.2_x", true),
            ("", false),
            ("../evil", false),
            ("a/b", false),
            (".hidden", false),
            ("sp ace", false),
        ];
        for (name, valid) in cases {
            assert_eq!(Helper::new(name, None).is_ok(), valid, "{name:?}");
        }
    }
}
