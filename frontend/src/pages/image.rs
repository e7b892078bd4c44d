//! `/i/{reference}`: any image, stored or not. What the store knows (tags,
//! pins, the local images sharing each layer) comes from `/api/v1`; the
//! manifest or index and the config come through `/v2` and are shown as
//! readable panels and as raw JSON with every digest a link. For an index
//! the platform shown is chosen in the address (`?platform=linux/arm64`).
//! Pull and Remove act on the image; the Verify panel checks it.
//!
//! | file | concept |
//! | --- | --- |
//! | `image/remote` | reading a reference through `/v2` |
//! | `image/facts` | the readable panels |
//! | `image/raw` | the raw JSON panels (a module fetched after the facts) |
//!
//! A shared link is the product's front door: the facts render from the
//! image page's own module, and the Verify panel and the raw JSON views
//! (hashers, decoders, the JSON pretty-printer) are split points of their
//! own, fetched once the facts show; so are Pull and Remove.

mod facts;
mod raw;
pub(crate) mod remote;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::api::{ImageDetail, PullStart};
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::platform::Platform;
use shared::reference::Reference;
use shared::walk::PlatformChoice;

use crate::api::{self, ApiError};
use crate::components::error::ErrorMessage;
use crate::components::image_buttons::{ImageButtons, ImageOffers};
use crate::components::platform_picker::PlatformPicker;
use crate::components::verify_panel::VerifyPanel;
use crate::lazy;
use crate::signatures::panel::TrustPanel;
use crate::signatures::probe::has_artifacts;
use facts::{ImageFacts, Naming};
use remote::{Remote, RemoteImage};

/// The repository an image is best named by: the one in the URL, else its first tag or digest.
pub fn repository_of(asked: &str, detail: &ImageDetail) -> Option<String> {
    let parse = |s: &str| s.parse::<Reference>().ok().map(|r| r.familiar_name());
    parse(asked)
        .filter(|_| !is_id_like(asked))
        .or_else(|| detail.inspect.repo_tags.first().and_then(|t| parse(t)))
        .or_else(|| detail.inspect.repo_digests.first().and_then(|t| parse(t)))
}

/// Whether `asked` reads as an image ID or ID prefix (`sha256:…`, or hex
/// that the store's image ID starts with).
fn is_id_like(asked: &str) -> bool {
    asked.starts_with("sha256:")
}

/// What the store told the page, reduced to what the `/v2` read needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoreHint {
    manifest: Digest,
    id: Digest,
    /// `repo@manifest-digest`, when the image has a repository.
    pinned: Option<String>,
}

impl StoreHint {
    fn of(asked: &str, d: &ImageDetail) -> StoreHint {
        StoreHint {
            manifest: d.manifest_digest.clone(),
            id: d.inspect.id.clone(),
            pinned: repository_of(asked, d).map(|r| format!("{r}@{}", d.manifest_digest)),
        }
    }
}

/// The reference to read through `/v2`: the one asked, unless the page was
/// opened by image ID, then the stored image's repository pinned to its manifest.
fn remote_target(asked: &str, hint: Option<&StoreHint>) -> Option<Reference> {
    let hex = asked.strip_prefix("sha256:").unwrap_or(asked);
    let by_id = hint.is_some_and(|h| {
        is_id_like(asked)
            || (!hex.is_empty()
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
                && h.id.encoded().starts_with(hex))
    });
    if by_id {
        return hint
            .and_then(|h| h.pinned.as_deref())
            .and_then(|p| p.parse().ok());
    }
    if is_id_like(asked) {
        return None;
    }
    asked.parse().ok()
}

