//! Prune on the images page: `image prune` (dangling images, or with
//! "every unpinned image" `-a`). The button first asks the server for a dry
//! run and shows what would go and the space it would free; only the
//! confirmation prunes. Sizes are bytes in the store.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{PruneRequest, PruneResponse};
use shared::display::{human_size, short_id};

use crate::api;
use crate::components::image_actions::{Outcome, OutcomeList};

/// The lines shown after a prune: the CLI's lines, what was kept and why,
/// and the total.
pub fn prune_lines(done: PruneResponse) -> Vec<Outcome> {
    let mut lines: Vec<Outcome> = done
        .lines
        .into_iter()
        .map(|text| Outcome { ok: true, text })
        .collect();
    lines.extend(done.skipped.into_iter().map(|why| Outcome {
        ok: false,
        text: format!("Kept {why}"),
    }));
    lines.push(Outcome {
        ok: true,
        text: format!("Total reclaimed space: {}", human_size(done.bytes)),
    });
    lines
}

/// The prune card.
#[component]
pub fn PrunePanel(
    /// Called after the store changed.
    on_change: Callback<()>,
) -> impl IntoView {
    let all = RwSignal::new(false);
    let preview = RwSignal::new(None::<PruneResponse>);
    let outcomes = RwSignal::new(Vec::<Outcome>::new());
    let busy = RwSignal::new(false);
    let request = move |dry_run| PruneRequest {
        all: all.get_untracked(),
        dry_run,
        ..PruneRequest::default()
    };
    let ask = move |_| {
        busy.set(true);
        outcomes.set(Vec::new());
        spawn_local(async move {
            match api::prune(request(true)).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => outcomes.set(vec![Outcome {
                    ok: false,
                    text: format!("Cannot preview the prune: {e}"),
                }]),
            }
            busy.set(false);
        });
    };
    let confirm = move |_| {
        busy.set(true);
        spawn_local(async move {
            let lines = match api::prune(request(false)).await {
                Ok(done) => prune_lines(done),
                Err(e) => vec![Outcome {
                    ok: false,
                    text: format!("Prune failed: {e}"),
                }],
            };
            preview.set(None);
            outcomes.set(lines);
            busy.set(false);
            on_change.run(());
        });
    };
    let dialog = move || {
        preview.get().map(|p| {
            let count = p.images.len();
            let what = if all.get_untracked() {
                "every image no pin holds"
            } else {
                "every dangling image"
            };
            let items = p
                .images
                .into_iter()
                .map(|i| {
                    let names = if i.names.is_empty() {
                        "<none>:<none>".to_owned()
                    } else {
                        i.names.join(", ")
                    };
                    view! { <li class="mono" data-test="prune-item">{format!("{} {names}", short_id(&i.id))}</li> }
                })
                .collect_view();
            view! {
                <div role="alertdialog" aria-labelledby="prune-question" class="confirm" data-test="prune-confirm">
                    <p id="prune-question" data-test="prune-summary">
                        {if count == 0 {
                            format!("Nothing to prune: no {} is left.", if all.get_untracked() { "unpinned image" } else { "dangling image" })
                        } else {
                            format!("This removes {what}: {count} image(s), freeing {} in the store. Continue?", human_size(p.bytes))
                        }}
                    </p>
                    <ul>{items}</ul>
                    <button type="button" class="danger" data-test="prune-yes" on:click=confirm
                        disabled=move || busy.get() || count == 0>"Prune"</button>
                    <button type="button" data-test="prune-cancel" on:click=move |_| preview.set(None)>"Cancel"</button>
                </div>
            }
        })
    };
    view! {
        <section class="actions card" aria-label="Prune images" data-test="prune">
            <div class="action-group">
                <button type="button" class="danger" data-test="prune-open" on:click=ask
                    disabled=move || busy.get()>"Prune…"</button>
                <label class="check"><input type="checkbox" data-test="prune-all" prop:checked=move || all.get()
                    on:change=move |ev| { all.set(event_target_checked(&ev)); preview.set(None); } />
                    "Every unpinned image, not just dangling ones"</label>
            </div>
            {dialog}
            <OutcomeList outcomes />
        </section>
    }
}
