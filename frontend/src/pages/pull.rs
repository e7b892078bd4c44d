//! `/pull`: pull images with live progress. `/pull?ref=NAME` fills the box.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::api::{PullInfo, PullStart};
use shared::reference::Reference;

use crate::api;
use crate::components::error::ErrorMessage;
use crate::components::pull_card::{PullCard, start_pull};

/// What the reference box currently says, parsed in the browser.
fn check(text: &str, all_tags: bool) -> Result<Option<Reference>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let reference: Reference = text.parse().map_err(|e| format!("{e}"))?;
    if all_tags && (reference.tag().is_some() || reference.digest().is_some()) {
        return Err(
            "a tag or digest can't be used with all tags: give the repository only".to_owned(),
        );
    }
    Ok(Some(reference))
}

/// The pull page: a form, and a card per pull started from it.
#[component]
pub fn PullPage() -> impl IntoView {
    let query = use_query_map();
    let reference = RwSignal::new(query.get_untracked().get("ref").unwrap_or_default());
    let platform = RwSignal::new(String::new());
    let all_tags = RwSignal::new(false);
    let pulls = RwSignal::new(Vec::<PullInfo>::new());
    let start_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A link to this page moving to another `?ref=` refills the box.
    Effect::watch(
        move || query.with(|q| q.get("ref")),
        move |r, _, _| {
            if let Some(r) = r {
                reference.set(r.clone());
            }
        },
        false,
    );

    let parsed = Memo::new(move |_| reference.with(|r| check(r, all_tags.get())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(Some(_)) = parsed.get_untracked() else {
            start_error.set(Some(match parsed.get_untracked() {
                Err(e) => e,
                _ => "type an image reference, e.g. redis:7 or ghcr.io/owner/app:1.2".to_owned(),
            }));
            return;
        };
        let request = PullStart {
            reference: reference.get_untracked().trim().to_owned(),
            platform: Some(platform.get_untracked().trim().to_owned()).filter(|p| !p.is_empty()),
            all_tags: all_tags.get_untracked(),
        };
        start_pull(request, pulls, busy, start_error);
    };

    let preview = move || {
        match parsed.get() {
        Ok(None) => view! { <p class="muted hint" id="ref-help">"Docker Hub names are short: " <code>"redis"</code> " means " <code>"docker.io/library/redis:latest"</code> "."</p> }.into_any(),
        Ok(Some(r)) => {
            let canonical = r.with_default_tag().to_string();
            let share = api::pull_page(&r.familiar());
            let share_text = share.clone();
            view! {
                <dl class="ref-preview hint" id="ref-help" data-test="ref-preview">
                    <dt>"Name"</dt><dd class="mono" data-test="ref-familiar">{r.familiar()}</dd>
                    <dt>"Canonical"</dt><dd class="mono" data-test="ref-canonical">{canonical}</dd>
                    <dt>"Link"</dt><dd><a href=share class="mono" data-test="ref-share">{share_text}</a></dd>
                </dl>
            }.into_any()
        }
        Err(e) => view! { <p class="error hint" id="ref-help" role="alert" data-test="ref-error">{e}</p> }.into_any(),
    }
    };

    view! {
        <h1>"Pull"</h1>
        <form class="card pull-form" on:submit=submit data-test="pull-form">
            <div class="field">
                <label for="pull-ref">"Image reference"</label>
                <input id="pull-ref" name="ref" type="text" class="mono" autocomplete="off" spellcheck="false"
                    placeholder="redis:7, ghcr.io/owner/app:1.2, name@sha256:…" data-test="pull-ref"
                    aria-describedby="ref-help"
                    aria-invalid=move || if parsed.with(Result::is_err) { "true" } else { "false" }
                    prop:value=move || reference.get()
                    on:input=move |ev| reference.set(event_target_value(&ev)) />
                {preview}
            </div>
            <div class="row-fields">
                <div class="field">
                    <label for="pull-platform">"Platform"</label>
                    <input id="pull-platform" type="text" class="mono" placeholder="server default, e.g. linux/arm64"
                        data-test="pull-platform" autocomplete="off" spellcheck="false"
                        prop:value=move || platform.get() on:input=move |ev| platform.set(event_target_value(&ev)) />
                </div>
                <label class="check">
                    <input type="checkbox" data-test="pull-all-tags" prop:checked=move || all_tags.get()
                        on:change=move |ev| all_tags.set(event_target_checked(&ev)) />
                    "All tags"
                </label>
                <button type="submit" class="primary" data-test="pull-submit" disabled=move || busy.get()>"Pull"</button>
            </div>
            {move || start_error.get().map(|e| view! { <ErrorMessage message=e /> })}
        </form>
        <section class="pulls" aria-label="Pulls" aria-live="polite">
            <For each=move || pulls.get() key=|p| p.id children=|info| view! { <PullCard info /> } />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_box_is_checked_as_you_type() {
        type Want = Result<Option<&'static str>, ()>;
        let cases: [(&str, bool, Want); 6] = [
            ("", false, Ok(None)),
            ("redis", false, Ok(Some("docker.io/library/redis"))),
            (
                " lovelearnlinux/webserver:v1 ",
                false,
                Ok(Some("docker.io/lovelearnlinux/webserver:v1")),
            ),
            ("Not A Ref", false, Err(())),
            ("redis:7", true, Err(())),
            ("redis", true, Ok(Some("docker.io/library/redis"))),
        ];
        for (text, all, want) in cases {
            let got = check(text, all)
                .map(|r| r.map(|r| r.to_string()))
                .map_err(|_| ());
            assert_eq!(got, want.map(|r| r.map(str::to_owned)), "{text:?}");
        }
    }
}
