//! The "Signatures and attestations" panel.
//!
//! One verdict first ("Signed by … — verified in this browser", or the
//! check that failed with the expected and actual values, and what the
//! verdict rests on), then every artifact found with its own checks, and
//! the attestations' contents.

use leptos::prelude::*;
use shared::digest::Digest;
use shared::display::human_size;
use shared::manifest::Descriptor;
use shared::reference::Reference;
use shared::signature::{Check, Finding, Kind, Outcome, Summary, Verdict};

use super::driver::{self, Report};
use super::policy_form::{PolicyForm, policy_from_query};
use crate::api;

/// The panel for `subject` in `reference`'s repository; `attestations`:
/// the index's BuildKit attestation entries, if any.
#[component]
pub fn TrustPanel(
    reference: Reference,
    subject: Digest,
    attestations: Vec<Descriptor>,
) -> impl IntoView {
    let policy = policy_from_query();
    let report = {
        let reference = reference.clone();
        LocalResource::new(move || {
            let policy = policy.get();
            let reference = reference.clone();
            let subject = subject.clone();
            let attestations = attestations.clone();
            async move {
                let policy = policy?;
                driver::discover(&reference, subject, &attestations, policy).await
            }
        })
    };
    let policy_line = move || {
        match policy.get() {
        Ok(Some(p)) => view! { <p class="small-text" data-test="policy-line">"This link requires: " <span class="mono wrap">{p.describe()}</span></p> }.into_any(),
        Ok(None) => view! { <p class="small-text muted" data-test="policy-line">"This link names no key or identity: signatures are shown, but nothing pins who made them."</p> }.into_any(),
        Err(e) => view! { <p class="error" data-test="policy-line">"The link's policy is unusable: " {e}</p> }.into_any(),
    }
    };
    view! {
        <section class="card" data-test="signatures">
            <h2>"Signatures and attestations"</h2>
            {policy_line}
            {move || match report.get() {
                None => view! { <p class="muted" data-test="signature-verdict" data-state="checking">"Finding and checking signatures…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" data-test="signature-verdict" data-state="error">{e}</p> }.into_any(),
                Some(Ok(report)) => report_view(&reference, &report),
            }}
            <PolicyForm />
        </section>
    }
}

fn report_view(reference: &Reference, report: &Report) -> AnyView {
    let verdict = verdict_view(report);
    let rows: Vec<AnyView> = report
        .findings
        .iter()
        .map(|f| finding_row(reference, f, report))
        .collect();
    let problems: Vec<AnyView> = report
        .problems
        .iter()
        .map(|p| view! { <li class="error small-text" data-test="signature-problem">{format!("{}: {}", p.what, p.message)}</li> }.into_any())
        .collect();
    view! {
        {verdict}
        <ul class="referrers" data-test="referrers">{rows}</ul>
        <ul>{problems}</ul>
    }
    .into_any()
}

fn verdict_view(report: &Report) -> AnyView {
    let elapsed = format!("{:.0}", report.elapsed_ms);
    // The failure to show: a signature made the way the policy asks, if any.
    let mut failed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.is_signed() && !matches!(f.kind, Kind::Attestation { .. }))
        .filter(|f| matches!(f.verdict, Verdict::Failed { .. }))
        .collect();
    failed.sort_by_key(|f| f.other_kind);
    let failed_check = failed.first().and_then(|f| match &f.verdict {
        Verdict::Failed { check } => Some(check.clone()),
        _ => None,
    });
    let (state, body): (&str, AnyView) = match &report.signatures {
        Summary::Verified { signers, rests_on } => (
            "verified",
            view! {
                <strong>"✓ Signed by " <span data-test="signer">{signers.join(", ")}</span> " — verified in this browser"</strong>
                <div class="small-text" data-test="rests-on">"Rests on: " {rests_on.clone()}</div>
            }
            .into_any(),
        ),
        Summary::Unpinned { signers } => (
            "unpinned",
            view! {
                <strong>"Signed by " <span data-test="signer">{signers.join(", ")}</span></strong>
                <div class="small-text">"The certificate chain, transparency log and signature verified in this browser against "
                    {report.root.clone()} ", but this link pins no identity: require one below."</div>
            }
            .into_any(),
        ),
        Summary::NoMatch { .. } => (
            "failed",
            failed_view(failed_check.as_ref()),
        ),
        Summary::NeedsKey => (
            "needs-key",
            view! { <strong>"Signed with a key: give the public key below to verify it."</strong> }.into_any(),
        ),
        Summary::Unsigned => (
            "unsigned",
            view! { <strong>"No signature of this image was found."</strong> }.into_any(),
        ),
    };
    let attested = match &report.attestations {
        Summary::Verified { signers, .. } => Some(format!(
            "✓ Attestations signed by {} — verified in this browser",
            signers.join(", ")
        )),
        Summary::NoMatch { failures } => failures
            .first()
            .map(|f| format!("Attestations not verified: {f}")),
        _ => None,
    };
    view! {
        <div class="signature-verdict" data-test="signature-verdict" data-state=state data-elapsed-ms=elapsed data-subject=report.subject.to_string()>
            {body}
            {attested.map(|a| view! { <div class="small-text" data-test="attestation-verdict">{a}</div> })}
        </div>
    }
    .into_any()
}

