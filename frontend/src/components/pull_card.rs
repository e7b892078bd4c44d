//! One pull's live progress, read from its Server-Sent Events stream.
//!
//! The browser's `EventSource` reconnects by itself and sends
//! `Last-Event-ID`; the server replays what was missed, so every event is
//! applied once. The stream is closed when the pull ends and when the card
//! goes away.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use shared::api::{PullEvent, PullInfo, PullStart};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;
use crate::components::error::ErrorMessage;
use crate::pull_progress::{PullProgress, layer_fill, layer_text};

/// Starts `request` on the server: its card goes first in `pulls`, or the
/// failure into `error`; `busy` holds while the request is out.
pub fn start_pull(
    request: PullStart,
    pulls: RwSignal<Vec<PullInfo>>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) {
    busy.set(true);
    error.set(None);
    leptos::task::spawn_local(async move {
        match api::start_pull(request).await {
            Ok(info) => pulls.update(|p| p.insert(0, info)),
            Err(e) => error.set(Some(format!("Could not start the pull: {e}"))),
        }
        busy.set(false);
    });
}

/// The connection to the event stream, as the card reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Connecting,
    Live,
    Reconnecting,
    Closed,
}

/// A card showing one pull, from its first event to `Done` or `Failed`.
#[component]
pub fn PullCard(
    /// The pull, as `POST /api/v1/pulls` answered.
    info: PullInfo,
    /// Called once when the pull ends (done or failed).
    #[prop(optional)]
    on_finish: Option<Callback<()>>,
) -> impl IntoView {
    let progress = RwSignal::new(PullProgress::default());
    let link = RwSignal::new(Link::Connecting);
    let stream_error = RwSignal::new(None::<String>);
    watch(info.id, progress, link, stream_error, on_finish);

    let state = move || {
        progress.with(|p| {
            if p.failed.is_some() {
                ("failed", "Failed")
            } else if p.done.is_some() {
                ("done", "Done")
            } else {
                match link.get() {
                    Link::Connecting => ("running", "Connecting…"),
                    Link::Live => ("running", "Pulling…"),
                    Link::Reconnecting => ("warn", "Reconnecting…"),
                    Link::Closed => ("failed", "Stream closed"),
                }
            }
        })
    };
    let layers = move || {
        progress.with(|p| {
            p.layers
                .iter()
                .map(|(id, status)| {
                    let fill = layer_fill(status);
                    view! {
                        <li class="layer" data-test="layer">
                            <span class="mono layer-id">{id.clone()}</span>
                            <span class="layer-status" data-test="layer-status">{layer_text(status)}</span>
                            <progress max="1000" value=fill.to_string() aria-label=format!("layer {id}")></progress>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let reference = info.reference.clone();
    view! {
        <article class="card pull-card" data-test="pull-card" data-state=move || state().0>
            <header class="card-head">
                <h2 class="mono card-title">{reference}</h2>
                <span class=move || format!("badge badge-{}", state().0) data-test="pull-state">{move || state().1}</span>
            </header>
            {move || progress.with(|p| p.header.clone()).map(|h| view! { <p class="mono">{h}</p> })}
            <ul class="layers">{layers}</ul>
            {move || progress.with(|p| p.digest.clone()).map(|d| view! { <p class="mono wrap" data-test="pull-digest">"Digest: " {d}</p> })}
            {move || progress.with(|p| p.warnings.clone()).into_iter().map(|w| view! { <p class="mono wrap warning" data-test="pull-warning">{w}</p> }).collect_view()}
            {move || progress.with(|p| p.status.clone()).map(|s| view! { <p class="mono wrap" data-test="pull-status">{s}</p> })}
            {move || progress.with(|p| p.done.clone()).map(|r| {
                let href = api::image_page(&r);
                view! { <p><a href=href data-test="pull-open">"Open " <span class="mono">{r}</span></a></p> }
            })}
            {move || progress.with(|p| p.failed.clone()).map(|m| view! { <ErrorMessage message=format!("Pull failed: {m}") /> })}
            {move || stream_error.get().map(|m| view! { <ErrorMessage message=m /> })}
        </article>
    }
}

/// Opens the event stream and feeds it into `progress` until the pull ends
/// or the card is cleaned up.
fn watch(
    id: u64,
    progress: RwSignal<PullProgress>,
    link: RwSignal<Link>,
    stream_error: RwSignal<Option<String>>,
    on_finish: Option<Callback<()>>,
) {
    let source = match web_sys::EventSource::new(&api::pull_events_url(id)) {
        Ok(source) => source,
        Err(e) => {
            stream_error.set(Some(format!(
                "cannot open the progress stream of pull {id}: {}",
                e.as_string()
                    .unwrap_or_else(|| "the browser refused".into())
            )));
            return;
        }
    };
    let on_message = {
        let source = source.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let data = message.data().as_string().unwrap_or_default();
            match serde_json::from_str::<PullEvent>(&data) {
                Ok(event) => {
                    link.set(Link::Live);
                    progress.update(|p| p.apply(event));
                    if progress.with_untracked(PullProgress::finished) {
                        source.close();
                        if let Some(on_finish) = on_finish {
                            on_finish.run(());
                        }
                    }
                }
                Err(e) => stream_error.set(Some(format!(
                    "unexpected progress event (is the server the same version as this page?): {e}: {data}"
                ))),
            }
        })
    };
    let on_open =
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| link.set(Link::Live));
    let on_error = {
        let source = source.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            if progress.with_untracked(PullProgress::finished) {
                return;
            }
            if source.ready_state() == web_sys::EventSource::CLOSED {
                link.set(Link::Closed);
                stream_error.set(Some(format!(
                    "the progress stream of pull {id} closed; the server may have restarted and forgotten it. Check the images page, or pull again."
                )));
            } else {
                link.set(Link::Reconnecting);
            }
        })
    };
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let keep = SendWrapper::new((source, on_message, on_open, on_error));
    on_cleanup(move || {
        let (source, ..) = keep.take();
        source.set_onmessage(None);
        source.set_onopen(None);
        source.set_onerror(None);
        source.close();
    });
}