/// The image page.
#[component]
pub fn ImagePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = Memo::new(move |_| params.with(|p| p.get("reference").unwrap_or_default()));
    let wanted_text = Memo::new(move |_| {
        query
            .with(|q| q.get("platform"))
            .filter(|p| !p.trim().is_empty())
    });
    let wanted = Memo::new(move |_| {
        wanted_text
            .get()
            .map(|t| t.trim().parse::<Platform>().map_err(|e| e.to_string()))
    });
    // Each answer carries what it answers, so a page moving to another
    // image or platform shows "loading", never the previous image's data.
    let stored_answer = LocalResource::new(move || {
        let asked = name.get();
        async move { (asked.clone(), api::image(asked).await) }
    });
    let stored = move || {
        stored_answer
            .get()
            .filter(|(asked, _)| name.with(|n| n == asked))
            .map(|(_, answer)| answer)
    };
    let hint = Memo::new(move |_| {
        stored().map(|r| r.ok().map(|d| StoreHint::of(&name.get_untracked(), &d)))
    });
    let remote = LocalResource::new(move || {
        let asked = name.get();
        let key = (asked.clone(), wanted_text.get());
        let wanted = wanted.get().and_then(Result::ok);
        let hint = hint.get();
        async move {
            let hint = hint?;
            let target = remote_target(&asked, hint.as_ref());
            let choice = PlatformChoice::Page {
                wanted,
                preferred: hint.as_ref().map(|h| h.manifest.clone()),
            };
            let result = match &target {
                Some(reference) => remote::load(reference.clone(), choice.clone())
                    .await
                    .map(Arc::new),
                None => Err(format!(
                    "{asked:?} is not an image reference, so the registry cannot be asked"
                )),
            };
            Some((
                key,
                Remote {
                    target,
                    choice,
                    result,
                },
            ))
        }
    });
    let remote_now = move || {
        remote
            .get()
            .flatten()
            .filter(|(key, _)| name.with(|n| *n == key.0) && wanted_text.with(|w| *w == key.1))
            .map(|(_, r)| r)
    };

    // Verification starts once the page has read the image (so it reads the
    // same documents, fetched once), takes the index entry the page took,
    // and restarts only when the reference or that choice changes.
    let verify_target =
        Memo::new(move |_| remote_now().map(|r| (r.target.map(|t| t.familiar()), r.choice)));

    let offers = Signal::derive(move || {
        let asked = name.get();
        let Some(stored) = stored() else {
            return ImageOffers::default();
        };
        let parsed = asked
            .parse::<Reference>()
            .ok()
            .filter(|_| !is_id_like(&asked));
        let platform = remote_now()
            .and_then(|r| r.result.ok())
            .and_then(|i| i.platform())
            .map(|p| p.to_string());
        let pull = |r: &Reference| PullStart {
            reference: r.familiar(),
            platform: platform.clone(),
            all_tags: false,
        };
        match stored {
            Ok(_) => ImageOffers {
                pull: parsed.as_ref().filter(|r| r.digest().is_none()).map(pull),
                refresh: true,
                remove: Some(asked),
            },
            Err(e) if e.is_not_found() => ImageOffers {
                pull: parsed.as_ref().map(pull),
                refresh: false,
                remove: None,
            },
            Err(_) => ImageOffers::default(),
        }
    });
    let on_change = Callback::new(move |()| {
        crate::load::forget_tags();
        stored_answer.refetch();
    });

    let title = move || {
        let asked = name.get();
        match stored() {
            Some(Ok(d)) if is_id_like(&asked) => d.inspect.id.short().to_owned(),
            _ => asked,
        }
    };
    let body = move || {
        let asked = name.get();
        match stored() {
            None => view! { <p class="muted">"Loading image…"</p> }.into_any(),
            Some(Err(e)) if !e.is_not_found() => {
                view! { <ErrorMessage message=e.to_string() /> }.into_any()
            }
            Some(s) => {
                let platform_problem = wanted.get().and_then(Result::err).map(|e| {
                    format!("The platform in the address is not valid ({e}); showing the default.")
                });
                page_body(asked, s, remote_now(), platform_problem)
            }
        }
    };
    let verify = move || match verify_target.get() {
        None => None,
        Some((None, _)) => Some(
            view! {
                <section class="card" data-test="verify">
                    <h2>"Verify"</h2>
                    <p class="muted">"Nothing to verify: this page names no image reference."</p>
                </section>
            }
            .into_any(),
        ),
        Some((Some(reference), choice)) => Some(lazy::page(verify_panel(reference, choice))),
    };

    // Signatures and attestations: probed once the page has read the image;
    // the verification code is fetched only when something is attached.
    let trust_target = Memo::new(move |_| {
        let remote = remote_now()?;
        let image = remote.result.ok()?;
        let attestations: Vec<Descriptor> = image
            .index
            .as_ref()
            .map(|i| i.entries.iter().map(|e| e.descriptor.clone()).collect())
            .unwrap_or_default();
        Some((
            image.reference.clone(),
            image.top.digest.clone(),
            attestations,
        ))
    });
    let trust = move || {
        trust_target.get().map(|(reference, subject, entries)| {
            lazy::page(signatures_probe(reference, subject, entries))
        })
    };

    view! {
        <div class="page-head">
            <h1 class="mono wrap" data-test="image-title">{title}</h1>
        </div>
        {lazy::page(image_buttons(offers, on_change))}
        {body}
        {trust}
        {verify}
    }
}

