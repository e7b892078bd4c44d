//! `/i/{reference}`: one stored image: what it is, how it was built, its
//! layers and who shares them, and a link pinned to its digest.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::api::{ImageDetail, NONE};
use shared::display::{created_since, human_size};
use shared::reference::Reference;

use crate::api;
use crate::clock::now;
use crate::components::copy::CopyText;
use crate::components::error::{ErrorMessage, error_list};
use crate::components::verify_panel::VerifyPanel;

/// The repository an image is best named by: the one in the URL, else its first tag or digest.
pub fn repository_of(asked: &str, detail: &ImageDetail) -> Option<String> {
    let parse = |s: &str| s.parse::<Reference>().ok().map(|r| r.familiar_name());
    parse(asked)
        .filter(|_| !asked.starts_with("sha256:"))
        .or_else(|| detail.inspect.repo_tags.first().and_then(|t| parse(t)))
        .or_else(|| detail.inspect.repo_digests.first().and_then(|t| parse(t)))
}

/// The image page.
#[component]
pub fn ImagePage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.with(|p| p.get("reference").unwrap_or_default()));
    let detail = LocalResource::new(move || api::image(name.get()));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading image…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    let asked = name.get_untracked();
                    match detail.await {
                        Ok(d) => Ok(view! { <ImageView asked d /> }.into_any()),
                        Err(e) if e.is_not_found() => Ok(view! { <NotStored asked message=e.to_string() /> }.into_any()),
                        Err(e) => Err(e),
                    }
                })}
            </ErrorBoundary>
        </Transition>
        {move || {
            let reference = name.get();
            view! { <VerifyPanel reference /> }
        }}
    }
}

/// What happened and what to try when the store does not hold the image.
#[component]
fn NotStored(asked: String, message: String) -> impl IntoView {
    let parsed = asked.parse::<Reference>();
    view! {
        <h1>"Image not in the local store"</h1>
        <div class="card" data-test="image-not-found">
            <p>"strata has no image " <code>{asked.clone()}</code> "."</p>
            <ErrorMessage message=message />
            <h2>"What to try"</h2>
            <ul>
                {match parsed {
                    Ok(r) => view! {
                        <li><a href=api::pull_page(&r.familiar()) data-test="pull-it">"Pull " <code>{r.familiar()}</code></a>
                            " into the store, then come back to this link."</li>
                    }.into_any(),
                    Err(e) => view! {
                        <li>"This is not a valid image reference either: " <span class="error">{e.to_string()}</span></li>
                    }.into_any(),
                }}
                <li>"Check the spelling, tag and registry host; names are case-sensitive."</li>
                <li><a href="/">"Browse the local images"</a>"."</li>
            </ul>
        </div>
    }
}

fn list_or_none(items: Vec<String>) -> AnyView {
    if items.is_empty() {
        view! { <span class="muted">"none"</span> }.into_any()
    } else {
        view! { <ul class="plain">{items.into_iter().map(|i| view! { <li class="mono wrap">{i}</li> }).collect_view()}</ul> }.into_any()
    }
}

fn words(items: Option<Vec<String>>) -> AnyView {
    match items {
        Some(items) if !items.is_empty() => {
            let json = serde_json::to_string(&items).unwrap_or_default();
            view! { <code class="wrap">{json}</code> }.into_any()
        }
        _ => view! { <span class="muted">"none"</span> }.into_any(),
    }
}

