//! PLACEHOLDER until helper A's file lands.
use super::{Bundle, Check, CheckKind, Checks, Envelope, Matcher, TrustedRoot};
/// What a signature signs.
pub enum Signed<'a> {
    /// A message.
    Message(&'a [u8]),
    /// A message's SHA-256.
    MessageDigest {
        /// The digest.
        sha256: [u8; 32],
    },
    /// A DSSE envelope.
    Dsse(&'a Envelope),
}
/// Who signed.
#[derive(Debug, Clone)]
pub struct Signer {
    /// SAN.
    pub identity: String,
    /// Issuer.
    pub issuer: String,
    /// nb.
    pub not_before: i64,
    /// na.
    pub not_after: i64,
    /// li.
    pub log_index: Option<i64>,
    /// it.
    pub integrated_time: Option<i64>,
    /// root.
    pub root: String,
}
/// Log facts.
#[derive(Debug, Clone)]
pub struct TlogFacts;
/// Keyless.
pub fn verify_keyless(
    _b: &Bundle,
    _s: &Signed,
    _r: &TrustedRoot,
    _i: &Matcher,
    _is: &Matcher,
    checks: &mut Checks,
) -> Option<Signer> {
    checks.push(Check::failed(
        CheckKind::CertificateChain,
        "x",
        "placeholder",
    ));
    None
}
/// Log.
pub fn verify_log(
    _b: &Bundle,
    _p: &str,
    _s: &[u8],
    _sg: &Signed,
    _r: &TrustedRoot,
    _c: &mut Checks,
) -> Option<TlogFacts> {
    None
}
/// Legacy.
pub fn bundle_from_cosign_legacy(
    _s: &str,
    _c: Option<&str>,
    _ch: Option<&str>,
    _b: Option<&str>,
) -> Result<Bundle, String> {
    Err("placeholder".into())
}
