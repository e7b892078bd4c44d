//! The trusted root: the certificate authorities (Fulcio) and transparency
//! logs (Rekor) keyless signatures are checked against, read from
//! Sigstore's trusted-root JSON
//! (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`).
//!
//! [`TrustedRoot::public_good`] is the public-good instance's root, shipped
//! with strata (`data/public_good_trusted_root.json`, as sigstore-python
//! ships it); a custom root (a private Sigstore) is read with
//! [`TrustedRoot::from_json`].

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::bundle::decode_b64;
use super::public_key::{PublicKey, hex};
use super::x509::Certificate;

/// The largest trusted-root document read.
pub const MAX_TRUSTED_ROOT: usize = 1 << 20;

const PUBLIC_GOOD: &[u8] = include_bytes!("data/public_good_trusted_root.json");
const PUBLIC_GOOD_NAME: &str = "Sigstore public-good trusted root";

/// A set of certificate authorities and transparency logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    name: String,
    /// The certificate authorities.
    pub authorities: Vec<CertificateAuthority>,
    /// The transparency logs.
    pub logs: Vec<TransparencyLog>,
}

/// A certificate authority: its chain (intermediates, then the root) and
/// when it issued certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAuthority {
    /// e.g. `https://fulcio.sigstore.dev`.
    pub uri: String,
    /// Its certificates, the issuing one first, the self-signed root last.
    pub certificates: Vec<Certificate>,
    /// When it started issuing, Unix seconds.
    pub valid_from: Option<i64>,
    /// When it stopped issuing (inclusive), Unix seconds.
    pub valid_until: Option<i64>,
}

/// A transparency log and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransparencyLog {
    /// e.g. `https://rekor.sigstore.dev`.
    pub base_url: String,
    /// Its key.
    pub key: PublicKey,
    /// Its log ID (the SHA-256 of its DER key, for Rekor v1).
    pub key_id: Vec<u8>,
    /// When the key started signing, Unix seconds.
    pub valid_from: Option<i64>,
    /// When it stopped (inclusive), Unix seconds.
    pub valid_until: Option<i64>,
}

/// Whether `time` is in `[from, until]` (open ends unbounded).
pub(crate) fn within(from: Option<i64>, until: Option<i64>, time: i64) -> bool {
    from.is_none_or(|f| f <= time) && until.is_none_or(|u| time <= u)
}

impl CertificateAuthority {
    /// Whether it issued certificates at `time`.
    pub fn valid_at(&self, time: i64) -> bool {
        within(self.valid_from, self.valid_until, time)
    }
}

