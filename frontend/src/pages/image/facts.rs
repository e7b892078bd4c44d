//! The readable panels of one image: what it is, how to share and pull it,
//! its configuration, history and layers. The same view for an image from
//! the store (with tags, pins and the local images sharing each layer) and
//! for one read through `/v2`.

use leptos::prelude::*;
use shared::api::{ImageDetail, NONE};
use shared::digest::Digest;
use shared::display::{created_since, human_size};

use crate::api;
use crate::clock::now;
use crate::components::copy::CopyText;

/// How the page names the image it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    /// The share link's path (pinned to a digest when a repository is known).
    pub share: String,
    /// The reference `docker pull` takes.
    pub docker: String,
    /// The reference `skopeo inspect` takes (the manifest shown).
    pub skopeo: String,
    /// The reference the explorer's links use (pinned to the manifest shown).
    pub explorer: String,
    /// The index the manifest was chosen from, and the platform chosen.
    pub index: Option<(Digest, String)>,
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

/// The readable panels of an image (`stored`: the detail came from the store).
#[component]
pub fn ImageFacts(d: ImageDetail, naming: Naming, stored: bool) -> impl IntoView {
    let now = now();
    let i = &d.inspect;
    let compressed: u64 = d.layers.iter().map(|l| l.size).sum();
    // Docker's SIZE is the unpacked size; until every layer was read (the
    // store learns it at pull), the compressed size, said to be that.
    let size = match i.size {
        Some(unpacked) => format!(
            "{} ({} compressed)",
            human_size(unpacked),
            human_size(compressed)
        ),
        None => format!(
            "{} compressed (unpacked size not known yet)",
            human_size(compressed)
        ),
    };
    let docker = match &naming.index {
        Some((_, platform)) => format!("docker pull --platform {platform} {}", naming.docker),
        None => format!("docker pull {}", naming.docker),
    };
    let skopeo = format!("skopeo inspect docker://{}", naming.skopeo);
    let share = api::absolute(&naming.share);
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
    let attestation = i.os == "unknown" && i.architecture == "unknown";
    let c = i.config.clone();
    let labels = c.labels.clone();
    let history = d.history.clone();
    let layers = d.layers.clone();
    let explorer = naming.explorer.clone();
    let store_rows = if stored {
        view! {
            <dt>"Tags"</dt><dd data-test="image-tags">{list_or_none(i.repo_tags.clone())}</dd>
            <dt>"Digests"</dt><dd>{list_or_none(i.repo_digests.clone())}</dd>
            <dt>"Pins"</dt><dd data-test="image-pins">{list_or_none(d.pins.clone())}</dd>
        }
        .into_any()
    } else {
        view! {
            <dt>"Local store"</dt><dd data-test="image-stored">"not stored: read through /v2 from the registry"</dd>
        }
        .into_any()
    };
    view! {
        <section class="card" data-test="image-facts">
            <dl class="facts">
                {naming.index.as_ref().map(|(digest, _)| view! {
                    <dt>"Index digest"</dt><dd class="mono wrap" data-test="index-digest">{digest.to_string()}</dd>
                })}
                <dt>"Manifest digest"</dt><dd class="mono wrap" data-test="image-digest">{d.manifest_digest.to_string()}</dd>
                <dt>"Image ID"</dt><dd class="mono wrap" data-test="image-id">{i.id.to_string()}</dd>
                <dt>"Platform"</dt><dd class="mono" data-test="image-platform">{platform}
                    {attestation.then(|| view! { " " <span class="badge" title="An attestation manifest (provenance/SBOM), not an image to run">"attestation, not a platform"</span> })}</dd>
                <dt>"Created"</dt><dd>{created}</dd>
                <dt>"Size"</dt><dd data-test="image-size">{size}</dd>
                {store_rows}
                <dt>"Files"</dt><dd><a href=api::fs_page(&explorer, "") data-test="browse-fs">"Browse filesystem"</a></dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Share and reproduce"</h2>
            <p class="muted">"This link names the exact content, so whoever opens it sees this image."</p>
            <p><a href=naming.share.clone() data-test="pinned-link">"Link pinned to the digest"</a></p>
            <CopyText text=share label="link" test="share-link" />
            <CopyText text=docker label="docker pull command" test="docker-pull" />
            <CopyText text=skopeo label="skopeo inspect command" test="skopeo-inspect" />
        </section>
        <section class="card" data-test="image-config">
            <h2>"Configuration"</h2>
            <dl class="facts">
                <dt>"Entrypoint"</dt><dd data-test="config-entrypoint">{words(c.entrypoint)}</dd>
                <dt>"Cmd"</dt><dd data-test="config-cmd">{words(c.cmd)}</dd>
                <dt>"Working dir"</dt><dd class="mono" data-test="config-workdir">{c.working_dir.filter(|w| !w.is_empty()).unwrap_or_else(|| "/".into())}</dd>
                <dt>"User"</dt><dd class="mono" data-test="config-user">{c.user.filter(|u| !u.is_empty()).unwrap_or_else(|| "root (default)".into())}</dd>
                <dt>"Ports"</dt><dd data-test="config-ports">{list_or_none(c.exposed_ports.into_iter().collect())}</dd>
                <dt>"Volumes"</dt><dd>{list_or_none(c.volumes.into_iter().collect())}</dd>
                <dt>"Env"</dt><dd data-test="config-env">{list_or_none(c.env)}</dd>
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
                        <tr class:empty-layer=h.empty_layer data-test="history-row" data-empty=h.empty_layer.to_string()>
                            <td class="nowrap">{when}</td>
                            <td class="mono wrap">{h.created_by}
                                {h.empty_layer.then(|| view! { " " <span class="badge" title="This step made no layer">"empty layer"</span> })}</td>
                            <td class="num" data-test="history-size">{h.size.map_or_else(|| format!("{} compressed", human_size(h.blob_size)), human_size)}</td>
                            <td class="muted">{h.comment}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table></div>
        </section>
        <section class="card">
            <h2>"Layers"</h2>
            <div class="table-wrap"><table data-test="layers">
                <thead><tr><th scope="col">"#"</th><th scope="col">"DIGEST"</th><th scope="col" class="num">"SIZE"</th><th scope="col">"MEDIA TYPE"</th>
                    <th scope="col">"SHARED WITH"</th><th scope="col">"FILES"</th></tr></thead>
                <tbody>{layers.into_iter().enumerate().map(|(n, l)| {
                    let diff = l.diff_id.as_ref().map_or_else(|| NONE.to_owned(), ToString::to_string);
                    view! {
                        <tr data-test="layer-row">
                            <td class="num">{n.to_string()}</td>
                            <td class="mono" title=format!("{}\ndiff_id {diff}", l.digest)>{l.digest.short().to_owned()}</td>
                            <td class="num" data-test="layer-size">{human_size(l.size)}</td>
                            <td class="mono small-text" data-test="layer-media-type">{l.media_type}</td>
                            <td data-test="shared-with">{if !stored {
                                view! { <span class="muted">"not stored"</span> }.into_any()
                            } else if l.shared_with.is_empty() {
                                view! { <span class="muted">"only this image"</span> }.into_any()
                            } else {
                                view! { <ul class="plain">{l.shared_with.into_iter().map(|s| {
                                    let href = api::image_page(&s);
                                    view! { <li><a href=href class="mono">{s}</a></li> }
                                }).collect_view()}</ul> }.into_any()
                            }}</td>
                            <td><a href=api::layer_page(&explorer, n) data-test="browse-layer" class="nowrap">"Browse files"</a></td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table></div>
        </section>
    }
}
