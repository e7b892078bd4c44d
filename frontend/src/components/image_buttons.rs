//! Pull and Remove for the one image a page shows: Pull when the store does
//! not hold it (or, opened by tag, to refresh it), with the pull's live
//! card; Remove when it does, with Force, and the pin conflict (naming who
//! holds it) shown as the server says it.

use leptos::prelude::*;
use shared::api::{PullInfo, PullStart, RemoveRequest};

use crate::components::error::ErrorMessage;
use crate::components::image_actions::{Outcome, OutcomeList, send_remove};
use crate::components::pull_card::{PullCard, start_pull};

/// What the buttons can do for the image on the page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageOffers {
    /// The pull to start, when pulling applies.
    pub pull: Option<PullStart>,
    /// Whether the store holds the image, so pulling refreshes it.
    pub refresh: bool,
    /// What to remove (as `rm` takes it), when the store holds the image.
    pub remove: Option<String>,
}

/// The Pull and Remove buttons, their outcomes and the pull's progress.
#[component]
pub fn ImageButtons(
    /// What applies, as the page knows it (nothing while it loads).
    offers: Signal<ImageOffers>,
    /// Called after a pull ends or a remove is done.
    on_change: Callback<()>,
) -> impl IntoView {
    let force = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcomes = RwSignal::new(Vec::<Outcome>::new());
    let pulls = RwSignal::new(Vec::<PullInfo>::new());
    let start_error = RwSignal::new(None::<String>);

    let pull = move |_| {
        let Some(request) = offers.with_untracked(|o| o.pull.clone()) else {
            return;
        };
        start_pull(request, pulls, busy, start_error);
    };
    let remove = move |_| {
        let Some(image) = offers.with_untracked(|o| o.remove.clone()) else {
            return;
        };
        let request = RemoveRequest {
            images: vec![image],
            force: force.get_untracked(),
        };
        send_remove(request, busy, outcomes, on_change, |_| ());
    };
    let finished = Callback::new(move |()| on_change.run(()));

    view! {
        <div class="image-actions">
        <div class="image-buttons" data-test="image-buttons">
            {move || offers.with(|o| o.pull.is_some()).then(|| {
                let (label, title) = if offers.with(|o| o.refresh) {
                    ("Pull again", "Pull the tag again: the registry may have moved it")
                } else {
                    ("Pull", "Pull this image into the local store")
                };
                view! {
                    <button type="button" class="primary" data-test="image-pull" title=title
                        on:click=pull disabled=move || busy.get()>{label}</button>
                }
            })}
            {move || offers.with(|o| o.remove.is_some()).then(|| view! {
                <span class="action-group">
                    <button type="button" class="danger" data-test="image-rm" on:click=remove
                        disabled=move || busy.get()>"Remove"</button>
                    <label class="check" title="Remove even if pinned (never while an operation holds it)">
                        <input type="checkbox" data-test="image-rm-force" prop:checked=move || force.get()
                            on:change=move |ev| force.set(event_target_checked(&ev)) />"Force"</label>
                </span>
            })}
        </div>
        {move || start_error.get().map(|e| view! { <ErrorMessage message=e /> })}
        <OutcomeList outcomes />
        <section class="pulls" aria-label="Pulls" aria-live="polite">
            <For each=move || pulls.get() key=|p| p.id
                children=move |info| view! { <PullCard info on_finish=finished /> } />
        </section>
        </div>
    }
}