/// Everything below the buttons, once the store has answered.
fn page_body(
    asked: String,
    stored: Result<ImageDetail, ApiError>,
    remote: Option<Remote>,
    platform_problem: Option<String>,
) -> AnyView {
    let image = remote
        .as_ref()
        .and_then(|r| r.result.as_ref().ok().cloned());
    let banner = match (&stored, &remote) {
        (Ok(_), _) => None,
        (Err(e), None) => Some(
            view! { <NotStored asked=asked.clone() message=e.to_string() looking=true /> }
                .into_any(),
        ),
        (Err(e), Some(r)) => match &r.result {
            Ok(_) => Some(
                view! { <NotStored asked=asked.clone() message=e.to_string() found=true /> }
                    .into_any(),
            ),
            Err(why) => Some(
                view! {
                    <NotStored asked=asked.clone() message=e.to_string() />
                    <ErrorMessage message=format!("Not found through /v2 either: {why}") />
                }
                .into_any(),
            ),
        },
    };
    let picker = image.as_ref().and_then(|i| {
        let index = i.index.as_ref()?;
        let problem = platform_problem.clone().or_else(|| index.problem.clone());
        Some(view! {
            <PlatformPicker asked=asked.clone() repository=i.reference.clone() entries=index.entries.clone()
                chosen=index.chosen.as_ref().map(|d| d.digest.clone()) problem />
        })
    });
    let remote_error = remote
        .as_ref()
        .filter(|_| stored.is_ok())
        .and_then(|r| r.result.as_ref().err().cloned())
        .map(|why| view! { <p class="muted small-text" data-test="remote-error">"Not read through /v2: " {why}</p> });
    let panels = readable(&asked, stored.as_ref().ok(), image.as_deref());
    // The raw JSON views are a module of their own, fetched after the facts.
    let raw = image.map(|i| lazy::page(raw::raw_panels(i)));
    view! {
        {banner}
        {picker}
        {panels}
        {remote_error}
        {raw}
    }
    .into_any()
}

/// The readable panels: from the store when it holds the manifest shown,
/// else from what `/v2` said.
fn readable(asked: &str, stored: Option<&ImageDetail>, image: Option<&RemoteImage>) -> AnyView {
    let shown_digest = image.and_then(RemoteImage::manifest_digest);
    let use_store = stored.filter(|d| shown_digest.is_none_or(|m| *m == d.manifest_digest));
    let (detail, from_store) = match (use_store, image.map(|i| &i.shown)) {
        (Some(d), _) => (d.clone(), true),
        (None, Some(Ok(shown))) => match &shown.detail {
            Ok(d) => (d.clone(), false),
            Err(why) => {
                return view! { <ErrorMessage message=format!("Cannot show this image's facts: {why}") /> }.into_any();
            }
        },
        (None, Some(Err(why))) => {
            return view! { <ErrorMessage message=format!("Cannot show an image manifest: {why}") /> }.into_any();
        }
        (None, None) => return ().into_any(),
    };
    let other = stored.filter(|_| !from_store).map(|d| {
        view! {
            <p class="card note" data-test="store-differs">
                "The local store holds another manifest under this name ("
                <span class="mono wrap">{d.manifest_digest.to_string()}</span>
                "); shown below is the one the registry serves for this view."
            </p>
        }
    });
    let naming = naming(asked, &detail, image);
    view! { {other} <ImageFacts d=detail naming stored=from_store /> }.into_any()
}

/// Titles, share link and commands for the detail shown.
fn naming(asked: &str, d: &ImageDetail, image: Option<&RemoteImage>) -> Naming {
    let repository = image
        .map(|i| i.reference.familiar_name())
        .or_else(|| repository_of(asked, d));
    let pinned_manifest = match &repository {
        Some(repo) => format!("{repo}@{}", d.manifest_digest),
        None => d.inspect.id.to_string(),
    };
    let index = image.and_then(|i| {
        let platform = i.platform()?.to_string();
        (i.manifest_digest() == Some(&d.manifest_digest)).then(|| (i.top.digest.clone(), platform))
    });
    let (share, docker) = match (&index, &repository) {
        (Some((index_digest, platform)), Some(repo)) => {
            let pinned = format!("{repo}@{index_digest}");
            (api::image_page_for_platform(&pinned, platform), pinned)
        }
        _ => (api::image_page(&pinned_manifest), pinned_manifest.clone()),
    };
    Naming {
        share,
        docker,
        skopeo: pinned_manifest.clone(),
        explorer: repository
            .as_ref()
            .map_or_else(|| asked.to_owned(), |_| pinned_manifest.clone()),
        index,
    }
}

lazy::lazy_view! {
    /// Pull and Remove (with the pull's live card), fetched beside the facts.
    fn image_buttons(offers: Signal<ImageOffers>, on_change: Callback<()>) {
        view! { <ImageButtons offers on_change /> }
    }
}

lazy::lazy_view! {
    /// The signatures panel, fetched only for an image with something attached.
    fn trust_panel(reference: Reference, subject: Digest, attestations: Vec<Descriptor>) {
        view! { <TrustPanel reference subject attestations /> }
    }
}

