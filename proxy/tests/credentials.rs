//! Credentials in a Docker config and in credential helpers: lookups,
//! `login` and `logout` writing Docker's format, and helper-held
//! credentials reaching a real registry.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Value, json};
use strata::credentials::{Credential, CredentialStore, CredentialsError, Secret, Stored};
use strata::registry::{ClientConfig, RegistryClient};
use test_support::{Auth, PASSWORD, Registry, USER, fixtures};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read config")).expect("config is JSON")
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("json")).expect("write config");
}

fn password(user: &str, password: &str) -> Credential {
    Credential::password(user, Secret::new(password))
}

/// A credential helper keeping one file per server next to itself, as
/// `docker-credential-NAME`, in `dir`.
const FILE_HELPER: &str = r#"#!/bin/sh
dir="$(dirname "$0")/store"
mkdir -p "$dir"
key() { printf '%s' "$1" | tr -c 'a-zA-Z0-9' '_'; }
case "$1" in
  store)
    input="$(cat)"
    server="$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p')"
    printf '%s' "$input" > "$dir/$(key "$server")"
    ;;
  get|erase)
    file="$dir/$(key "$(cat)")"
    if [ ! -f "$file" ]; then echo "credentials not found in native keychain"; exit 1; fi
    if [ "$1" = get ]; then cat "$file"; else rm "$file"; fi
    ;;
  *) echo "unknown verb $1" >&2; exit 2 ;;
esac
"#;

fn install_helper(dir: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&path, script).expect("write helper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod helper");
}

/// A temporary folder with `config.json` holding `config`, and the helpers
/// `test` (a working store), `broken` (fails) and `garbage` (prints non-JSON)
/// in a `bin` folder.
fn setup(config: Value) -> (tempfile::TempDir, PathBuf, CredentialStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir bin");
    install_helper(&bin, "test", FILE_HELPER);
    install_helper(
        &bin,
        "broken",
        "#!/bin/sh\necho 'boom: keychain locked' >&2\nexit 3\n",
    );
    install_helper(&bin, "garbage", "#!/bin/sh\necho 'not json'\n");
    let path = dir.path().join("config.json");
    write_json(&path, &config);
    let store = CredentialStore::load(&path)
        .expect("load")
        .with_helper_dir(&bin);
    (dir, path, store)
}

#[test]
fn lookups_follow_docker_precedence() {
    let (_dir, _path, store) = setup(json!({
        "auths": {
            "https://index.docker.io/v1/": {"auth": b64("hubuser:hubpass")},
            "file.io": {"username": "fu", "password": "fp"},
            "helper.io": {"auth": b64("ignored:because-helper")},
            "https://url-key.io:5000/v2/": {"auth": b64("uu:up")},
            "token.io": {"auth": b64("tu:"), "identitytoken": "refresh-me"}
        },
        "credHelpers": {"helper.io": "test"}
    }));
    #[rustfmt::skip]
    let cases = [
        ("docker.io", Some(password("hubuser", "hubpass"))),
        ("index.docker.io", Some(password("hubuser", "hubpass"))),
        ("file.io", Some(password("fu", "fp"))),
        ("url-key.io:5000", Some(password("uu", "up"))),
        ("token.io", Some(Credential::IdentityToken { username: "tu".into(), token: Secret::new("refresh-me") })),
        // The helper's answer is final: it holds nothing, so nothing.
        ("helper.io", None),
        ("unknown.io", None),
    ];
    for (registry, want) in cases {
        assert_eq!(
            store
                .get(registry)
                .unwrap_or_else(|e| panic!("{registry}: {e}")),
            want,
            "{registry}"
        );
    }
}

