//! `strata login REGISTRY -u USER --password-stdin` and `strata logout REGISTRY`,
//! writing the Docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).

use std::io::Read;
use std::process::ExitCode;

use clap::Args;

use crate::credentials::{Credential, CredentialStore, Secret, Stored};
use crate::registry::{ClientConfig, RegistryClient};

/// Options of `strata login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The registry, e.g. `registry.example.com:5000` (default: Docker Hub).
    pub registry: Option<String>,
    /// The user name.
    #[arg(short, long)]
    pub username: String,
    /// Read the password from standard input (the only way: passwords on the command line leak into shell history).
    #[arg(long)]
    pub password_stdin: bool,
    /// Reach this registry (`HOST[:PORT]`) over plain HTTP; repeatable. Also `STRATA_INSECURE_REGISTRIES`.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
}

/// Options of `strata logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The registry (default: Docker Hub).
    pub registry: Option<String>,
}

fn registry(arg: Option<&str>) -> &str {
    arg.unwrap_or(crate::credentials::DOCKER_HUB_SERVER)
}

/// Runs `login`: checks the credentials with the registry, as `docker login`
/// does, then stores them.
pub fn login(args: &LoginArgs) -> Result<ExitCode, String> {
    if !args.password_stdin {
        return Err("give the password on standard input with --password-stdin (e.g. `printf %s \"$PASSWORD\" | strata login -u USER --password-stdin REGISTRY`)".to_owned());
    }
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err("the password on standard input is empty".to_owned());
    }
    let credential = Credential::password(args.username.clone(), Secret::new(password));
    let name = registry(args.registry.as_deref());
    let config = ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime
        .block_on(client.check_login(name, &credential))
        .map_err(|e| format!("login to {name} failed, nothing was stored: {e}"))?;
    let mut store = CredentialStore::from_env().map_err(|e| e.to_string())?;
    let stored = store.login(name, &credential).map_err(|e| e.to_string())?;
    match stored {
        Stored::Helper(helper) => {
            println!("Login Succeeded (stored with docker-credential-{helper})")
        }
        Stored::File(path) => println!("Login Succeeded (stored in {})", path.display()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `logout`.
pub fn logout(args: &LogoutArgs) -> Result<ExitCode, String> {
    let mut store = CredentialStore::from_env().map_err(|e| e.to_string())?;
    let name = registry(args.registry.as_deref());
    if store.logout(name).map_err(|e| e.to_string())? {
        println!("Removing login credentials for {name}");
    } else {
        println!("Not logged in to {name}");
    }
    Ok(ExitCode::SUCCESS)
}