lazy::lazy_view! {
    /// The probe for signatures, fetched after the facts render.
    fn signatures_probe(reference: Reference, subject: Digest, entries: Vec<Descriptor>) {
        view! { <Signatures reference subject entries /> }
    }
}

/// Probes for signatures and attestations, and shows the panel when there are some.
#[component]
fn Signatures(reference: Reference, subject: Digest, entries: Vec<Descriptor>) -> impl IntoView {
    let probe = {
        let (reference, subject, entries) = (reference.clone(), subject.clone(), entries.clone());
        LocalResource::new(move || {
            let (reference, subject, entries) =
                (reference.clone(), subject.clone(), entries.clone());
            async move { has_artifacts(&reference, &subject, &entries).await }
        })
    };
    move || {
        match probe.get() {
        None => None,
        Some(false) => Some(
            view! {
                <section class="card" data-test="signatures" data-state="none">
                    <h2>"Signatures and attestations"</h2>
                    <p class="muted">"Nothing is attached to this image: no referrers, no cosign signature or attestation tags."</p>
                </section>
            }
            .into_any(),
        ),
        Some(true) => Some(lazy::page(trust_panel(
            reference.clone(),
            subject.clone(),
            entries.clone(),
        ))),
    }
    }
}

lazy::lazy_view! {
    /// The Verify panel, fetched once the page has read the image.
    fn verify_panel(reference: String, choice: PlatformChoice) {
        view! { <VerifyPanel reference choice /> }
    }
}

/// The store does not hold the image: say so, and what to try.
#[component]
fn NotStored(
    asked: String,
    message: String,
    /// The registry is being asked.
    #[prop(optional)]
    looking: bool,
    /// The registry has it (shown below).
    #[prop(optional)]
    found: bool,
) -> impl IntoView {
    if looking || found {
        let what = if found {
            "Shown below as the registry has it, read through /v2. Pull it to keep it in the store."
        } else {
            "Looking it up in the registry through /v2…"
        };
        return view! {
            <div class="card not-stored" data-test="image-not-found" data-found=found.to_string()>
                <p><strong>"Not in the local store: "</strong><code>{asked}</code></p>
                <p class="muted">{what}</p>
            </div>
        }
        .into_any();
    }
    let parsed = asked.parse::<Reference>();
    view! {
        <h2>"Image not in the local store"</h2>
        <div class="card" data-test="image-not-found" data-found="false">
            <p>"strata has no image " <code>{asked.clone()}</code> "."</p>
            <ErrorMessage message=message />
            <h3>"What to try"</h3>
            <ul>
                {match parsed {
                    Ok(r) => view! {
                        <li><a href=api::pull_page(&r.familiar()) data-test="pull-it">"Pull " <code>{r.familiar()}</code></a>
                            " into the store, then come back to this link."</li>
                    }.into_any(),
                    Err(e) => view! {
                        <li>"This is not a valid image reference either: " <span class="error">{e.to_string()}</span></li>
                    }.into_any(),
                }}
                <li>"Check the spelling, tag and registry host; names are case-sensitive."</li>
                <li><a href="/">"Browse the local images"</a>"."</li>
            </ul>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::{StoreHint, remote_target};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_registry_is_asked_for_the_reference_or_the_stored_repository() {
        let manifest = format!("sha256:{}", "a".repeat(64));
        let id = format!(
            "sha256:{}",
            "0d34f8b9483d".repeat(6).get(..64).unwrap_or_default()
        );
        let hint = StoreHint {
            manifest: manifest.parse().expect("digest"),
            id: id.parse().expect("digest"),
            pinned: Some(format!("team/app@{manifest}")),
        };
        let no_repo = StoreHint {
            pinned: None,
            ..hint.clone()
        };
        #[rustfmt::skip]
        let cases: [(&str, Option<&StoreHint>, Option<String>); 8] = [
            ("redis", None, Some("docker.io/library/redis".into())),
            ("team/app:v1", Some(&hint), Some("docker.io/team/app:v1".into())),
            (&id, Some(&hint), Some(format!("docker.io/team/app@{manifest}"))),
            ("0d34f8b9", Some(&hint), Some(format!("docker.io/team/app@{manifest}"))),
            ("0d34f8b9", None, Some("docker.io/library/0d34f8b9".into())),
            (&id, None, None),
            (&id, Some(&no_repo), None),
            ("Not A Ref", None, None),
        ];
        for (asked, hint, want) in cases {
            let got = remote_target(asked, hint).map(|r| r.to_string());
            assert_eq!(got, want, "{asked} {hint:?}");
        }
    }
}