#[test]
fn login_writes_docker_format_and_keeps_everything_else() {
    let (dir, path, mut store) = setup(json!({
        "auths": {"other.io": {"auth": b64("o:p"), "email": "me@example.com"}},
        "psFormat": "table {{.ID}}",
        "proxies": {"default": {"httpProxy": "http://proxy:3128"}}
    }));
    let stored = store
        .login("127.0.0.1:5000", &password("u", "p:with:colons"))
        .expect("login");
    assert_eq!(stored, Stored::File(path.clone()));
    assert_eq!(
        read_json(&path),
        json!({
            "auths": {
                "other.io": {"auth": b64("o:p"), "email": "me@example.com"},
                "127.0.0.1:5000": {"auth": b64("u:p:with:colons")}
            },
            "psFormat": "table {{.ID}}",
            "proxies": {"default": {"httpProxy": "http://proxy:3128"}}
        })
    );
    let reloaded = CredentialStore::load(&path).expect("reload");
    assert_eq!(
        reloaded.get("127.0.0.1:5000").expect("get"),
        Some(password("u", "p:with:colons"))
    );
    assert_eq!(
        store.get("127.0.0.1:5000").expect("get"),
        Some(password("u", "p:with:colons"))
    );

    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "config.json is private");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );

    // Docker Hub is keyed as Docker keys it, whatever spelling was used.
    for spelling in [
        "docker.io",
        "https://index.docker.io/v1/",
        "index.docker.io",
    ] {
        store
            .login(spelling, &password("hub", spelling))
            .expect("login to the hub");
        let auths = read_json(&path)["auths"].clone();
        assert_eq!(
            auths["https://index.docker.io/v1/"]["auth"],
            json!(b64(&format!("hub:{spelling}")))
        );
        assert_eq!(auths.as_object().map(|a| a.len()), Some(3), "{auths}");
    }
}

#[test]
fn login_creates_a_missing_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fresh/.docker/config.json");
    let mut store = CredentialStore::load(&path).expect("a missing file is an empty config");
    assert_eq!(store.get("r.io").expect("get"), None);
    store.login("r.io", &password("u", "p")).expect("login");
    assert_eq!(
        read_json(&path),
        json!({"auths": {"r.io": {"auth": b64("u:p")}}})
    );
    use std::os::unix::fs::PermissionsExt as _;
    let parent = path.parent().expect("parent");
    assert_eq!(
        std::fs::metadata(parent)
            .expect("stat")
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn a_symlinked_config_is_written_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("dotfiles/docker-config.json");
    std::fs::create_dir_all(real.parent().expect("parent")).expect("mkdir");
    write_json(&real, &json!({"currentContext": "default"}));
    let link = dir.path().join("config.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let mut store = CredentialStore::load(&link).expect("load");
    store.login("r.io", &password("u", "p")).expect("login");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("stat")
            .file_type()
            .is_symlink(),
        "still a symlink"
    );
    assert_eq!(
        read_json(&real),
        json!({"currentContext": "default", "auths": {"r.io": {"auth": b64("u:p")}}})
    );
}

#[test]
fn logout_removes_every_entry_for_the_registry() {
    let (_dir, path, mut store) = setup(json!({
        "auths": {
            "r.io": {"auth": b64("a:1")},
            "https://r.io": {"auth": b64("b:2")},
            "http://r.io/v2/": {"auth": b64("c:3")},
            "r.io:5000": {"auth": b64("d:4")}
        }
    }));
    assert!(store.logout("r.io").expect("logout"));
    assert_eq!(
        read_json(&path),
        json!({"auths": {"r.io:5000": {"auth": b64("d:4")}}})
    );
    assert_eq!(store.get("r.io").expect("get"), None);
    assert!(
        !store.logout("r.io").expect("second logout"),
        "nothing left to remove"
    );
}

