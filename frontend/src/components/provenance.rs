//! A SLSA provenance summary: who built the image, how, from which source
//! commit and materials, and when. Every value comes from an untrusted
//! document: it is rendered as text, and only `https` GitHub/GitLab
//! repositories and hex commits become links ([`shared::attestation::Source`]).

use std::sync::Arc;

use leptos::prelude::*;
use shared::attestation::{Material, Provenance, SlsaVersion};
use shared::display::rfc3339;

use crate::explorer::shown;

/// A provenance predicate's facts.
#[component]
pub fn ProvenanceView(
    /// The provenance (a `Provenance` or a shared `Arc<Provenance>`).
    #[prop(into)]
    provenance: Arc<Provenance>,
) -> impl IntoView {
    let p = provenance;
    let version = match p.version {
        SlsaVersion::V0_2 => "SLSA provenance v0.2",
        SlsaVersion::V1 => "SLSA provenance v1",
    };
    let builder = if p.builder_id.is_empty() {
        view! { <span class="muted">"not given"</span> }.into_any()
    } else {
        view! { <span class="mono wrap">{shown(&p.builder_id)}</span> }.into_any()
    };
    let build_type = (!p.build_type.is_empty()).then(|| {
        view! {
            <dt>"Build type"</dt>
            <dd class="mono wrap" data-test="provenance-build-type">{shown(&p.build_type)}</dd>
        }
    });
    let source = match p.source.as_ref() {
        Some(s) => {
        let repository = shown(&s.repository);
        let repo = match s.repository_link() {
            Some(href) => view! { <a href=href rel="external noopener noreferrer" class="mono">{repository}</a> }.into_any(),
            None => view! { <span class="mono">{repository}</span> }.into_any(),
        };
        let git_ref = s.git_ref.as_deref().map(|r| view! { " " <span class="badge mono" title="Git ref">{shown(r)}</span> });
        let entry = s.entry_point.as_deref().map(|e| view! { " " <span class="muted">"· "<span class="mono">{shown(e)}</span></span> });
        let commit = s.commit.as_deref().map(|c| {
            let text = shown(c);
            let link = match s.commit_link() {
                Some(href) => view! { <a href=href rel="external noopener noreferrer" class="mono">{text}</a> }.into_any(),
                None => view! { <span class="mono">{text}</span> }.into_any(),
            };
            view! { <dt>"Commit"</dt><dd class="wrap" data-test="provenance-commit">{link}</dd> }
        });
        view! {
            <dt>"Source"</dt>
            <dd class="wrap" data-test="provenance-source">{repo}{git_ref}{entry}</dd>
            {commit}
        }
        .into_any()
        }
        None => view! {
            <dt>"Source"</dt>
            <dd class="muted" data-test="provenance-source">"not given (built from a local context, or the builder did not record it)"</dd>
        }
        .into_any(),
    };
    let times = [("Started", p.started), ("Finished", p.finished)].map(|(label, t)| {
        t.map(|t| view! { <dt>{label}</dt><dd data-test="provenance-time">{rfc3339(t)}</dd> })
    });
    let invocation = p.invocation_id.as_deref().map(|id| {
        view! { <dt>"Invocation"</dt><dd class="mono wrap">{shown(id)}</dd> }
    });
    let materials: Vec<AnyView> = p.materials.iter().map(material).collect();
    let material_count = materials.len();
    view! {
        <div class="provenance" data-test="provenance">
            <p class="muted small-text">
                {version}
                {p.buildkit.then(|| view! { " " <span class="badge">"BuildKit"</span> })}
            </p>
            <dl class="facts">
                <dt>"Builder"</dt><dd data-test="provenance-builder">{builder}</dd>
                {build_type}
                {source}
                {invocation}
                {times}
            </dl>
            <h4>{format!("Materials ({material_count})")}</h4>
            {if materials.is_empty() {
                view! { <p class="muted">"The provenance lists no materials."</p> }.into_any()
            } else {
                view! { <ul class="plain provenance-materials">{materials}</ul> }.into_any()
            }}
        </div>
    }
}

/// One material: its URI and digests.
fn material(m: &Material) -> AnyView {
    let digests: Vec<String> = m
        .digest
        .iter()
        .map(|(algorithm, hex)| {
            let short: String = hex.chars().take(12).collect();
            format!("{algorithm}:{short}")
        })
        .collect();
    let full: Vec<String> = m.digest.iter().map(|(a, h)| format!("{a}:{h}")).collect();
    view! {
        <li data-test="provenance-material">
            <span class="mono wrap">{shown(&m.uri)}</span>
            {(!digests.is_empty()).then(|| view! {
                " " <span class="muted mono small-text" title=full.join("\n")>{digests.join(" ")}</span>
            })}
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::ProvenanceView;
    use leptos::prelude::*;
    use shared::attestation::{Material, Provenance, SlsaVersion, Source};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn facts_and_the_commit_link() {
        let commit = "8e0ac6a9dd3ae2a1b2c6b36b6e0a1c8f1d8a5f3e";
        let provenance = Provenance {
            version: SlsaVersion::V0_2,
            builder_id: "https://github.com/org/app/actions/runs/1".into(),
            build_type: "https://mobyproject.org/buildkit@v1".into(),
            source: Some(Source {
                repository: "https://github.com/org/app.git".into(),
                git_ref: Some("refs/heads/main".into()),
                commit: Some(commit.into()),
                entry_point: Some("Dockerfile".into()),
            }),
            materials: vec![Material {
                uri: "pkg:docker/alpine@3.20".into(),
                digest: [("sha256".to_owned(), "b".repeat(64))].into(),
            }],
            invocation_id: None,
            started: None,
            finished: None,
            buildkit: true,
        };
        let host = super::super::test_host();
        let handle = leptos::mount::mount_to(
            host.clone(),
            move || view! { <ProvenanceView provenance /> },
        );
        let text = |selector: &str| {
            host.query_selector(selector)
                .expect("query")
                .and_then(|e| e.text_content())
                .unwrap_or_default()
        };
        assert_eq!(
            text("[data-test=provenance-builder]"),
            "https://github.com/org/app/actions/runs/1"
        );
        assert!(text("[data-test=provenance-source]").contains("https://github.com/org/app.git"));
        assert_eq!(text("[data-test=provenance-commit]"), commit);
        let href = host
            .query_selector("[data-test=provenance-commit] a")
            .expect("query")
            .and_then(|a| a.get_attribute("href"));
        assert_eq!(
            href,
            Some(format!("https://github.com/org/app/commit/{commit}"))
        );
        assert!(text("[data-test=provenance-material]").contains("pkg:docker/alpine@3.20"));
        drop(handle);
    }
}
