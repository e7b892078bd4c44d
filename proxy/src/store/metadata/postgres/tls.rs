//! [`connect`]: every connection strata opens to PostgreSQL, plain or TLS
//! as the URL's `sslmode` says.
//!
//! - `sslmode=disable`, and the default `prefer`: plain TCP (or a unix
//!   socket), as before TLS support; keep such a database on a private
//!   network or loopback.
//! - `sslmode=require`: TLS (rustls), and the server's certificate must
//!   verify, for the host name in the URL, against the public roots strata
//!   bundles (`webpki-roots`) plus the PEM certificates in the file that
//!   `PGSSLROOTCERT` names (libpq's variable: a private CA, a managed
//!   database's bundle). Unlike libpq's `require`, which encrypts without
//!   checking whom it talks to, strata always checks: an unverified server
//!   could read and rewrite every tag.

use std::sync::Arc;

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// The variable naming extra trusted roots (PEM), as libpq's.
pub const ROOT_CERT_ENV: &str = "PGSSLROOTCERT";

/// Connects as `config` says (see the module doc); `name` is the
/// database as messages show it.
pub(crate) fn connect(config: &Config, name: &str) -> Result<Client, StoreError> {
    let connected = match config.get_ssl_mode() {
        SslMode::Require => config.connect(connector()?),
        _ => config.connect(NoTls),
    };
    connected.map_err(|e| StoreError::Database {
        source: format!("cannot connect to {name}: {}", explain(&e)).into(),
    })
}

/// A TLS connector trusting the bundled roots and `PGSSLROOTCERT`'s.
fn connector() -> Result<MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = std::env::var_os(ROOT_CERT_ENV).filter(|p| !p.is_empty()) {
        let unreadable = |why: String| StoreError::Database {
            source: format!(
                "{ROOT_CERT_ENV}={}: {why}; name a file of PEM certificates",
                std::path::Path::new(&path).display()
            )
            .into(),
        };
        let pem = std::fs::read(&path).map_err(|e| unreadable(e.to_string()))?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| unreadable(format!("not PEM ({e:?})")))?;
        if certs.is_empty() {
            return Err(unreadable("no certificate in it".to_owned()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| unreadable(format!("not a usable certificate ({e})")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Database {
            source: format!("cannot set up TLS: {e}").into(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The error, with what to do when it is about the certificate.
fn explain(e: &postgres::Error) -> String {
    let text = format!("{e}");
    let source = std::error::Error::source(e).map(ToString::to_string);
    let full = match source {
        Some(source) if !text.contains(&source) => format!("{text}: {source}"),
        _ => text,
    };
    if full.contains("certificate") || full.contains("UnknownIssuer") {
        format!(
            "{full} (the server's TLS certificate did not verify: set {ROOT_CERT_ENV} to the CA that signed it)"
        )
    } else {
        full
    }
}
