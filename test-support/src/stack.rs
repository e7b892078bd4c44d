//! The stack a browser end-to-end test runs against: an open [`Registry`],
//! `strata serve` with the built dashboard in front of it, and a
//! [`Browser`]. Tests that need something else (an auth registry, a second
//! browser, a server per upstream) start the pieces themselves.

use std::path::PathBuf;

use crate::registry::Pushed;
use crate::strata::{StrataOptions, StrataServer};
use crate::{Auth, Browser, Registry};

/// A registry, `strata serve` allowed to reach it, and Chromium; stopped on
/// drop, the browser first and the registry last.
#[derive(Debug)]
pub struct DashboardStack {
    // Fields drop in order: the browser, then the server, then the registry.
    browser: Browser,
    server: StrataServer,
    registry: Registry,
}

impl DashboardStack {
    /// Starts an open registry, pushes the fixtures named `fixtures`
    /// (`repo:tag`, see [`crate::fixtures::get`]) in order, then serves the
    /// binary at `bin` (use `env!("CARGO_BIN_EXE_strata")`) in front of it
    /// and starts Chromium. Returns the stack and each fixture as pushed, in
    /// the order named.
    pub async fn start<const N: usize>(
        bin: impl Into<PathBuf>,
        fixtures: [&str; N],
    ) -> crate::Result<(Self, [Pushed; N])> {
        let registry = Registry::start(Auth::Open)?;
        let pushed = fixtures
            .iter()
            .map(|name| registry.push_fixture(name))
            .collect::<crate::Result<Vec<_>>>()?;
        let pushed: [Pushed; N] = pushed
            .try_into()
            .map_err(|_| "a fixture went missing while pushing")?;
        let stack = Self::in_front_of(registry, StrataOptions::new(bin)).await?;
        Ok((stack, pushed))
    }

    /// Starts `options` with the built dashboard, allowed to reach `registry`
    /// (open, already holding what the test needs), then Chromium.
    pub async fn in_front_of(registry: Registry, options: StrataOptions) -> crate::Result<Self> {
        let server = options.with_dashboard_for(&registry.host())?.start()?;
        let browser = Browser::start().await?;
        Ok(Self {
            browser,
            server,
            registry,
        })
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The running `strata serve`.
    pub fn server(&self) -> &StrataServer {
        &self.server
    }

    /// The browser.
    pub fn browser(&self) -> &Browser {
        &self.browser
    }

    /// Opens `path` (`/`, `/pull?ref=…`, `/i/…`) of the dashboard.
    pub async fn open(&self, path: &str) -> crate::Result<()> {
        self.browser
            .open(&format!("{}{path}", self.server.url()))
            .await
    }

    /// Ends the browser session; the server and the registry stop as the
    /// stack drops.
    pub async fn close(self) -> crate::Result<()> {
        self.browser.close().await
    }
}