#[test]
fn helpers_store_get_and_erase() {
    let (dir, path, mut store) =
        setup(json!({"credsStore": "test", "credHelpers": {"file.io": ""}}));
    assert_eq!(
        store.get("r.io:5000").expect("get"),
        None,
        "the helper holds nothing yet"
    );

    let stored = store
        .login("r.io:5000", &password("u", "helper-secret"))
        .expect("login");
    assert_eq!(stored, Stored::Helper("test".into()));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        !text.contains("helper-secret") && !text.contains(&b64("u:helper-secret")),
        "{text}"
    );
    assert_eq!(
        read_json(&path)["auths"],
        json!({"r.io:5000": {}}),
        "an empty entry, as Docker writes"
    );
    assert_eq!(
        store.get("r.io:5000").expect("get"),
        Some(password("u", "helper-secret"))
    );
    assert!(
        dir.path().join("bin/store/r_io_5000").is_file(),
        "the helper got the server address"
    );

    // Identity tokens travel as the `<token>` user name.
    let token = Credential::IdentityToken {
        username: String::new(),
        token: Secret::new("refresh"),
    };
    store.login("oauth.io", &token).expect("login with a token");
    assert_eq!(store.get("oauth.io").expect("get"), Some(token));

    // Docker Hub is given to the helper as Docker gives it.
    store
        .login("docker.io", &password("hub", "h"))
        .expect("login to the hub");
    assert!(
        dir.path()
            .join("bin/store/https___index_docker_io_v1_")
            .is_file()
    );

    // An empty credHelpers entry keeps that registry in the file.
    assert_eq!(
        store.login("file.io", &password("f", "p")).expect("login"),
        Stored::File(path.clone())
    );
    assert_eq!(
        read_json(&path)["auths"]["file.io"],
        json!({"auth": b64("f:p")})
    );

    assert!(store.logout("r.io:5000").expect("logout"));
    assert_eq!(store.get("r.io:5000").expect("get"), None);
    assert!(!store.logout("r.io:5000").expect("second logout"));
}

#[test]
fn helper_failures_say_what_happened() {
    let (_dir, _path, store) = setup(json!({
        "credHelpers": {"missing.io": "nope", "broken.io": "broken", "garbage.io": "garbage", "bad.io": "../x"}
    }));
    let error = |registry: &str| store.get(registry).expect_err(registry);

    let missing = error("missing.io");
    assert!(
        matches!(missing, CredentialsError::HelperMissing { .. }),
        "{missing:?}"
    );
    assert!(
        missing.to_string().contains("docker-credential-nope"),
        "{missing}"
    );

    let broken = error("broken.io");
    assert!(
        matches!(broken, CredentialsError::HelperFailed { verb: "get", .. }),
        "{broken:?}"
    );
    assert!(
        broken.to_string().contains("boom: keychain locked"),
        "{broken}"
    );

    let garbage = error("garbage.io");
    assert!(
        matches!(garbage, CredentialsError::HelperOutput { .. }),
        "{garbage:?}"
    );

    let bad = error("bad.io");
    assert!(
        matches!(bad, CredentialsError::InvalidHelperName { .. }),
        "{bad:?}"
    );
}

#[test]
fn a_broken_config_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    #[rustfmt::skip]
    let cases = [
        ("{\"auths\": ", "not valid"),
        ("[1, 2]", "not a JSON object"),
        (r#"{"auths": {"r.io": {"auth": "%%%"}}}"#, "not base64"),
    ];
    for (text, message) in cases {
        std::fs::write(&path, text).expect("write");
        let error = CredentialStore::load(&path)
            .and_then(|s| s.get("r.io"))
            .expect_err(text)
            .to_string();
        assert!(
            error.contains(message) && error.contains(&path.display().to_string()),
            "{text}: {error}"
        );
    }
}

#[tokio::test]
async fn helper_credentials_reach_the_registry() {
    let registry = Registry::start(Auth::Basic).expect("registry");
    let host = registry.host();
    let pushed = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let (_dir, _path, mut store) = setup(json!({"credsStore": "test"}));
    store
        .login(&host, &password(USER, PASSWORD))
        .expect("login");
    let config = ClientConfig {
        insecure_registries: vec![host.clone()],
        ..ClientConfig::new(store)
    };
    let client = RegistryClient::new(config).expect("client");
    let reference = format!("{host}/library/alpine:latest")
        .parse()
        .expect("reference");
    let fetched = client
        .get_manifest(&reference)
        .await
        .expect("manifest with helper credentials");
    assert_eq!(fetched.digest.to_string(), pushed.digest);
}

#[tokio::test]
async fn a_broken_helper_does_not_break_open_registries() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let host = registry.host();
    let pushed = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let (_dir, _path, store) = setup(json!({"credsStore": "broken"}));
    let config = ClientConfig {
        insecure_registries: vec![host.clone()],
        ..ClientConfig::new(store)
    };
    let client = RegistryClient::new(config).expect("client");
    let reference = format!("{host}/library/alpine:latest")
        .parse()
        .expect("reference");
    let fetched = client
        .get_manifest(&reference)
        .await
        .expect("an open registry needs no credentials");
    assert_eq!(fetched.digest.to_string(), pushed.digest);
}
