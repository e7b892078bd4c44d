//! The dive-style analysis of the merged image (wasted bytes, efficiency,
//! largest files) and the layers it shares with other local images.

use leptos::prelude::*;
use shared::display::human_size;
use shared::explorer::sharing::Sharing;

use super::session::{Phase, Status, with_tree};
use super::{XLink, shown};
use crate::api;

/// Rows shown in each top list.
const TOP: usize = 15;

/// Efficiency, wasted bytes and the largest files, once every layer is read.
#[component]
pub fn AnalysisPanel(reference: String, status: RwSignal<Status>) -> impl IntoView {
    let done = Memo::new(move |_| status.with(|s| s.phase == Phase::Done));
    let body = move || {
        if !done.get() {
            return view! { <p class="muted">"Shown once every layer is read."</p> }.into_any();
        }
        let reference = reference.clone();
        with_tree(|tree| {
            let report = tree.efficiency();
            let wasted: Vec<_> = report.inefficiencies.iter().take(TOP).cloned().collect();
            let largest: Vec<(String, u64, Option<usize>)> = tree
                .largest_files(TOP)
                .iter()
                .map(|n| (n.path().to_owned(), n.size(), n.layer()))
                .collect();
            let score = format!("{:.1} %", report.score * 100.0);
            let user = report
                .wasted_user_fraction()
                .map(|f| format!(" ({:.1} % of the bytes above the base layer)", f * 100.0))
                .unwrap_or_default();
            let r1 = reference.clone();
            view! {
                <dl class="facts">
                    <dt>"Efficiency"</dt><dd data-test="efficiency">{score}</dd>
                    <dt>"Wasted"</dt><dd data-test="wasted">{human_size(report.wasted_bytes)} {user}</dd>
                    <dt>"Image content"</dt><dd>{human_size(report.image_bytes)}</dd>
                </dl>
                <h3>"Wasted space"</h3>
                {if wasted.is_empty() {
                    view! { <p class="muted">"Nothing is overwritten or deleted by a later layer."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap"><table data-test="waste">
                            <thead><tr><th scope="col" class="num">"TOTAL SPACE"</th><th scope="col">"LAYERS"</th><th scope="col">"PATH"</th></tr></thead>
                            <tbody>{wasted.into_iter().map(|w| view! {
                                <tr data-test="waste-row"><td class="num">{human_size(w.cumulative_size)}</td>
                                <td class="mono">{w.layers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")}</td>
                                <td class="mono wrap"><XLink href=api::fs_page(&r1, &w.path)>{format!("/{}", shown(&w.path))}</XLink></td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }}
                <h3>"Largest files"</h3>
                <div class="table-wrap"><table data-test="largest">
                    <thead><tr><th scope="col" class="num">"SIZE"</th><th scope="col">"LAYER"</th><th scope="col">"PATH"</th></tr></thead>
                    <tbody>{largest.into_iter().map(|(path, size, layer)| view! {
                        <tr data-test="largest-row"><td class="num">{human_size(size)}</td>
                        <td class="mono">{layer.map(|l| l.to_string())}</td>
                        <td class="mono wrap"><XLink href=api::fs_page(&reference, &path)>{format!("/{}", shown(&path))}</XLink></td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            }
            .into_any()
        })
    };
    view! {
        <section class="card" data-test="analysis">
            <h2>"Analysis"</h2>
            {body}
        </section>
    }
}

/// Which local images share this image's layers, and the bytes saved.
#[component]
pub fn SharingPanel(reference: String) -> impl IntoView {
    let name = reference.clone();
    let detail = LocalResource::new(move || api::image(name.clone()));
    view! {
        <section class="card" data-test="sharing">
            <h2>"Layers shared with local images"</h2>
            <Transition fallback=|| view! { <p class="muted">"Asking the store…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => sharing_view(&Sharing::of(&d.layers)),
                        Err(e) if e.is_not_found() => view! {
                            <p class="muted" data-test="sharing-none">"This image is not in the local store, so it shares nothing with it."</p>
                        }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn sharing_view(report: &Sharing) -> AnyView {
    if report.images.is_empty() {
        return view! { <p class="muted" data-test="sharing-none">"No other local image holds any of these layers."</p> }.into_any();
    }
    let images = report.images.clone();
    view! {
        <p data-test="sharing-summary">{format!(
            "{} of the layers ({}) are shared; keeping each once saves {}.",
            report.shared_layers, human_size(report.shared_bytes), human_size(report.bytes_saved)
        )}</p>
        <div class="table-wrap"><table data-test="sharing-table">
            <thead><tr><th scope="col">"IMAGE"</th><th scope="col">"SHARED LAYERS"</th><th scope="col" class="num">"SIZE"</th></tr></thead>
            <tbody>{images.into_iter().map(|i| view! {
                <tr data-test="sharing-row"><td class="mono"><a href=api::image_page(&i.name)>{i.name.clone()}</a></td>
                <td class="mono">{i.layers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")}</td>
                <td class="num">{human_size(i.bytes)}</td></tr>
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}
