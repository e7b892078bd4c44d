//! `/i/{reference}/fs/{path}`: the merged filesystem at a directory (a
//! virtualised listing with sizes and the layer each node comes from), or
//! one file's details, its history through the layers, a preview of its
//! content and a download.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use shared::display::human_size;
use shared::explorer::preview::{ContentKind, classify, hex_dump, preview_text};
use shared::merged::{EntryKind, EntryPath, LayerEntry, MergedNode, MergedTree};

use super::extract::{self, FilePreview, FileSource};
use super::session::{Phase, Status, with_tree};
use super::vlist::VirtualList;
use super::{XLink, odd_marker, shown};
use crate::api;

/// The merged view at `path`.
#[component]
pub fn FilesView(reference: String, path: EntryPath, status: RwSignal<Status>) -> impl IntoView {
    let applied = Memo::new(move |_| status.with(|s| s.applied));
    let loading =
        Memo::new(move |_| status.with(|s| matches!(s.phase, Phase::Manifest | Phase::Layers)));
    let crumbs = breadcrumbs(&reference, &path);
    let body = move || {
        let _layers_applied = applied.get();
        let still_loading = loading.get();
        let reference = reference.clone();
        let path = path.clone();
        with_tree(|tree| match tree.get(path.as_str()) {
            Some(node) if node.is_dir() => listing(reference, path.clone(), node.child_count()),
            Some(node) => file_details(&reference, tree, node),
            None => not_found(&reference, tree, &path, still_loading),
        })
    };
    view! {
        <section class="card" data-test="fs-view">
            {crumbs}
            {body}
        </section>
    }
}

fn breadcrumbs(reference: &str, path: &EntryPath) -> impl IntoView + use<> {
    let mut links = vec![
        view! {
            <XLink href=api::fs_page(reference, "") test="crumb">"/"</XLink>
        }
        .into_any(),
    ];
    let mut at = String::new();
    for component in path.components() {
        if !at.is_empty() {
            at.push('/');
            links.push(view! { <span class="muted">"/"</span> }.into_any());
        }
        at.push_str(component);
        let href = api::fs_page(reference, &at);
        let name = shown(component);
        links.push(view! { <XLink href test="crumb">{name}</XLink> }.into_any());
    }
    view! { <nav class="crumbs mono" data-test="fs-crumbs" data-path=shown(path.as_str())>{links}</nav> }
}

fn listing(reference: String, dir: EntryPath, count: usize) -> AnyView {
    let rows = move |range: std::ops::Range<usize>| {
        with_tree(|tree| {
            let Some(node) = tree.get(dir.as_str()) else {
                return ().into_any();
            };
            node.children()
                .skip(range.start)
                .take(range.len())
                .map(|child| row(&reference, child))
                .collect_view()
                .into_any()
        })
    };
    view! {
        <div class="vhead fs-grid" aria-hidden="true"><span>"MODE"</span><span class="num">"SIZE"</span><span>"LAYER"</span><span>"NAME"</span></div>
        <VirtualList count=Signal::stored(count) rows test="fs-list" />
        <p class="muted small-text">{format!("{count} entries")}</p>
    }
    .into_any()
}

fn row(reference: &str, node: MergedNode<'_>) -> AnyView {
    let mode = node
        .entry()
        .map_or_else(|| "d?????????".to_owned(), LayerEntry::mode_string);
    let size = if node.is_dir() {
        human_size(node.total_size())
    } else {
        human_size(node.size())
    };
    let layer = node.layer();
    let layer_link = layer.map(|n| {
        view! { <XLink href=api::layer_page(reference, n) class="mono">{n.to_string()}</XLink> }
    });
    let name = shown(node.name());
    let suffix = if node.is_dir() { "/" } else { "" };
    let target = link_target(node.entry());
    // Implied directories (`..` from `../x`) are flagged by their path.
    let original = node.entry().map_or(node.path(), |e| e.path.original());
    let odd = odd_marker(node.oddities(), original);
    view! {
        <div class="vrow fs-grid" data-test="fs-row" data-name=node.name().to_owned()
            data-layer=layer.map(|l| l.to_string()).unwrap_or_default()>
            <span class="mono">{mode}</span>
            <span class="num">{size}</span>
            <span>{layer_link}</span>
            <span class="mono ellipsis">
                <XLink href=api::fs_page(reference, node.path())>{name}{suffix}</XLink>
                {target.map(|t| view! { <span class="muted">" → " {t}</span> })}
                {odd}
            </span>
        </div>
    }
    .into_any()
}

