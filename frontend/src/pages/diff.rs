//! `/diff/{a}/{b}`: how image B differs from image A, read in the browser
//! through this server's `/v2` (stored images or not). Both images are
//! walked ([`crate::load`]); their configs are shown side by side, their
//! layers position by position, then the file diff (`?show=all` lists the
//! unchanged paths too) and the directories whose size changed.
//!
//! The URL is [`DiffRoute`]'s: each reference one percent-encoded path
//! segment (`/diff/redis:7.0/library%2Fredis:7.2`). The layers are read as
//! [`shared::diff::LayerDiff::reads`] says: the shared prefix once, each
//! image's other layers on a copy of it; every layer's bytes are verified
//! as they stream ([`stream_layer`]).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use shared::config::ImageConfig;
use shared::diff::{DiffRoute, Image, ImageDiff, ImageFiles, PathChange, Show, file_line, show_of};
use shared::digest::Digest;
use shared::explorer::route::image_url;
use shared::manifest::{Descriptor, ImageManifest};
use shared::merged::{Listed, TarParser, TarSink};
use shared::reference::Reference;
use shared::walk::PlatformChoice;

use crate::explorer::stream::{ReadMode, stream_layer, yield_now};
use crate::load;

/// The diff page.
#[component]
pub fn DiffPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let route = Memo::new(move |_| {
        let path = location.pathname.get();
        DiffRoute::parse(path.strip_prefix("/diff/").unwrap_or_default())
    });
    let show = Memo::new(move |_| show_of(query.with(|q| q.get("show")).as_deref()));
    move || {
        match route.get() {
        Some(route) => view! { <DiffView route show /> }.into_any(),
        None => view! {
            <div class="page-head"><h1>"Diff"</h1></div>
            <p class="error" data-test="diff-error">
                "A diff's URL names two images: /diff/A/B, each reference percent-encoded (a / as %2F), e.g. /diff/redis:7.0/redis:7.2."
            </p>
        }
        .into_any(),
    }
    }
}

/// One image of the diff, walked and verified.
struct Side {
    name: String,
    reference: Reference,
    digest: Digest,
    manifest: ImageManifest,
    config: ImageConfig,
}

impl Side {
    async fn open(name: &str) -> Result<Side, String> {
        let reference: Reference = name
            .parse()
            .map_err(|e| format!("`{name}` is not an image reference: {e}"))?;
        let loaded = load::image(&reference, PlatformChoice::page(None)).await;
        let failed = || {
            loaded
                .failure_text()
                .unwrap_or_else(|| "the image walk stopped early".to_owned())
        };
        let (doc, manifest) = loaded
            .walk
            .manifest()
            .ok_or_else(|| format!("{name}: {}", failed()))?;
        let (_, config) = loaded
            .walk
            .config()
            .ok_or_else(|| format!("{name}: {}", failed()))?;
        Ok(Side {
            name: name.to_owned(),
            reference,
            digest: doc.digest.clone(),
            manifest: manifest.clone(),
            config: config.clone(),
        })
    }

    fn image(&self) -> Image<'_> {
        Image {
            reference: &self.name,
            digest: &self.digest,
            manifest: &self.manifest,
            config: &self.config,
        }
    }

    /// Applies `layers` (this image's) to `files`, reporting each.
    async fn apply(
        &self,
        files: &mut ImageFiles,
        layers: &[Descriptor],
        progress: RwSignal<String>,
    ) -> Result<(), String> {
        for descriptor in layers {
            progress.set(format!(
                "Reading layer {} of {}…",
                descriptor.digest.short(),
                self.name
            ));
            let listed = read_layer(&self.reference, descriptor).await?;
            yield_now().await;
            files.push_layer(listed.entries, listed.digests);
        }
        Ok(())
    }
}

/// Layer `descriptor`'s entries and content digests, verified as it streams.
async fn read_layer(reference: &Reference, descriptor: &Descriptor) -> Result<Listed, String> {
    let sink = TarSink::new(TarParser::new().with_content_digests(), true);
    stream_layer(reference, descriptor, sink, ReadMode::default(), |_, _| {
        true
    })
    .await
    .map(|(mut sink, _)| Listed {
        digests: sink.parser.take_content_digests(),
        entries: sink.entries,
    })
    .map_err(|e| format!("layer {}: {e}", descriptor.digest))
}

/// Both images, then the layers: the diff with every path.
async fn load_diff(route: DiffRoute, progress: RwSignal<String>) -> Result<ImageDiff, String> {
    progress.set("Reading the manifests and configs…".to_owned());
    let a = Side::open(&route.a).await?;
    let b = Side::open(&route.b).await?;
    let diff = ImageDiff::new(&a.image(), &b.image());
    let reads = diff.layers.reads();
    let mut tree_a = ImageFiles::new();
    a.apply(&mut tree_a, &a.manifest.layers[..reads.shared], progress)
        .await?;
    let mut tree_b = tree_a.clone();
    a.apply(
        &mut tree_a,
        &a.manifest.layers[reads.shared..reads.a_layers],
        progress,
    )
    .await?;
    b.apply(
        &mut tree_b,
        &b.manifest.layers[reads.shared..reads.b_layers],
        progress,
    )
    .await?;
    Ok(diff.with_files(&tree_a, &tree_b, Show::All))
}

