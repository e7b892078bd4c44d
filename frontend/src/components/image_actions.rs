//! What can be done to the selected images: remove (with force), pin,
//! unpin, tag. Every outcome and every error is listed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{PinRequest, RemoveOutcome, RemoveRequest, TagRequest};

use crate::api;

/// One line of an outcome list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether it went well.
    pub ok: bool,
    /// What happened, as the CLI prints it (`Untagged: …`, `Deleted: …`) or the error.
    pub text: String,
}

/// The lines of a remove: what each image's removal did, or why it was
/// refused (a pin names who holds it); and which images are gone.
pub fn remove_lines(results: Vec<RemoveOutcome>) -> (Vec<Outcome>, Vec<String>) {
    let removed: Vec<String> = results
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.image.clone())
        .collect();
    let lines = results
        .into_iter()
        .flat_map(|r| match r.error {
            Some(e) => vec![Outcome {
                ok: false,
                text: format!("{}: {e}", r.image),
            }],
            None => r
                .lines
                .into_iter()
                .map(|text| Outcome { ok: true, text })
                .collect(),
        })
        .collect();
    (lines, removed)
}

/// The outcome list, announced to screen readers.
#[component]
pub fn OutcomeList(
    /// The lines to show.
    outcomes: RwSignal<Vec<Outcome>>,
) -> impl IntoView {
    view! {
        <ul class="outcomes" data-test="outcomes" aria-live="polite">
            {move || outcomes.get().into_iter().map(|o| if o.ok {
                view! { <li class="ok mono" data-test="outcome-ok">{o.text}</li> }.into_any()
            } else {
                view! { <li class="error mono" role="alert" data-test="outcome-error">{o.text}</li> }.into_any()
            }).collect_view()}
        </ul>
    }
}

/// Sends `request` while `busy`: its outcome lines go to `outcomes` and
/// the images removed to `removed`, then `on_change` runs.
pub fn send_remove(
    request: RemoveRequest,
    busy: RwSignal<bool>,
    outcomes: RwSignal<Vec<Outcome>>,
    on_change: Callback<()>,
    removed: impl FnOnce(Vec<String>) + 'static,
) {
    busy.set(true);
    spawn_local(async move {
        let lines = match api::remove(request).await {
            Ok(results) => {
                let (lines, gone) = remove_lines(results);
                removed(gone);
                lines
            }
            Err(e) => vec![Outcome {
                ok: false,
                text: format!("Remove failed: {e}"),
            }],
        };
        outcomes.set(lines);
        busy.set(false);
        on_change.run(());
    });
}

/// The action bar over the images table.
#[component]
pub fn ImageActions(
    /// The selected images, as `rm` takes them (`name:tag`, `name@digest` or ID).
    selected: RwSignal<Vec<String>>,
    /// Called after any change to the store.
    on_change: Callback<()>,
) -> impl IntoView {
    let force = RwSignal::new(false);
    let pin_by = RwSignal::new("dashboard".to_owned());
    let tag_target = RwSignal::new(String::new());
    let outcomes = RwSignal::new(Vec::<Outcome>::new());
    let busy = RwSignal::new(false);
    let none = move || selected.with(Vec::is_empty);

    let remove = move |_| {
        let images = selected.get_untracked();
        let request = RemoveRequest {
            images,
            force: force.get_untracked(),
        };
        send_remove(request, busy, outcomes, on_change, move |removed| {
            selected.update(|s| s.retain(|i| !removed.contains(i)));
        });
    };
    let each = move |what: &'static str| {
        move |_| {
            let images = selected.get_untracked();
            let by = pin_by.get_untracked().trim().to_owned();
            busy.set(true);
            spawn_local(async move {
                let mut lines = Vec::new();
                for image in images {
                    let request = PinRequest {
                        image: image.clone(),
                        by: Some(by.clone()).filter(|b| !b.is_empty()),
                    };
                    let result = if what == "pin" {
                        api::pin(request).await
                    } else {
                        api::unpin(request).await
                    };
                    lines.push(match result {
                        Ok(_) if what == "pin" => Outcome {
                            ok: true,
                            text: format!("Pinned {image} for {by}"),
                        },
                        Ok(answer) => Outcome {
                            ok: true,
                            text: format!(
                                "Unpinned {image} ({} pin(s) removed)",
                                answer
                                    .get("unpinned")
                                    .map_or_else(|| "?".into(), ToString::to_string)
                            ),
                        },
                        Err(e) => Outcome {
                            ok: false,
                            text: format!("{image}: {e}"),
                        },
                    });
                }
                outcomes.set(lines);
                busy.set(false);
                on_change.run(());
            });
        }
    };
    let tag = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(source) = selected.with_untracked(|s| s.first().cloned()) else {
            return;
        };
        let target = tag_target.get_untracked().trim().to_owned();
        if let Err(e) = target.parse::<shared::reference::Reference>() {
            outcomes.set(vec![Outcome {
                ok: false,
                text: format!("Not a valid new name {target:?}: {e}"),
            }]);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let line = match api::tag(TagRequest {
                source: source.clone(),
                target: target.clone(),
            })
            .await
            {
                Ok(_) => Outcome {
                    ok: true,
                    text: format!("Tagged {source} as {target}"),
                },
                Err(e) => Outcome {
                    ok: false,
                    text: format!("Tag failed: {e}"),
                },
            };
            outcomes.set(vec![line]);
            busy.set(false);
            on_change.run(());
        });
    };

    view! {
        <section class="actions card" aria-label="Actions on selected images" data-test="actions">
            <p class="muted">{move || match selected.with(Vec::len) {
                0 => "Select images to act on them.".to_owned(),
                1 => "1 image selected".to_owned(),
                n => format!("{n} images selected"),
            }}</p>
            <div class="action-groups" hidden=none>
                <div class="action-group">
                    <button type="button" class="danger" data-test="rm" on:click=remove disabled=move || none() || busy.get()>"Remove"</button>
                    <label class="check"><input type="checkbox" data-test="rm-force" prop:checked=move || force.get()
                        on:change=move |ev| force.set(event_target_checked(&ev)) />"Force"</label>
                </div>
                <div class="action-group">
                    <label for="pin-by" class="small-text">"Pinned by"</label>
                    <input id="pin-by" type="text" class="short" data-test="pin-by" prop:value=move || pin_by.get()
                        on:input=move |ev| pin_by.set(event_target_value(&ev)) />
                    <button type="button" data-test="pin" on:click=each("pin") disabled=move || none() || busy.get()>"Pin"</button>
                    <button type="button" data-test="unpin" on:click=each("unpin") disabled=move || none() || busy.get()>"Unpin"</button>
                </div>
                <form class="action-group" on:submit=tag>
                    <label for="tag-target" class="small-text">"New name"</label>
                    <input id="tag-target" type="text" class="mono" placeholder="name:tag" data-test="tag-target"
                        prop:value=move || tag_target.get() on:input=move |ev| tag_target.set(event_target_value(&ev)) />
                    <button type="submit" data-test="tag" disabled=move || selected.with(|s| s.len() != 1) || busy.get()
                        title="Select exactly one image">"Tag"</button>
                </form>
            </div>
            <OutcomeList outcomes />
        </section>
    }
}
