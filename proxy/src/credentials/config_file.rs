//! The Docker config file (`config.json`): reading credentials from it and
//! writing them back without losing anything else in it.
//!
//! ```json
//! {
//!     "auths": {
//!         "https://index.docker.io/v1/": { "auth": "base64(user:password)" },
//!         "registry.example:5000": { "username": "u", "password": "p" },
//!         "oauth.example": { "auth": "base64(user:)", "identitytoken": "…" },
//!         "helper-backed.example": {}
//!     },
//!     "credsStore": "pass",
//!     "credHelpers": { "gcr.io": "gcloud" },
//!     "anything-else": "kept as is"
//! }
//! ```
//!
//! The file is kept as a JSON object: only the `auths` entry being changed
//! is touched, and every other field survives a rewrite. Writes go to a
//! temporary file in the same folder (mode 0600), are fsynced, then renamed
//! over the original, and the folder is fsynced; a symlinked config is
//! written through to its target, as Docker does.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value};

use super::credential::Credential;
use super::error::CredentialsError;
use super::secret::Secret;
use super::server::{key_matches, server_address};

const AUTHS: &str = "auths";
const CREDS_STORE: &str = "credsStore";
const CRED_HELPERS: &str = "credHelpers";
/// Fields of an `auths` entry that hold credentials; the rest (`email`, …)
/// is kept when an entry is rewritten.
const CREDENTIAL_FIELDS: &[&str] = &[
    "auth",
    "username",
    "password",
    "identitytoken",
    "registrytoken",
];

/// A parsed `config.json`, every field kept. `Debug` shows only the path
/// and the registries named, never the entries (they hold secrets).
#[derive(Clone, Default, PartialEq)]
pub(crate) struct ConfigFile {
    root: Map<String, Value>,
    /// Where it was read from, for error messages.
    path: PathBuf,
}

impl ConfigFile {
    /// Reads `path`; a missing or empty file is an empty config.
    pub(crate) fn read(path: &Path) -> Result<ConfigFile, CredentialsError> {
        match std::fs::read(path) {
            Ok(bytes) => ConfigFile::parse(&bytes, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile {
                root: Map::new(),
                path: path.to_owned(),
            }),
            Err(source) => Err(CredentialsError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses the bytes of a config file read from `path`.
    pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<ConfigFile, CredentialsError> {
        let parse_error = |message: String| CredentialsError::Parse {
            path: path.to_owned(),
            message,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ConfigFile {
                root: Map::new(),
                path: path.to_owned(),
            });
        }
        let root = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(root)) => root,
            Ok(_) => return Err(parse_error("the top level is not a JSON object".into())),
            Err(e) => return Err(parse_error(e.to_string())),
        };
        for field in [AUTHS, CRED_HELPERS] {
            if !matches!(
                root.get(field),
                None | Some(Value::Object(_)) | Some(Value::Null)
            ) {
                return Err(parse_error(format!("\"{field}\" is not an object")));
            }
        }
        if !matches!(
            root.get(CREDS_STORE),
            None | Some(Value::String(_)) | Some(Value::Null)
        ) {
            return Err(parse_error(format!("\"{CREDS_STORE}\" is not a string")));
        }
        Ok(ConfigFile {
            root,
            path: path.to_owned(),
        })
    }

    /// The credential helper for `registry`: its `credHelpers` entry, else
    /// `credsStore`, else none. An empty name counts as none, so an empty
    /// `credHelpers` entry keeps that registry in the file (as in Docker).
    pub(crate) fn helper_for(&self, registry: &str) -> Option<&str> {
        let from_helpers = self.object(CRED_HELPERS).and_then(|helpers| {
            find_key(helpers, registry).and_then(|key| helpers.get(key)?.as_str())
        });
        from_helpers
            .or_else(|| self.root.get(CREDS_STORE)?.as_str())
            .filter(|name| !name.is_empty())
    }

    /// The credentials stored under `auths` for `registry`, if any.
    pub(crate) fn auth_for(&self, registry: &str) -> Result<Option<Credential>, CredentialsError> {
        let Some(auths) = self.object(AUTHS) else {
            return Ok(None);
        };
        let Some(key) = find_key(auths, registry) else {
            return Ok(None);
        };
        let Some(entry) = auths.get(key).and_then(Value::as_object) else {
            return Ok(None);
        };
        decode_entry(entry).map_err(|reason| CredentialsError::InvalidEntry {
            path: self.path.clone(),
            server: key.to_owned(),
            reason,
        })
    }

    /// Stores `credential` under the server key of `registry`, or an empty
    /// entry (`{}`) when it went to a credential helper. Fields other than
    /// credentials (`email`, …) in an existing entry are kept.
    pub(crate) fn set_auth(&mut self, registry: &str, credential: Option<&Credential>) {
        let auths = self
            .root
            .entry(AUTHS)
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        let Value::Object(auths) = auths else {
            return;
        };
        let entry = auths
            .entry(server_address(registry))
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(entry) = entry else {
            return;
        };
        for field in CREDENTIAL_FIELDS {
            entry.remove(*field);
        }
        match credential {
            None => {}
            Some(Credential::Password { username, password }) => {
                entry.insert(
                    "auth".into(),
                    encode_auth(username, password.expose()).into(),
                );
            }
            Some(Credential::IdentityToken { username, token }) => {
                entry.insert("auth".into(), encode_auth(username, "").into());
                entry.insert("identitytoken".into(), token.expose().into());
            }
        }
    }

