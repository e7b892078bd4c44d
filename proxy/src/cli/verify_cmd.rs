//! `strata verify` and `strata verify-attestation`: cosign's checks, with
//! cosign's flag names and exit codes, by the same code the browser runs
//! ([`shared::signature`]).
//!
//! Exit codes (cosign's): `0` verified; `10` the image has no signatures
//! (or attestations); `11` no such image; `12` none matches the policy;
//! `1` anything else (unreadable key or trusted root, registry errors).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use shared::reference::Reference;
use shared::signature::{Finding, Matcher, Policy, PublicKey, Summary, TrustedRoot, Verdict};

use crate::registry::{ClientConfig, RegistryClient};
use crate::signatures::{Checked, VerifyError, check_image};

/// Exit code: the image has no signatures or attestations.
pub const EXIT_NO_SIGNATURES: u8 = 10;
/// Exit code: the image does not exist.
pub const EXIT_NO_IMAGE: u8 = 11;
/// Exit code: none matches the policy.
pub const EXIT_NO_MATCH: u8 = 12;

/// How the result is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum VerifyOutput {
    /// Lines a person reads.
    #[default]
    Text,
    /// Every finding and the summary, as JSON.
    Json,
}

/// What a signature must satisfy, as cosign spells it.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The signer's public key (PEM, as `cosign.pub`, or DER).
    #[arg(long, value_name = "FILE")]
    pub key: Option<std::path::PathBuf>,
    /// The identity (email or URI) the keyless certificate must name.
    #[arg(long)]
    pub certificate_identity: Option<String>,
    /// A regular expression the certificate identity must match (whole value).
    #[arg(long, conflicts_with = "certificate_identity")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer the keyless certificate must name.
    #[arg(long)]
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the OIDC issuer must match (whole value).
    #[arg(long, conflicts_with = "certificate_oidc_issuer")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// A Sigstore trusted root (JSON) to use instead of the public-good one.
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = VerifyOutput::Text)]
    pub output: VerifyOutput,
    /// Reach this registry (`HOST[:PORT]`) over plain HTTP; repeatable. Also `STRATA_INSECURE_REGISTRIES` (comma-separated).
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
}

/// Options of `strata verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// What the signature must satisfy.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The image: a reference in its registry (a tag is resolved to its digest first).
    pub image: String,
}

/// Options of `strata verify-attestation`.
#[derive(Debug, Args)]
pub struct VerifyAttestationArgs {
    /// What the signature must satisfy.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, spdxjson, cyclonedx, link, vuln, openvex, custom, or a URI (default: any).
    #[arg(long = "type")]
    pub predicate_type: Option<String>,
    /// The image: a reference in its registry.
    pub image: String,
}

impl PolicyArgs {
    fn policy(&self) -> Result<Policy, String> {
        if let Some(path) = &self.key {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read the key {}: {e}", path.display()))?;
            let key = PublicKey::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            if self.certificate_identity.is_some() || self.certificate_identity_regexp.is_some() {
                return Err("give either --key or --certificate-identity, not both".into());
            }
            return Ok(Policy::Key(key));
        }
        let matcher =
            |exact: &Option<String>, regexp: &Option<String>| -> Result<Option<Matcher>, String> {
                match (exact, regexp) {
                    (Some(v), _) => Ok(Some(Matcher::exact(v.clone()))),
                    (None, Some(p)) => Matcher::regexp(p).map(Some).map_err(|e| e.to_string()),
                    (None, None) => Ok(None),
                }
            };
        let identity = matcher(
            &self.certificate_identity,
            &self.certificate_identity_regexp,
        )?;
        let issuer = matcher(
            &self.certificate_oidc_issuer,
            &self.certificate_oidc_issuer_regexp,
        )?;
        match (identity, issuer) {
            (Some(identity), Some(issuer)) => Ok(Policy::Identity { identity, issuer }),
            (None, None) => Err("say whom to trust: --key FILE, or --certificate-identity (or -regexp) with --certificate-oidc-issuer (or -regexp)".into()),
            (Some(_), None) => Err("--certificate-oidc-issuer (or --certificate-oidc-issuer-regexp) is required with --certificate-identity".into()),
            (None, Some(_)) => Err("--certificate-identity (or --certificate-identity-regexp) is required with --certificate-oidc-issuer".into()),
        }
    }

    fn root(&self) -> Result<TrustedRoot, String> {
        match &self.trusted_root {
            None => Ok(TrustedRoot::public_good()),
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read the trusted root {}: {e}", path.display()))?;
                TrustedRoot::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
            }
        }
    }
}

/// Runs `verify`.
pub fn run(args: &VerifyArgs) -> Result<ExitCode, String> {
    check(&args.policy, &args.image, None)
}

