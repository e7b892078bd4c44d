//! A real Prometheus server (Debian's `prometheus`) scraping one target on
//! loopback every second: `/metrics` checked the way it will be used,
//! parsed by Prometheus's own scraper (it asks for OpenMetrics, which is
//! what strata serves).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::process::ChildGuard;

/// A running Prometheus, stopped on drop.
#[derive(Debug)]
pub struct Prometheus {
    _dir: tempfile::TempDir,
    _child: ChildGuard,
    addr: SocketAddr,
}

impl Prometheus {
    /// Starts Prometheus scraping `http://<target>/metrics` every second
    /// (job `strata`); `target` is `127.0.0.1:PORT`.
    pub fn scraping(target: &str) -> crate::Result<Self> {
        let dir = crate::scratch::dir("prometheus")?;
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: strata\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )?;
        let addr: SocketAddr = format!("127.0.0.1:{}", crate::net::free_port()?).parse()?;
        let mut command = Command::new("prometheus");
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdout(std::process::Stdio::null());
        let stderr: PathBuf = dir.path().join("stderr.log");
        let mut child = ChildGuard::spawn("prometheus", command, stderr)?;
        crate::net::wait_for_http(addr, "/-/ready", &[200], Duration::from_secs(30), || {
            child.check_alive()
        })?;
        Ok(Prometheus {
            _dir: dir,
            _child: child,
            addr,
        })
    }

    /// `http://127.0.0.1:PORT`, for its HTTP API (`/api/v1/query`,
    /// `/api/v1/targets`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