#[component]
fn DiffView(route: DiffRoute, show: Memo<Show>) -> impl IntoView {
    let progress = RwSignal::new(String::new());
    let r = route.clone();
    let diff = LocalResource::new(move || load_diff(r.clone(), progress));
    view! {
        <div class="page-head"><h1>"Diff"</h1></div>
        <Suspense fallback=move || view! {
            <p class="muted" data-test="diff-progress" data-phase="loading">{move || progress.get()}</p>
        }>
            {move || {
                let route = route.clone();
                Suspend::new(async move {
                    match diff.await {
                        Ok(diff) => view! { <DiffShown diff route show /> }.into_any(),
                        Err(e) => view! {
                            <p class="error" data-test="diff-error">{e}</p>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DiffShown(diff: ImageDiff, route: DiffRoute, show: Memo<Show>) -> impl IntoView {
    let side = |mark: &'static str, test: &'static str, s: &shared::diff::ImageSide| {
        view! {
            <p data-test=test>
                <strong>{mark}</strong> " "
                <a href=image_url(&s.reference)>{s.reference.clone()}</a>
                <span class="muted">" " {s.digest.to_string()}</span>
            </p>
        }
    };
    let config_rows = diff.config.rows();
    let config = if config_rows.is_empty() {
        view! { <p class="muted" data-test="diff-config-same">"The configs agree on env, cmd, entrypoint, user, workdir, labels, ports, platform and history."</p> }.into_any()
    } else {
        let none = || "—".to_owned();
        view! {
            <table data-test="diff-config">
                <thead><tr><th>""</th><th>"A"</th><th>"B"</th></tr></thead>
                <tbody>
                    {config_rows.into_iter().map(|row| view! {
                        <tr data-test="diff-config-row" data-field=row.field.clone()>
                            <th>{row.field.clone()}</th>
                            <td>{row.a.unwrap_or_else(none)}</td>
                            <td>{row.b.unwrap_or_else(none)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let shared_count = diff.layers.shared_count();
    let layer_cell = |l: &Option<shared::diff::LayerSummary>| {
        l.as_ref().map_or_else(
            || "—".to_owned(),
            |l| format!("{} ({} bytes)", l.digest.short(), l.size),
        )
    };
    let layers = diff
        .layers
        .rows
        .iter()
        .map(|row| {
            view! {
                <tr data-test="diff-layer" data-shared=row.shared.to_string()>
                    <td>{row.index}</td>
                    <td>{if row.shared { "shared" } else { "different" }}</td>
                    <td>{layer_cell(&row.a)}</td>
                    <td>{layer_cell(&row.b)}</td>
                </tr>
            }
        })
        .collect_view();
    let changed = diff
        .files
        .iter()
        .filter(|f| f.change != PathChange::Unchanged)
        .count();
    let files = diff.files.clone();
    let file_rows = move || {
        let show = show.get();
        files
            .iter()
            .filter(|f| show.shows(f.change))
            .map(|f| {
                let change = serde_json::to_value(f.change)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                view! {
                    <li data-test="diff-file" data-path=f.path.clone() data-change=change>
                        <code>{file_line(f)}</code>
                    </li>
                }
            })
            .collect_view()
    };
    let (changed_url, all_url) = (route.url(Show::Changed), route.url(Show::All));
    let dirs = diff
        .dirs
        .iter()
        .map(|d| {
            let path = if d.path.is_empty() {
                "/".to_owned()
            } else {
                d.path.clone()
            };
            view! {
                <tr data-test="diff-dir" data-path=d.path.clone()>
                    <td>{path}</td><td>{d.a}</td><td>{d.b}</td><td>{format!("{:+}", d.delta())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <span data-test="diff-progress" data-phase="done"></span>
        <section class="card">
            {side("A", "diff-a", &diff.a)}
            {side("B", "diff-b", &diff.b)}
        </section>
        <section class="card">
            <h2 class="card-title">"Config"</h2>
            {config}
        </section>
        <section class="card">
            <h2 class="card-title">{format!("Layers: {shared_count} shared, {} different", diff.layers.rows.len() - shared_count)}</h2>
            <table data-test="diff-layers">
                <thead><tr><th>"#"</th><th>""</th><th>"A"</th><th>"B"</th></tr></thead>
                <tbody>{layers}</tbody>
            </table>
        </section>
        <section class="card">
            <h2 class="card-title">{format!("Files: {changed} changed")}</h2>
            <p data-test="diff-filter">
                <a href=changed_url data-test="diff-show-changed">"Only changed"</a>
                " · "
                <a href=all_url data-test="diff-show-all">"All paths"</a>
            </p>
            <ul class="diff-files">{file_rows}</ul>
        </section>
        <section class="card">
            <h2 class="card-title">"Directories (bytes)"</h2>
            <table data-test="diff-dirs">
                <thead><tr><th>""</th><th>"A"</th><th>"B"</th><th>"Δ"</th></tr></thead>
                <tbody>{dirs}</tbody>
            </table>
        </section>
    }
}