fn failed_view(check: Option<&Check>) -> AnyView {
    let Some(check) = check else {
        return view! { <strong>"✗ Not verified"</strong> }.into_any();
    };
    let (expected, actual) = match &check.outcome {
        Outcome::Failed { expected, actual } => (expected.clone(), actual.clone()),
        Outcome::Passed { .. } => (String::new(), String::new()),
    };
    view! {
        <strong>"✗ Not verified: the " <span data-test="failed-check" data-kind=kind_name(check)>{check.kind.title()}</span> " check failed"</strong>
        <div class="mono wrap small-text" data-test="verdict-expected">"expected " {expected}</div>
        <div class="mono wrap small-text" data-test="verdict-actual">"found    " {actual}</div>
    }
    .into_any()
}

fn kind_name(check: &Check) -> String {
    serde_json::to_value(check.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn finding_row(reference: &Reference, finding: &Finding, report: &Report) -> AnyView {
    let what = match &finding.kind {
        Kind::Signature => "signature".to_owned(),
        Kind::Attestation { predicate_type } => format!(
            "attestation: {}",
            super::contents::predicate_title(predicate_type)
        ),
        Kind::Sbom => "SBOM".to_owned(),
        Kind::Other { media_type } => media_type.clone(),
    };
    let state = match &finding.verdict {
        Verdict::Verified { .. } => "verified",
        Verdict::Unpinned { .. } => "unpinned",
        Verdict::Failed { .. } => "failed",
        Verdict::NotChecked { .. } => "not-checked",
        Verdict::Unsigned => "unsigned",
    };
    let link = api::image_page(
        &reference
            .name_only()
            .with_digest(finding.artifact.clone())
            .familiar(),
    );
    let checks: Vec<AnyView> = finding
        .checks
        .0
        .iter()
        .map(|c| {
            view! { <li class="mono wrap small-text" data-test="check" data-kind=kind_name(c) data-passed=c.is_passed().to_string()>{c.line()}</li> }
                .into_any()
        })
        .collect();
    let note = match &finding.verdict {
        Verdict::NotChecked { reason } => Some(reason.clone()),
        Verdict::Unsigned => Some("unsigned: shown, not verified".to_owned()),
        _ => None,
    };
    let contents = match &finding.statement {
        Some(statement) => Some(super::contents::statement_view(statement)),
        None => report
            .documents
            .iter()
            .find(|(digest, _)| *digest == finding.layer)
            .map(|(_, sbom)| super::contents::document_view(sbom)),
    };
    view! {
        <li class="referrer" data-test="referrer" data-state=state data-source=finding.source.title()>
            <div>
                <strong data-test="referrer-kind">{what}</strong>
                {finding.signer.clone().map(|s| view! { " by " <span data-test="referrer-signer">{s}</span> })}
                " · " {human_size(finding.size)} " · " {finding.source.title()}
                {finding.artifact_type.clone().map(|t| view! { " · " <span class="mono" data-test="referrer-type">{t}</span> })}
                " · "
                <a href=link data-test="referrer-link" class="mono">{finding.artifact.short().to_owned()}</a>
            </div>
            {note.map(|n| view! { <div class="muted small-text">{n}</div> })}
            <details><summary class="small-text">"Checks"</summary><ul class="checks">{checks}</ul></details>
            {contents}
        </li>
    }
    .into_any()
}