    /// Removes every `auths` entry naming `registry`; returns the keys removed.
    pub(crate) fn remove_auths(&mut self, registry: &str) -> Vec<String> {
        let Some(Value::Object(auths)) = self.root.get_mut(AUTHS) else {
            return Vec::new();
        };
        let keys: Vec<String> = auths
            .keys()
            .filter(|key| key_matches(key, registry))
            .cloned()
            .collect();
        for key in &keys {
            auths.remove(key);
        }
        keys
    }

    /// The file's bytes as Docker writes them (tab-indented JSON).
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        // Serialising a map of JSON values into memory cannot fail.
        let _ = serde::Serialize::serialize(&self.root, &mut serializer);
        out.push(b'\n');
        out
    }

    /// Writes the file to `path` atomically (see the module doc).
    pub(crate) fn write(&self, path: &Path) -> Result<(), CredentialsError> {
        write_atomic(path, &self.to_bytes()).map_err(|source| CredentialsError::Write {
            path: path.to_owned(),
            source,
        })
    }

    fn object(&self, field: &str) -> Option<&Map<String, Value>> {
        self.root.get(field)?.as_object()
    }
}

impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auths: Vec<&String> = self
            .object(AUTHS)
            .map(|a| a.keys().collect())
            .unwrap_or_default();
        f.debug_struct("ConfigFile")
            .field("path", &self.path)
            .field("auths", &auths)
            .field("credsStore", &self.root.get(CREDS_STORE))
            .field("credHelpers", &self.root.get(CRED_HELPERS))
            .finish_non_exhaustive()
    }
}

/// The key naming `registry`: its exact server address first, then the
/// first key (in sorted order) with the same host name.
fn find_key<'a>(map: &'a Map<String, Value>, registry: &str) -> Option<&'a str> {
    let exact = server_address(registry);
    if let Some((key, _)) = map.get_key_value(&exact) {
        return Some(key);
    }
    map.keys()
        .find(|key| key_matches(key, registry))
        .map(String::as_str)
}

/// Decodes one `auths` entry, as Docker's `decodeAuth` does: `auth` (base64
/// of `user:password`) wins over `username`/`password`; an `identitytoken`
/// makes it an identity-token credential. An entry with neither is `None`.
fn decode_entry(entry: &Map<String, Value>) -> Result<Option<Credential>, &'static str> {
    let text = |field: &str| {
        entry
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (username, password) = match text("auth") {
        Some(auth) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| "\"auth\" is not base64")?;
            let decoded = String::from_utf8(decoded).map_err(|_| "\"auth\" is not UTF-8")?;
            let (user, password) = decoded
                .split_once(':')
                .ok_or("\"auth\" does not hold \"user:password\"")?;
            (user.to_owned(), password.trim_end_matches('\0').to_owned())
        }
        None => (
            text("username").unwrap_or_default().to_owned(),
            text("password").unwrap_or_default().to_owned(),
        ),
    };
    if let Some(token) = text("identitytoken") {
        return Ok(Some(Credential::IdentityToken {
            username,
            token: Secret::new(token),
        }));
    }
    if username.is_empty() && password.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credential::Password {
        username,
        password: Secret::new(password),
    }))
}

