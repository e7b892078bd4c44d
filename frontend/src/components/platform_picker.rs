//! An index's platforms, one link each: the choice lives in the address
//! (`?platform=linux/arm64/v8`), so it can be shared and survives a reload.
//! Attestations (`unknown/unknown`) are never platforms: each is listed
//! under the platform it describes (`vnd.docker.reference.digest`), and
//! one whose subject is not a platform of the index is listed at the end as
//! an attestation for that digest.

use leptos::prelude::*;
use shared::digest::Digest;
use shared::display::human_size;
use shared::image_view::{EntryKind, IndexEntry};
use shared::reference::Reference;

use crate::api;

/// The platform list of an index.
#[component]
pub fn PlatformPicker(
    /// The reference as the page was opened (the links keep it).
    asked: String,
    /// The repository, for links to single entries.
    repository: Reference,
    /// The index's entries, in order.
    entries: Vec<IndexEntry>,
    /// The digest of the entry shown.
    chosen: Option<Digest>,
    /// A problem with the platform asked for, if any.
    #[prop(optional_no_strip)]
    problem: Option<String>,
) -> impl IntoView {
    let pinned = |digest: &Digest| {
        api::image_page(
            &repository
                .name_only()
                .with_digest(digest.clone())
                .familiar(),
        )
    };
    let is_platform = |digest: &Digest| {
        entries
            .iter()
            .any(|e| &e.descriptor.digest == digest && matches!(e.kind, EntryKind::Platform(_)))
    };
    // One attestation entry, as the nested item or the line at the end.
    let attestation = |e: &IndexEntry, about: String| {
        view! {
            <span data-test="attestation">
                {format!("Attestation (provenance/SBOM) for {about}: ")}
                <a href=pinned(&e.descriptor.digest) class="mono" title="The attestation manifest's own page">{e.descriptor.digest.short().to_owned()}</a>
                " "<span class="badge" title="Not an image to run">{platform_text(e)}" · not a platform"</span>
            </span>
        }
    };
    let platforms: Vec<AnyView> = entries
        .iter()
        .filter_map(|e| {
            let text = e.platform_text()?;
            let current = chosen.as_ref() == Some(&e.descriptor.digest);
            let href = api::image_page_for_platform(&asked, &text);
            let own = pinned(&e.descriptor.digest);
            let label = text.clone();
            let nested: Vec<AnyView> = entries
                .iter()
                .filter(|a| matches!(&a.kind, EntryKind::Attestation { about: Some(about) } if about == &e.descriptor.digest))
                .map(|a| view! {
                    <li class="platform-attestation" data-test="platform-attestation">{attestation(a, text.clone())}</li>
                }.into_any())
                .collect();
            Some(view! {
                <li class="platform" class:current=current data-test="platform" data-platform=text.clone()>
                    <a href=href class="mono platform-name" aria-current=current.then_some("true")
                        data-test="platform-pick">{label}</a>
                    " "<a href=own class="mono small-text" title="This platform's manifest alone">{e.descriptor.digest.short().to_owned()}</a>
                    " "<span class="muted small-text">{human_size(e.descriptor.size)}" manifest"</span>
                    {current.then(|| view! { " " <span class="badge badge-done">"shown"</span> })}
                    {(!nested.is_empty()).then(|| view! {
                        <ul class="plain platform-attestations" aria-label=format!("Attestations for {text}")>{nested}</ul>
                    })}
                </li>
            }
            .into_any())
        })
        .collect();
    // Entries without a platform, then attestations whose subject is not a
    // platform here.
    let unspecified = entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Unspecified))
        .map(|e| {
            view! {
                <li data-test="attestation">
                    "Entry without a platform: "<a href=pinned(&e.descriptor.digest) class="mono">{e.descriptor.digest.short().to_owned()}</a>
                    " "<span class="badge" title="Not an image to run">{platform_text(e)}" · not a platform"</span>
                </li>
            }
            .into_any()
        });
    let orphans = entries.iter().filter_map(|e| {
        let about = match &e.kind {
            EntryKind::Attestation { about: Some(about) } if is_platform(about) => return None,
            EntryKind::Attestation { about: Some(about) } => about.short().to_owned(),
            EntryKind::Attestation { about: None } => "an unnamed manifest".to_owned(),
            _ => return None,
        };
        Some(view! { <li>{attestation(e, about)}</li> }.into_any())
    });
    let others: Vec<AnyView> = unspecified.chain(orphans).collect();
    let count = platforms.len();
    view! {
        <section class="card" data-test="platforms">
            <h2>"Platforms"</h2>
            <p class="muted">{format!("This reference names an index of {count} platform image(s). Pick one; the choice is kept in the address, so a shared link opens the same view.")}</p>
            {problem.map(|p| view! { <p class="error" role="alert" data-test="platform-problem">{p}</p> })}
            <ul class="platform-list" aria-label="Platforms">{platforms}</ul>
            {(!others.is_empty()).then(|| view! {
                <h3>"Other entries"</h3>
                <ul class="plain attestations">{others}</ul>
            })}
        </section>
    }
}

/// An entry's platform as written (`unknown/unknown`), or "no platform".
fn platform_text(e: &IndexEntry) -> String {
    e.descriptor
        .platform
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "no platform".into())
}

#[cfg(test)]
mod tests {
    use super::PlatformPicker;
    use leptos::prelude::*;
    use shared::image_view::entries;
    use shared::manifest::ImageIndex;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn digest(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    fn texts(host: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
        let list = host.query_selector_all(selector).expect("query");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.text_content().unwrap_or_default())
            .collect()
    }

    #[test]
    fn attestations_sit_under_their_platform_or_at_the_end() {
        let attestation = |c: char, about: char| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest(c), "size": 10,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": digest(about),
                },
            })
        };
        let index: ImageIndex = serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest('a'), "size": 10,
                 "platform": {"os": "linux", "architecture": "amd64"}},
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest('b'), "size": 10,
                 "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                attestation('c', 'a'),
                attestation('d', 'f'),
            ],
        }))
        .expect("index");
        let entries = entries(&index);
        let host = super::super::test_host();
        let handle = leptos::mount::mount_to(host.clone(), move || {
            view! {
                <PlatformPicker asked="127.0.0.1:5000/team/app:v1".to_owned()
                    repository="127.0.0.1:5000/team/app:v1".parse().expect("reference")
                    entries chosen=None problem=None />
            }
        });
        assert_eq!(texts(&host, "[data-test=platform]").len(), 2);
        let nested = texts(
            &host,
            "[data-platform='linux/amd64'] [data-test=platform-attestation]",
        );
        assert_eq!(nested.len(), 1, "{nested:?}");
        assert!(
            nested[0].contains("for linux/amd64") && nested[0].contains("not a platform"),
            "{nested:?}"
        );
        assert!(
            texts(
                &host,
                "[data-platform='linux/arm64/v8'] [data-test=platform-attestation]"
            )
            .is_empty()
        );
        let link = host
            .query_selector("[data-test=platform-attestation] a")
            .expect("query")
            .and_then(|a| a.get_attribute("href"));
        assert_eq!(
            link,
            Some(format!("/i/127.0.0.1:5000/team/app@{}", digest('c')))
        );
        let all = texts(&host, "[data-test=attestation]");
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(
            all[1].contains("Attestation (provenance/SBOM) for ffffffffffff"),
            "{all:?}"
        );
        drop(handle);
    }
}
