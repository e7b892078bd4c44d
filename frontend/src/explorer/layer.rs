//! `/i/{reference}/layers/{n}`: one layer's entries in archive order (type,
//! mode, owner, size, mtime, link target), each marked with what it did
//! relative to the layers below; whiteouts show as removals of the path they
//! name, opaque markers as such.

use leptos::prelude::*;
use shared::display::human_size;
use shared::merged::{Change, EntryMark, LayerEntry, LayerView, Whiteout};

use super::files::mtime;
use super::session::{LayerState, ListedFrom, Status, with_tree};
use super::vlist::VirtualList;
use super::{XLink, odd_marker, shown};
use crate::api;

/// One layer's list.
#[component]
pub fn LayerPanel(reference: String, n: usize, status: RwSignal<Status>) -> impl IntoView {
    let layer_status = Memo::new(move |_| status.with(|s| s.layers.get(n).cloned()));
    let ready = Memo::new(move |_| status.with(|s| s.applied > n));
    let body = move || {
        if !ready.get() {
            return view! { <p class="muted" data-test="layer-waiting">"Reading this layer…"</p> }
                .into_any();
        }
        let reference = reference.clone();
        with_tree(|tree| {
            let Some(view) = tree.layer(n) else {
                return view! { <p class="error">{format!("The image has no layer {n}.")}</p> }
                    .into_any();
            };
            let counts = counts(view);
            let count = view.entries().len();
            let rows = move |range: std::ops::Range<usize>| {
                with_tree(|tree| match tree.layer(n) {
                    Some(view) => view.entries()[range]
                        .iter()
                        .map(|e| row(&reference, view, e))
                        .collect_view()
                        .into_any(),
                    None => ().into_any(),
                })
            };
            view! {
                <p data-test="layer-counts">
                    <span class="badge change-added">{format!("{} added", counts.0)}</span> " "
                    <span class="badge change-modified">{format!("{} modified", counts.1)}</span> " "
                    <span class="badge change-removed">{format!("{} removed", counts.2)}</span> " "
                    <span class="muted">{format!("{count} entries · {} of content", human_size(view.content_size()))}</span>
                </p>
                <div class="vhead layer-grid" aria-hidden="true"><span>"CHANGE"</span><span>"MODE"</span><span>"OWNER"</span><span class="num">"SIZE"</span><span>"MODIFIED"</span><span>"PATH"</span></div>
                <VirtualList count=Signal::stored(count) rows test="layer-list" />
            }
            .into_any()
        })
    };
    view! {
        <section class="card" data-test="layer-view" data-layer=n.to_string()>
            <h2>{format!("Layer {n}")}</h2>
            {move || layer_status.get().map(|l| view! {
                <dl class="facts">
                    <dt>"Digest"</dt><dd class="mono wrap">{l.digest.to_string()}</dd>
                    <dt>"Compressed"</dt><dd>{human_size(l.size)}</dd>
                    <dt>"Created by"</dt><dd class="mono wrap">{l.created_by.map(|c| shown(&c)).unwrap_or_else(|| "unknown".into())}</dd>
                    {match l.state {
                        LayerState::Failed(e) => Some(view! { <dt>"Problem"</dt><dd class="error" data-test="layer-error">{e}</dd> }.into_any()),
                        LayerState::Unverified { done, .. } => Some(view! {
                            <dt>"Listing"</dt>
                            <dd class="warn" data-test="layer-unverified">{format!("from {}, unverified: this browser is checking the layer's digest ({} of {} so far)",
                                if l.listed_from == Some(ListedFrom::Toc) { "the layer's eStargz table of contents" } else { "the server's index" },
                                human_size(done), human_size(l.size))}</dd>
                        }.into_any()),
                        LayerState::IndexMismatch { reason, .. } => Some(view! {
                            <dt>"Listing"</dt>
                            <dd class="error" data-test="index-mismatch">{format!("{} is wrong ({reason}); the listing now comes from the layer's verified bytes",
                                if l.listed_from == Some(ListedFrom::Toc) { "the layer's eStargz table of contents" } else { "the server's index of this layer" })}</dd>
                        }.into_any()),
                        LayerState::Ready { .. } => Some(view! {
                            <dt>"Listing"</dt>
                            <dd data-test="layer-verified" data-listed-from=l.listed_from.map(|f| f.as_str())>{match l.listed_from {
                                Some(ListedFrom::ServerIndex) => "from the server's index, checked against the layer's bytes: verified in this browser",
                                Some(ListedFrom::OwnIndex) => "from the index this browser built when it verified the layer",
                                Some(ListedFrom::Toc) => "from the layer's eStargz table of contents, checked against the layer's bytes: verified in this browser",
                                _ => "verified in this browser",
                            }}</dd>
                        }.into_any()),
                        _ => None,
                    }}
                </dl>
            })}
            {body}
        </section>
    }
}

/// Paths added, modified and removed by the layer.
fn counts(view: LayerView<'_>) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for change in view.changes() {
        match change.change {
            Change::Added => counts.0 += 1,
            Change::Modified => counts.1 += 1,
            Change::Removed => counts.2 += 1,
        }
    }
    counts
}

fn row(reference: &str, view: LayerView<'_>, entry: &LayerEntry) -> AnyView {
    let mark = view.mark(entry);
    let (label, class) = match mark {
        EntryMark::Changed(c) => (c.to_string(), format!("badge change-{c}")),
        EntryMark::Opaque => ("opaque dir".to_owned(), "badge change-removed".to_owned()),
        EntryMark::Unchanged => ("—".to_owned(), "muted".to_owned()),
    };
    let whiteout = entry.whiteout();
    let path_view = match &whiteout {
        Some(Whiteout::Remove { target }) => view! {
            <span class="muted">"whiteout: removes "</span>
            <XLink href=api::fs_page(reference, target.as_str())>{format!("/{}", shown(target.as_str()))}</XLink>
        }
        .into_any(),
        Some(Whiteout::Opaque { dir }) => view! {
            <span class="muted">"opaque: hides lower contents of "</span>
            <XLink href=api::fs_page(reference, dir.as_str())>{format!("/{}/", shown(dir.as_str()))}</XLink>
        }
        .into_any(),
        Some(Whiteout::Ignored) | None => {
            let text = format!("/{}{}", shown(entry.path.as_str()), if entry.is_dir() { "/" } else { "" });
            view! { <XLink href=api::fs_page(reference, entry.path.as_str())>{text}</XLink> }.into_any()
        }
    };
    let target = match &entry.kind {
        shared::merged::EntryKind::Symlink { target } => Some(format!(" → {}", shown(target))),
        shared::merged::EntryKind::Hardlink { target } => {
            Some(format!(" ⇒ {} (hard link)", shown(target.as_str())))
        }
        _ => None,
    };
    let odd = odd_marker(entry.path.oddities(), entry.path.original());
    let mark_attr = label.clone();
    view! {
        <div class="vrow layer-grid" data-test="layer-row" data-path=entry.path.as_str().to_owned() data-mark=mark_attr>
            <span><span class=class>{label}</span></span>
            <span class="mono">{entry.mode_string()}</span>
            <span class="mono">{format!("{}:{}", entry.uid, entry.gid)}</span>
            <span class="num">{human_size(entry.content_size())}</span>
            <span class="mono small-text">{mtime(entry.mtime)}</span>
            <span class="mono ellipsis">{path_view}{target.map(|t| view! { <span class="muted">{t}</span> })}{odd}</span>
        </div>
    }
    .into_any()
}