fn link_target(entry: Option<&LayerEntry>) -> Option<String> {
    match &entry?.kind {
        EntryKind::Symlink { target } => Some(shown(target)),
        EntryKind::Hardlink { target } => Some(format!("{} (hard link)", shown(target.as_str()))),
        _ => None,
    }
}

/// `mtime` as RFC 3339, or the number when it is out of range.
pub fn mtime(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

fn kind_name(kind: &EntryKind) -> String {
    match kind {
        EntryKind::File => "regular file".into(),
        EntryKind::Dir => "directory".into(),
        EntryKind::Symlink { .. } => "symbolic link".into(),
        EntryKind::Hardlink { .. } => "hard link".into(),
        EntryKind::CharDevice { major, minor } => format!("character device {major}:{minor}"),
        EntryKind::BlockDevice { major, minor } => format!("block device {major}:{minor}"),
        EntryKind::Fifo => "named pipe".into(),
        EntryKind::Other(b) => format!("other (typeflag {:?})", char::from(*b)),
    }
}

fn history_list(reference: &str, tree: &MergedTree, path: &str) -> AnyView {
    let items = tree
        .history(path)
        .iter()
        .map(|c| {
            let href = api::layer_page(reference, c.layer);
            let change = c.change.to_string();
            view! {
                <li data-test="history-step" data-change=change.clone()>
                    <XLink href>{format!("layer {}", c.layer)}</XLink>
                    " " <span class=format!("badge change-{change}")>{change.clone()}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="plain history-steps">{items}</ul> }.into_any()
}

fn file_details(reference: &str, tree: &MergedTree, node: MergedNode<'_>) -> AnyView {
    let Some(entry) = node.entry() else {
        return view! { <p class="muted">"No entry describes this path."</p> }.into_any();
    };
    let layer = node.layer().unwrap_or_default();
    let source = match &entry.kind {
        EntryKind::File => Some(FileSource {
            layer,
            path: entry.path.clone(),
            offset: Some(entry.offset),
            size: entry.size,
        }),
        EntryKind::Hardlink { target } => tree
            .get(target.as_str())
            .filter(|t| t.layer() == Some(layer))
            .map(|t| FileSource {
                layer,
                path: target.clone(),
                offset: None,
                size: t.size(),
            }),
        _ => None,
    };
    let odd = odd_marker(entry.path.oddities(), entry.path.original());
    let name = if entry.path.name().is_empty() {
        "file".to_owned()
    } else {
        entry.path.name().to_owned()
    };
    view! {
        <h2 class="mono wrap" data-test="file-name">{shown(node.path())} {odd}</h2>
        <dl class="facts" data-test="file-facts">
            <dt>"Type"</dt><dd data-test="file-type">{kind_name(&entry.kind)}</dd>
            <dt>"Mode"</dt><dd class="mono">{entry.mode_string()} " (" {format!("{:04o}", entry.mode)} ")"</dd>
            <dt>"Owner"</dt><dd class="mono">{format!("uid {} · gid {}", entry.uid, entry.gid)}</dd>
            <dt>"Size"</dt><dd data-test="file-size">{format!("{} ({} bytes)", human_size(entry.size), entry.size)}</dd>
            <dt>"Modified"</dt><dd class="mono">{mtime(entry.mtime)}</dd>
            {link_target(Some(entry)).map(|t| view! { <dt>"Link target"</dt><dd class="mono wrap" data-test="file-link">{t}</dd> })}
            <dt>"From layer"</dt><dd data-test="file-layer"><XLink href=api::layer_page(reference, layer)>{format!("layer {layer}")}</XLink></dd>
            <dt>"As written"</dt><dd class="mono wrap">{shown(entry.path.original())}</dd>
            <dt>"History"</dt><dd>{history_list(reference, tree, node.path())}</dd>
        </dl>
        {source.map(|s| view! { <Preview source=s name /> })}
    }
    .into_any()
}

fn not_found(reference: &str, tree: &MergedTree, path: &EntryPath, loading: bool) -> AnyView {
    if loading {
        return view! { <p class="muted" data-test="fs-waiting">"Not in the layers read so far; still reading…"</p> }.into_any();
    }
    view! {
        <p data-test="fs-missing">"Nothing is at " <code>{format!("/{}", shown(path.as_str()))}</code> " in the merged filesystem."</p>
        {(!tree.history(path.as_str()).is_empty()).then(|| view! {
            <p>"What the layers did to it:"</p>
            {history_list(reference, tree, path.as_str())}
        })}
    }
    .into_any()
}

/// The content preview and the download button of one file.
#[component]
fn Preview(source: FileSource, name: String) -> impl IntoView {
    let state: RwSignal<Option<Result<FilePreview, String>>> = RwSignal::new(None);
    let stop = SendWrapper::new(Rc::new(Cell::new(false)));
    {
        let source = source.clone();
        let stop = Rc::clone(&stop);
        spawn_local(async move {
            let result = extract::preview(&source, Rc::clone(&stop)).await;
            if !stop.get() {
                state.try_set(Some(result));
            }
        });
    }
    on_cleanup(move || stop.set(true));
    let saving = RwSignal::new(None::<String>);
    let download = move |_| {
        let source = source.clone();
        let name = name.clone();
        saving.set(Some("Downloading…".into()));
        spawn_local(async move {
            let message = match extract::download(&source, &name).await {
                Ok(()) => match extract::last_download_fetched() {
                    Some(fetched) => format!(
                        "Saved: {} fetched by range through the index this browser made from the verified layer; the tar header matched, the range's bytes themselves are not covered by the layer's digest.",
                        human_size(fetched)
                    ),
                    None => "Saved.".to_owned(),
                },
                Err(e) => e,
            };
            saving.try_set(Some(message));
        });
    };
    view! {
        <div class="preview-head">
            <h3>"Content"</h3>
            <button class="button" data-test="download" on:click=download>"Download"</button>
            <span class="muted" data-test="download-state">{move || saving.get()}</span>
        </div>
        {move || match state.get() {
            None => view! { <p class="muted" data-test="preview-loading">"Reading the layer…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" data-test="preview-error">{e}</p> }.into_any(),
            Some(Ok(p)) => preview_view(&p),
        }}
    }
}

fn preview_view(preview: &FilePreview) -> AnyView {
    let note = preview
        .truncated
        .then(|| view! { <p class="muted">"Showing the first part of the file only."</p> });
    let range_note = preview.by_range.map(|(fetched, own)| {
        let basis = if own {
            "the index was made in this browser from the verified layer, but the range's bytes themselves are not covered by the layer's digest"
        } else {
            "the index is the server's, not yet checked (the layer is being verified), so these bytes are unverified"
        };
        view! {
            <p class="muted" data-test="preview-by-range" data-fetched=fetched.to_string() data-own=own.to_string()>
                {format!("Read through the layer's index: {} fetched by range, the tar header at the indexed offset matched; {basis}.", human_size(fetched))}
            </p>
        }
    });
    let body = match classify(&preview.bytes) {
        ContentKind::Empty => view! { <p class="muted" data-test="preview-empty">"The file is empty."</p> }.into_any(),
        ContentKind::Text => view! {
            <pre class="preview" data-test="preview-text">{preview_text(&preview.bytes)}</pre>
            {note}
        }
        .into_any(),
        ContentKind::Binary => view! {
            <p class="muted">"Binary content, as hex:"</p>
            <pre class="preview hex" data-test="preview-hex">{hex_dump(&preview.bytes)}</pre>
            <p class="muted">{format!("Hex view of the first {} bytes.", preview.bytes.len().min(shared::explorer::preview::HEX_BYTES))}</p>
        }
        .into_any(),
    };
    view! { {body} {range_note} }.into_any()
}
