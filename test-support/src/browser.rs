//! Headless Chromium (Debian's `chromium`) driven through `chromedriver`.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::net::{free_port, wait_for_http};
use crate::process::ChildGuard;

/// The Chromium binary.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The chromedriver binary.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The flags every test browser runs with: no sandbox (tests run as root),
/// no GPU, and nothing that reaches for the network on its own.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// A headless Chromium session with a fresh profile, closed on drop.
#[derive(Debug)]
pub struct Browser {
    client: fantoccini::Client,
    // Dropped after the client: the driver kills Chromium when it exits.
    _driver: ChildGuard,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a new Chromium session with an empty profile.
    pub async fn start() -> crate::Result<Self> {
        // fantoccini (aws-lc-rs) and reqwest (ring) both enable a rustls
        // provider, so rustls cannot pick one: choose ring for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let profile = crate::scratch::dir("strata-chromium")?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Command::new(CHROMEDRIVER);
        // Chromium writes its own scratch files (org.chromium.Chromium.*)
        // into TMPDIR: keep them in the profile folder, removed with it.
        command
            .arg(format!("--port={port}"))
            .env("TMPDIR", profile.path())
            .stdout(Stdio::null());
        let mut driver = ChildGuard::spawn(
            "chromedriver",
            command,
            profile.path().join("chromedriver.log"),
        )?;
        wait_for_http(addr, "/status", &[200], Duration::from_secs(20), || {
            driver.check_alive()
        })?;

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = fantoccini::ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await
            .map_err(|e| format!("cannot start a Chromium session through chromedriver: {e}"))?;
        Ok(Self {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    /// The WebDriver client.
    pub fn client(&self) -> &fantoccini::Client {
        &self.client
    }

    /// Waits up to `timeout` for an element matching `css` and returns its
    /// text. An element the page re-rendered between finding and reading
    /// it (a stale reference) makes it look again, a few times.
    pub async fn wait_text(&self, css: &str, timeout: Duration) -> crate::Result<String> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let element = self
                .client
                .wait()
                .at_most(timeout)
                .for_element(fantoccini::Locator::Css(css))
                .await
                .map_err(|e| format!("no element {css} within {timeout:?}: {e}"))?;
            match element.text().await {
                Ok(text) => return Ok(text),
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        && attempts < 5 => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Saves a screenshot to `artifacts/screenshots/NAME.png` under the workspace.
    pub async fn screenshot(&self, name: &str) -> crate::Result<std::path::PathBuf> {
        let dir = crate::workspace_root().join("artifacts/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Ends the session (chromedriver and Chromium stop when this drops anyway).
    pub async fn close(self) -> crate::Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }
}