impl TransparencyLog {
    /// Whether its key signed at `time`.
    pub fn valid_at(&self, time: i64) -> bool {
        within(self.valid_from, self.valid_until, time)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RootJson {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<TlogJson>,
    #[serde(default)]
    certificate_authorities: Vec<CaJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TlogJson {
    #[serde(default)]
    base_url: String,
    public_key: KeyJson,
    log_id: LogIdJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    #[serde(default)]
    raw_bytes: Option<String>,
    #[serde(default)]
    valid_for: Option<ValidFor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdJson {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaJson {
    #[serde(default)]
    uri: String,
    cert_chain: ChainJson,
    #[serde(default)]
    valid_for: Option<ValidFor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChainJson {
    certificates: Vec<RawJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJson {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct ValidFor {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

fn rfc3339(text: Option<&String>, what: &str) -> Result<Option<i64>, String> {
    text.map(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|d| d.unix_timestamp())
            .map_err(|e| format!("{what}: {t:?} is not an RFC 3339 time: {e}"))
    })
    .transpose()
}

fn validity(v: Option<&ValidFor>, what: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let Some(v) = v else {
        return Ok((None, None));
    };
    Ok((
        rfc3339(v.start.as_ref(), what)?,
        rfc3339(v.end.as_ref(), what)?,
    ))
}

impl TrustedRoot {
    /// The public-good Sigstore instance's trusted root, as shipped.
    pub fn public_good() -> TrustedRoot {
        TrustedRoot::parse(PUBLIC_GOOD, PUBLIC_GOOD_NAME.to_owned()).unwrap_or(TrustedRoot {
            name: PUBLIC_GOOD_NAME.to_owned(),
            authorities: Vec::new(),
            logs: Vec::new(),
        })
    }

    /// A trusted root from its JSON bytes; named by the SHA-256 of the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<TrustedRoot, String> {
        if bytes == PUBLIC_GOOD {
            return TrustedRoot::parse(bytes, PUBLIC_GOOD_NAME.to_owned());
        }
        let digest = hex(&Sha256::digest(bytes));
        let prefix = digest.get(..12).unwrap_or(&digest);
        TrustedRoot::parse(bytes, format!("custom trusted root sha256:{prefix}"))
    }

    fn parse(bytes: &[u8], name: String) -> Result<TrustedRoot, String> {
        if bytes.len() > MAX_TRUSTED_ROOT {
            return Err(format!(
                "the trusted root is {} bytes, more than the {MAX_TRUSTED_ROOT} strata reads",
                bytes.len()
            ));
        }
        let json: RootJson = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a Sigstore trusted root (JSON): {e}"))?;
        if !json
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(format!(
                "not a Sigstore trusted root: media type {:?}",
                json.media_type
            ));
        }
        let mut authorities = Vec::new();
        for (i, ca) in json.certificate_authorities.iter().enumerate() {
            let what = format!("certificate authority {i} ({})", ca.uri);
            let (valid_from, valid_until) = validity(ca.valid_for.as_ref(), &what)?;
            let certificates = ca
                .cert_chain
                .certificates
                .iter()
                .map(|c| {
                    decode_b64(&c.raw_bytes)
                        .and_then(|der| Certificate::from_der(&der))
                        .map_err(|e| format!("{what}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if certificates.is_empty() {
                return Err(format!("{what} has no certificates"));
            }
            authorities.push(CertificateAuthority {
                uri: ca.uri.clone(),
                certificates,
                valid_from,
                valid_until,
            });
        }
        let mut logs = Vec::new();
        for (i, log) in json.tlogs.iter().enumerate() {
            let what = format!("transparency log {i} ({})", log.base_url);
            let (valid_from, valid_until) = validity(log.public_key.valid_for.as_ref(), &what)?;
            let key_id = decode_b64(&log.log_id.key_id).map_err(|e| format!("{what}: {e}"))?;
            let Some(raw) = &log.public_key.raw_bytes else {
                continue;
            };
            let der = decode_b64(raw).map_err(|e| format!("{what}: {e}"))?;
            // A key of a kind strata cannot verify with is skipped: its
            // entries then fail as signed by an unknown log.
            let Ok(key) = PublicKey::from_der(&der) else {
                continue;
            };
            logs.push(TransparencyLog {
                base_url: log.base_url.clone(),
                key,
                key_id,
                valid_from,
                valid_until,
            });
        }
        Ok(TrustedRoot {
            name,
            authorities,
            logs,
        })
    }

    /// What a verdict names it by: `Sigstore public-good trusted root` or
    /// `custom trusted root sha256:<12 hex digits>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The log whose ID is `key_id`, if the root has it.
    pub fn log(&self, key_id: &[u8]) -> Option<&TransparencyLog> {
        self.logs.iter().find(|l| l.key_id == key_id)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_public_good_root_has_fulcio_and_rekor() {
        let root = TrustedRoot::public_good();
        assert_eq!(root.name(), "Sigstore public-good trusted root");
        assert_eq!(root.authorities.len(), 2);
        assert!(root.authorities.iter().all(|ca| {
            ca.certificates
                .last()
                .is_some_and(|c| c.is_ca() && c.issued_by(c))
        }));
        let rekor = root
            .logs
            .iter()
            .find(|l| l.base_url == "https://rekor.sigstore.dev")
            .expect("rekor");
        assert_eq!(rekor.key_id, Sha256::digest(rekor.key.der()).to_vec());
        assert!(rekor.valid_at(1_700_000_000));
        assert!(!rekor.valid_at(1_600_000_000));
    }

    #[test]
    fn a_custom_root_is_named_by_its_digest() {
        let root = TrustedRoot::from_json(include_bytes!("testdata/staging_trusted_root.json"))
            .expect("staging root");
        assert!(root.name().starts_with("custom trusted root sha256:"));
        assert_eq!(root.name().len(), "custom trusted root sha256:".len() + 12);
    }

    #[test]
    fn hostile_roots_are_refused() {
        assert!(TrustedRoot::from_json(b"{}").is_err());
        assert!(TrustedRoot::from_json(b"[1,2]").is_err());
        let huge = vec![b' '; MAX_TRUSTED_ROOT + 1];
        let err = TrustedRoot::from_json(&huge).expect_err("too big");
        assert!(err.contains("more than"), "{err}");
        let bad_time = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "certificateAuthorities":[{"certChain":{"certificates":[]},"validFor":{"start":"yesterday"}}]}"#;
        let err = TrustedRoot::from_json(bad_time).expect_err("bad time");
        assert!(err.contains("RFC 3339"), "{err}");
        let bad_cert =
            br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AAAA"}]}}]}"#;
        assert!(TrustedRoot::from_json(bad_cert).is_err());
    }
}