/// The page body for a stored image.
#[component]
fn ImageView(asked: String, d: ImageDetail) -> impl IntoView {
    let now = now();
    let i = &d.inspect;
    let repository = repository_of(&asked, &d);
    let pinned = match &repository {
        Some(repo) => format!("{repo}@{}", d.manifest_digest),
        None => i.id.to_string(),
    };
    let share = api::absolute(&api::image_page(&pinned));
    let docker = format!("docker pull {pinned}");
    let skopeo = format!("skopeo inspect docker://{pinned}");
    let created =
        time::OffsetDateTime::parse(&i.created, &time::format_description::well_known::Rfc3339)
            .map(|t| format!("{} ({})", created_since(t, now), i.created))
            .unwrap_or_else(|_| {
                if i.created.is_empty() {
                    "unknown".to_owned()
                } else {
                    i.created.clone()
                }
            });
    let platform = match &i.variant {
        Some(v) => format!("{}/{}/{v}", i.os, i.architecture),
        None => format!("{}/{}", i.os, i.architecture),
    };
    let c = i.config.clone();
    let labels = c.labels.clone();
    let history = d.history.clone();
    let layers = d.layers.clone();
    let title = if asked.starts_with("sha256:") {
        i.id.short().to_owned()
    } else {
        asked.clone()
    };
    view! {
        <div class="page-head">
            <h1 class="mono wrap" data-test="image-title">{title}</h1>
            <a class="button" href=api::pull_page(&pinned)>"Pull again"</a>
        </div>
        <section class="card">
            <dl class="facts">
                <dt>"Image ID"</dt><dd class="mono wrap" data-test="image-id">{i.id.to_string()}</dd>
                <dt>"Manifest digest"</dt><dd class="mono wrap" data-test="image-digest">{d.manifest_digest.to_string()}</dd>
                <dt>"Created"</dt><dd>{created}</dd>
                <dt>"Size"</dt><dd>{human_size(i.size)}</dd>
                <dt>"Platform"</dt><dd class="mono">{platform}</dd>
                <dt>"Tags"</dt><dd data-test="image-tags">{list_or_none(i.repo_tags.clone())}</dd>
                <dt>"Digests"</dt><dd>{list_or_none(i.repo_digests.clone())}</dd>
                <dt>"Pins"</dt><dd data-test="image-pins">{list_or_none(d.pins.clone())}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Share and reproduce"</h2>
            <p class="muted">"This link names the exact content, so whoever opens it sees this image."</p>
            <p><a href=api::image_page(&pinned) data-test="pinned-link">"Link pinned to the digest"</a></p>
            <CopyText text=share label="link" test="share-link" />
            <CopyText text=docker label="docker pull command" test="docker-pull" />
            <CopyText text=skopeo label="skopeo inspect command" test="skopeo-inspect" />
        </section>
        <section class="card">
            <h2>"Configuration"</h2>
            <dl class="facts">
                <dt>"Entrypoint"</dt><dd>{words(c.entrypoint)}</dd>
                <dt>"Cmd"</dt><dd>{words(c.cmd)}</dd>
                <dt>"Working dir"</dt><dd class="mono">{c.working_dir.filter(|w| !w.is_empty()).unwrap_or_else(|| "/".into())}</dd>
                <dt>"User"</dt><dd class="mono">{c.user.filter(|u| !u.is_empty()).unwrap_or_else(|| "root (default)".into())}</dd>
                <dt>"Ports"</dt><dd>{list_or_none(c.exposed_ports.into_iter().collect())}</dd>
                <dt>"Volumes"</dt><dd>{list_or_none(c.volumes.into_iter().collect())}</dd>
                <dt>"Env"</dt><dd>{list_or_none(c.env)}</dd>
            </dl>
            <h3>"Labels"</h3>
            {if labels.is_empty() {
                view! { <p class="muted">"No labels."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="kv" data-test="labels">
                        <thead><tr><th scope="col">"KEY"</th><th scope="col">"VALUE"</th></tr></thead>
                        <tbody>{labels.into_iter().map(|(k, v)| view! {
                            <tr data-test="label"><td class="mono wrap">{k}</td><td class="mono wrap" data-test="label-value">{v}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"History"</h2>
            <div class="table-wrap"><table data-test="history">
                <thead><tr><th scope="col">"CREATED"</th><th scope="col">"CREATED BY"</th><th scope="col" class="num">"SIZE"</th><th scope="col">"COMMENT"</th></tr></thead>
                <tbody>{history.into_iter().map(|h| {
                    let when = h.created.map_or_else(|| "N/A".to_owned(), |t| created_since(t, now));
                    view! {
                        <tr class:empty-layer=h.empty_layer data-test="history-row">
                            <td class="nowrap">{when}</td>
                            <td class="mono wrap">{h.created_by}
                                {h.empty_layer.then(|| view! { " " <span class="badge" title="This step made no layer">"empty layer"</span> })}</td>
                            <td class="num">{human_size(h.size)}</td>
                            <td class="muted">{h.comment}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table></div>
        </section>
        <section class="card">
            <h2>"Layers"</h2>
            <div class="table-wrap"><table data-test="layers">
                <thead><tr><th scope="col">"DIGEST"</th><th scope="col" class="num">"SIZE"</th><th scope="col">"MEDIA TYPE"</th><th scope="col">"SHARED WITH"</th></tr></thead>
                <tbody>{layers.into_iter().map(|l| {
                    let diff = l.diff_id.as_ref().map_or_else(|| NONE.to_owned(), ToString::to_string);
                    view! {
                        <tr data-test="layer-row">
                            <td class="mono" title=format!("{}\ndiff_id {diff}", l.digest)>{l.digest.short().to_owned()}</td>
                            <td class="num">{human_size(l.size)}</td>
                            <td class="mono small-text">{l.media_type}</td>
                            <td data-test="shared-with">{if l.shared_with.is_empty() {
                                view! { <span class="muted">"only this image"</span> }.into_any()
                            } else {
                                view! { <ul class="plain">{l.shared_with.into_iter().map(|s| {
                                    let href = api::image_page(&s);
                                    view! { <li><a href=href class="mono">{s}</a></li> }
                                }).collect_view()}</ul> }.into_any()
                            }}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table></div>
        </section>
    }
}
