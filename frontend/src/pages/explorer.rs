//! `/i/*`: the image page, or the layer explorer when the path goes on with
//! `/fs/{path}` or `/layers/{n}` (split by [`ImageRoute::parse`], which
//! knows that a repository may have components named `fs` or `layers`).
//! `?platform=os/arch` picks an index's platform (without one, the index's
//! first runnable entry: the image walk's rule, as on the image page).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use shared::display::human_size;
use shared::explorer::{ExplorerView, ImageRoute};

use super::image::ImagePage;
use crate::explorer::analysis::{AnalysisPanel, SharingPanel};
use crate::explorer::files::FilesView;
use crate::explorer::layer::LayerPanel;
use crate::explorer::session::{self, LayerState, Phase, Status};
use crate::explorer::{XLink, shown};
use crate::{api, lazy};

/// Everything below `/i/`.
#[component]
pub fn ImageRoutes() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let route = Memo::new(move |_| {
        let path = location.pathname.get();
        ImageRoute::parse(path.strip_prefix("/i/").unwrap_or(&path))
    });
    let platform = Memo::new(move |_| query.with(|q| q.get("platform")));
    let target = Memo::new(move |_| {
        route.with(|r| match r {
            ImageRoute::Image { .. } => None,
            ImageRoute::Explorer { reference, .. } => Some(reference.clone()),
        })
    });
    move || match target.get() {
        None => lazy::page(image_page()),
        Some(reference) => lazy::page(explorer_page(reference, route, platform)),
    }
}

lazy::lazy_view! {
    /// The image page, fetched the first time one opens.
    fn image_page() { view! { <ImagePage /> } }
}

lazy::lazy_view! {
    /// The explorer, fetched the first time one opens.
    fn explorer_page(reference: String, route: Memo<ImageRoute>, platform: Memo<Option<String>>) {
        view! { <ExplorerPage reference route platform /> }
    }
}

/// The explorer of one image.
#[component]
fn ExplorerPage(
    reference: String,
    route: Memo<ImageRoute>,
    platform: Memo<Option<String>>,
) -> impl IntoView {
    let view_of = Memo::new(move |_| {
        route.with(|r| match r {
            ImageRoute::Explorer { view, .. } => Some(view.clone()),
            ImageRoute::Image { .. } => None,
        })
    });
    move || {
        let status = RwSignal::from(session::open(&reference, platform.get()));
        let r = reference.clone();
        let main = move || match view_of.get() {
            Some(ExplorerView::Files(path)) => {
                view! { <FilesView reference=r.clone() path status /> }.into_any()
            }
            Some(ExplorerView::Layer(n)) => {
                view! { <LayerPanel reference=r.clone() n status /> }.into_any()
            }
            None => ().into_any(),
        };
        view! {
            <div class="page-head">
                <h1 class="mono wrap" data-test="explorer-title">{reference.clone()}</h1>
                <a class="button" href=api::image_page(&reference)>"Image details"</a>
            </div>
            <Progress status />
            <LayerTabs reference=reference.clone() status current=view_of />
            {main}
            <AnalysisPanel reference=reference.clone() status />
            <SharingPanel reference=reference.clone() />
        }
    }
}

/// The load's state: what is being read, with a progress bar.
#[component]
fn Progress(status: RwSignal<Status>) -> impl IntoView {
    let phase = move || status.with(|s| s.phase.clone());
    view! {
        <section class="card explorer-progress" data-test="explorer-progress"
            data-wasm-memory=move || { status.track(); crate::verify::wasm_memory_bytes().to_string() }
            data-phase=move || match phase() { Phase::Manifest => "manifest", Phase::Layers => "layers", Phase::Verifying => "verifying", Phase::Done => "done", Phase::Failed(_) => "failed" }>
            {move || status.with(|s| s.trust_note.clone()).map(|n| view! { <p class="muted" data-test="explorer-trust">{n}</p> })}
            {move || match phase() {
                Phase::Manifest => view! { <p class="muted">"Fetching and verifying the manifest…"</p> }.into_any(),
                Phase::Failed(e) => view! { <p class="error" data-test="explorer-error">{e}</p> }.into_any(),
                Phase::Layers | Phase::Verifying | Phase::Done => status.with(|s| {
                    let total: u64 = s.layers.iter().map(|l| l.size).sum();
                    let done: u64 = s.layers.iter().map(|l| match &l.state {
                        LayerState::Pending => 0,
                        LayerState::Reading { done, .. } | LayerState::Unverified { done, .. } => *done,
                        LayerState::Ready { .. } | LayerState::Failed(_) | LayerState::IndexMismatch { .. } => l.size,
                    }).sum();
                    let entries: usize = s.layers.iter().map(|l| match &l.state {
                        LayerState::Reading { entries, .. }
                        | LayerState::Ready { entries }
                        | LayerState::Unverified { entries, .. }
                        | LayerState::IndexMismatch { entries, .. } => *entries,
                        _ => 0,
                    }).sum();
                    let text = if s.phase == Phase::Done {
                        format!("{} layers read and verified in this browser: {entries} entries, {}.", s.layers.len(), human_size(total))
                    } else if s.phase == Phase::Verifying {
                        let waiting = s.layers.iter().filter(|l| matches!(l.state, LayerState::Unverified { .. })).count();
                        format!("Listed {entries} entries; {waiting} layer(s) listed from the server's index are being verified in this browser: {} of {}…",
                            human_size(done), human_size(total))
                    } else {
                        format!("Reading layer {} of {}: {} of {}, {entries} entries so far…",
                            (s.applied + 1).min(s.layers.len()), s.layers.len(), human_size(done), human_size(total))
                    };
                    let max = total.max(1).to_string();
                    view! {
                        <p data-test="explorer-status">{text}</p>
                        <progress max=max value=done.to_string()></progress>
                    }.into_any()
                }),
            }}
        </section>
    }
}

/// Links to the merged view and to each layer.
#[component]
fn LayerTabs(
    reference: String,
    status: RwSignal<Status>,
    current: Memo<Option<ExplorerView>>,
) -> impl IntoView {
    let layers = Memo::new(move |_| {
        status.with(|s| {
            s.layers
                .iter()
                .map(|l| (l.size, l.created_by.clone(), l.state.clone()))
                .collect::<Vec<_>>()
        })
    });
    let on_files = move || matches!(current.get(), Some(ExplorerView::Files(_)));
    let r = reference.clone();
    view! {
        <nav class="explorer-tabs" data-test="explorer-tabs">
            <span class:current=on_files><XLink href=api::fs_page(&reference, "") test="tab-files">"Merged filesystem"</XLink></span>
            {move || layers.get().into_iter().enumerate().map(|(i, (size, created_by, state))| {
                let title = created_by.map(|c| shown(&c)).unwrap_or_default();
                let state_class = match state {
                    LayerState::Ready { .. } => "tab-ready",
                    LayerState::Failed(_) | LayerState::IndexMismatch { .. } => "tab-failed",
                    LayerState::Unverified { .. } => "tab-unverified",
                    _ => "tab-pending",
                };
                let is_current = move || current.get() == Some(ExplorerView::Layer(i));
                view! {
                    <span class=state_class class:current=is_current title=title>
                        <XLink href=api::layer_page(&r, i) test="tab-layer">{format!("Layer {i}")}</XLink>
                        <span class="muted small-text">{format!(" {}", human_size(size))}</span>
                    </span>
                }
            }).collect_view()}
        </nav>
    }
}