/// Runs `verify-attestation`.
pub fn run_attestation(args: &VerifyAttestationArgs) -> Result<ExitCode, String> {
    if let Some(name) = &args.predicate_type
        && shared::signature::predicate_type_for(name).is_none()
    {
        return Err(format!(
            "unknown --type {name:?}: use slsaprovenance, slsaprovenance02, slsaprovenance1, spdxjson, cyclonedx, link, vuln, openvex, custom, or a predicate type URI"
        ));
    }
    let wanted = Some(args.predicate_type.clone().unwrap_or_else(|| "any".into()));
    check(&args.policy, &args.image, wanted)
}

fn check(
    args: &PolicyArgs,
    image: &str,
    predicate_type: Option<String>,
) -> Result<ExitCode, String> {
    let attestations = predicate_type.is_some();
    let policy = args.policy()?;
    let root = args.root()?;
    let reference: Reference = image
        .parse()
        .map_err(|e| format!("{image:?} is not an image reference: {e}"))?;
    let config = ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let predicate_type = predicate_type.filter(|t| t != "any");
    let checked = match runtime.block_on(check_image(
        &client,
        &reference,
        Some(policy),
        root,
        predicate_type,
    )) {
        Ok(c) => c,
        Err(e @ VerifyError::NotFound { .. }) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(EXIT_NO_IMAGE));
        }
        Err(e) => return Err(e.to_string()),
    };
    let summary =
        shared::signature::summarize(checked.discovery.findings(), &checked.digest, attestations);
    match args.output {
        VerifyOutput::Json => {
            let document = serde_json::json!({
                "image": format!("{}@{}", reference.canonical_name(), checked.digest),
                "summary": summary,
                "findings": checked.discovery.findings(),
                "problems": checked.discovery.problems(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?
            );
        }
        VerifyOutput::Text => print!("{}", text(&reference, &checked, &summary, attestations)),
    }
    let what = if attestations {
        "attestations"
    } else {
        "signatures"
    };
    if summary == Summary::Unsigned && !checked.discovery.problems().is_empty() {
        // Not "unsigned": the registry did not say.
        return Err(format!(
            "cannot tell whether {}@{} has {what}: {} could not be read (see above)",
            reference.canonical_name(),
            checked.digest,
            checked.discovery.problems().len()
        ));
    }
    Ok(match summary {
        Summary::Verified { .. } => ExitCode::SUCCESS,
        Summary::Unsigned => {
            eprintln!(
                "Error: no {what} found for {}@{}",
                reference.canonical_name(),
                checked.digest
            );
            ExitCode::from(EXIT_NO_SIGNATURES)
        }
        Summary::NoMatch { .. } | Summary::Unpinned { .. } | Summary::NeedsKey => {
            eprintln!(
                "Error: no matching {what}: none verified under the policy given (the lines above say which check failed)"
            );
            ExitCode::from(EXIT_NO_MATCH)
        }
    })
}

/// The text report.
fn text(reference: &Reference, checked: &Checked, summary: &Summary, attestations: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Verification for {}@{} --",
        reference.canonical_name(),
        checked.digest
    );
    for finding in checked.discovery.findings() {
        // `verify` shows signatures, `verify-attestation` attestations.
        let is_attestation = matches!(finding.kind, shared::signature::Kind::Attestation { .. });
        if !finding.is_signed() || is_attestation != attestations {
            continue;
        }
        let _ = writeln!(out, "\n{}", heading(finding));
        for check in &finding.checks.0 {
            let _ = writeln!(out, "  {}", check.line());
        }
        if let Verdict::NotChecked { reason } = &finding.verdict {
            let _ = writeln!(out, "  - {reason}");
        }
    }
    for problem in checked.discovery.problems() {
        let _ = writeln!(out, "\n! {}: {}", problem.what, problem.message);
    }
    let _ = writeln!(out);
    match summary {
        Summary::Verified { signers, rests_on } => {
            let what = if attestations { "attested" } else { "signed" };
            let _ = writeln!(out, "✓ {what} by {} — verified", signers.join(", "));
            let _ = writeln!(out, "  rests on: {rests_on}");
        }
        Summary::NoMatch { failures } => {
            for f in failures {
                let _ = writeln!(out, "{f}");
            }
        }
        Summary::Unpinned { .. } | Summary::NeedsKey | Summary::Unsigned => {}
    }
    out
}

fn heading(finding: &Finding) -> String {
    let kind = match &finding.kind {
        shared::signature::Kind::Signature => "signature".to_owned(),
        shared::signature::Kind::Attestation { predicate_type } => {
            format!("attestation {predicate_type}")
        }
        shared::signature::Kind::Sbom => "SBOM".to_owned(),
        shared::signature::Kind::Other { media_type } => media_type.clone(),
    };
    let signer = finding
        .signer
        .as_deref()
        .map(|s| format!(" by {s}"))
        .unwrap_or_default();
    format!(
        "{kind}{signer} ({}, layer {})",
        finding.source.title(),
        finding.layer
    )
}