fn encode_auth(username: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_owned(),
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir)?;

    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.json".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let temp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ConfigFile {
        ConfigFile::parse(json.as_bytes(), Path::new("config.json"))
            .unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn pw(user: &str, password: &str) -> Option<Credential> {
        Some(Credential::password(user, password))
    }

    #[test]
    fn reads_auths_entries() {
        let hub = format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}}}}}}"#,
            b64("u:p")
        );
        let colon = format!(r#"{{"auths":{{"r.io":{{"auth":"{}"}}}}}}"#, b64("u:pa:ss"));
        let both = format!(
            r#"{{"auths":{{"r.io":{{"auth":"{}","username":"other","password":"x"}}}}}}"#,
            b64("u:p")
        );
        let token = format!(
            r#"{{"auths":{{"r.io":{{"auth":"{}","identitytoken":"tok"}}}}}}"#,
            b64("u:")
        );
        let id = |user: &str, token: &str| {
            Some(Credential::IdentityToken {
                username: user.into(),
                token: Secret::new(token),
            })
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, String, &str, Option<Credential>)> = vec![
            ("hub key, docker.io", hub.clone(), "docker.io", pw("u", "p")),
            ("hub key, index alias", hub.clone(), "index.docker.io", pw("u", "p")),
            ("hub key, other registry", hub, "r.io", None),
            ("password holds a colon", colon, "r.io", pw("u", "pa:ss")),
            ("auth wins over username/password", both, "r.io", pw("u", "p")),
            ("username and password fields", r#"{"auths":{"r.io":{"username":"u","password":"p"}}}"#.into(), "r.io", pw("u", "p")),
            ("identity token", token, "r.io", id("u", "tok")),
            ("identity token alone", r#"{"auths":{"r.io":{"identitytoken":"tok"}}}"#.into(), "r.io", id("", "tok")),
            ("empty entry (helper-backed)", r#"{"auths":{"r.io":{}}}"#.into(), "r.io", None),
            ("URL key", r#"{"auths":{"https://r.io:5000/v2/":{"username":"u","password":"p"}}}"#.into(), "r.io:5000", pw("u", "p")),
            ("port must match", r#"{"auths":{"r.io:5001":{"username":"u","password":"p"}}}"#.into(), "r.io:5000", None),
            ("exact key wins", r#"{"auths":{"http://r.io":{"username":"a","password":"1"},"r.io":{"username":"b","password":"2"}}}"#.into(), "r.io", pw("b", "2")),
            ("no auths", r#"{"credsStore":""}"#.into(), "r.io", None),
            ("null auths", r#"{"auths":null}"#.into(), "r.io", None),
            ("empty file", "".into(), "r.io", None),
        ];
        for (name, json, registry, want) in cases {
            assert_eq!(
                parse(&json)
                    .auth_for(registry)
                    .unwrap_or_else(|e| panic!("{name}: {e}")),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn rejects_broken_files_and_entries() {
        #[rustfmt::skip]
        let files = [
            ("{", "EOF"),
            ("[]", "not a JSON object"),
            (r#"{"auths":[]}"#, "\"auths\" is not an object"),
            (r#"{"credHelpers":"x"}"#, "\"credHelpers\" is not an object"),
            (r#"{"credsStore":3}"#, "\"credsStore\" is not a string"),
        ];
        for (json, message) in files {
            let err = ConfigFile::parse(json.as_bytes(), Path::new("c.json"))
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(message)),
                "{json}: {err:?}"
            );
        }
        let no_colon = format!(r#"{{"auths":{{"r.io":{{"auth":"{}"}}}}}}"#, b64("nocolon"));
        #[rustfmt::skip]
        let entries = [
            (r#"{"auths":{"r.io":{"auth":"!!!"}}}"#.to_owned(), "not base64"),
            (no_colon, "does not hold \"user:password\""),
        ];
        for (json, message) in entries {
            let err = parse(&json)
                .auth_for("r.io")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains(message) && err.contains("strata login r.io"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn picks_the_helper() {
        let json = r#"{"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud","https://index.docker.io/v1/":"hub","off.io":""}}"#;
        #[rustfmt::skip]
        let cases = [
            (json, "gcr.io", Some("gcloud")),
            (json, "docker.io", Some("hub")),
            (json, "quay.io", Some("desktop")),
            // An empty credHelpers entry opts out of credsStore, as in Docker.
            (json, "off.io", None),
            (r#"{"credHelpers":{"gcr.io":"gcloud"}}"#, "quay.io", None),
            (r#"{"credsStore":""}"#, "quay.io", None),
            ("{}", "quay.io", None),
        ];
        for (json, registry, want) in cases {
            assert_eq!(parse(json).helper_for(registry), want, "{json} {registry}");
        }
    }

    #[test]
    fn rewrites_only_the_changed_entry() {
        let mut file = parse(
            r#"{"auths":{"r.io":{"auth":"eDp5","email":"me@x"},"other.io":{"auth":"eDp5"}},"psFormat":"table {{.ID}}","proxies":{"default":{"httpProxy":"p"}}}"#,
        );
        file.set_auth("r.io", Some(&Credential::password("u", "p")));
        file.set_auth(
            "docker.io",
            Some(&Credential::IdentityToken {
                username: "me".into(),
                token: "t".into(),
            }),
        );
        file.set_auth("helper.io", None);
        let written: Value = serde_json::from_slice(&file.to_bytes()).unwrap();
        let want = serde_json::json!({
            "auths": {
                "r.io": {"auth": b64("u:p"), "email": "me@x"},
                "other.io": {"auth": "eDp5"},
                "https://index.docker.io/v1/": {"auth": b64("me:"), "identitytoken": "t"},
                "helper.io": {},
            },
            "psFormat": "table {{.ID}}",
            "proxies": {"default": {"httpProxy": "p"}},
        });
        assert_eq!(written, want);
        assert!(
            file.to_bytes().starts_with(b"{\n\t\""),
            "tab-indented like Docker"
        );

        assert_eq!(
            file.remove_auths("docker.io"),
            vec!["https://index.docker.io/v1/".to_owned()]
        );
        assert_eq!(file.remove_auths("docker.io"), Vec::<String>::new());
        assert_eq!(file.auth_for("r.io").unwrap(), pw("u", "p"));
        let debug = format!("{file:?}");
        assert!(
            debug.contains("r.io") && !debug.contains(&b64("u:p")),
            "{debug}"
        );
    }
}
