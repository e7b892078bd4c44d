//! `/cache`: how the pull-through cache is doing (`GET /api/v1/cache`):
//! hits and misses since the server started, bytes from the store and from
//! upstreams, each upstream's rate-limit headroom, and the store's largest
//! and least recently used images.

use leptos::prelude::*;
use shared::api::{CacheCounts, CacheInfo, CachedImage, RateLimit, RecencyBasis};
use shared::display::{created_since, human_size};

use crate::api;
use crate::clock::now;
use crate::components::error::error_list;

/// `ratio` (0 to 1) as a whole percentage.
fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

/// The cache page.
#[component]
pub fn CachePage() -> impl IntoView {
    let info = LocalResource::new(api::cache);
    view! {
        <div class="page-head">
            <h1>"Cache"</h1>
            <button type="button" data-test="cache-refresh" on:click=move |_| info.refetch()>"Refresh"</button>
        </div>
        <Transition fallback=|| view! { <p class="muted" data-test="loading">"Loading…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    let info = info.await?;
                    Ok::<_, api::ApiError>(view! { <CacheView info /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn CacheView(info: CacheInfo) -> impl IntoView {
    let total = info.total();
    let ratio = total
        .hit_ratio()
        .map_or_else(|| "no requests yet".to_owned(), percent);
    let lru_basis = match info.least_recently_used_by {
        RecencyBasis::LastPulled => {
            "by last pull; images never pulled since they were recorded count as least recent"
        }
    };
    view! {
        <section class="card" data-test="cache-requests">
            <h2 class="card-title">"Requests through /v2"</h2>
            <p class="usage">
                <span><strong data-test="cache-hit-ratio">{ratio}</strong> " served without the upstream"</span>
                <span><strong data-test="cache-hits">{total.hits}</strong> " hits"</span>
                <span><strong data-test="cache-misses">{total.misses}</strong> " misses"</span>
                <span><strong data-test="cache-coalesced">{total.coalesced}</strong> " joined a fetch in flight"</span>
            </p>
            <p class="usage">
                <span><strong data-test="cache-bytes-cache">{human_size(info.bytes_from_cache)}</strong> " sent from the store"</span>
                <span><strong data-test="cache-bytes-upstream">{human_size(info.bytes_from_upstream)}</strong> " fetched from upstreams"</span>
            </p>
            <table class="cache-counts">
                <thead><tr><th>""</th><th>"Hits"</th><th>"Misses"</th><th>"Joined"</th></tr></thead>
                <tbody>
                    <CountsRow label="Blobs" counts=info.blobs />
                    <CountsRow label="Manifests" counts=info.manifests />
                </tbody>
            </table>
            <p class="muted">"Since the server started, " {created_since(info.since, now())} "."</p>
        </section>
        <section class="card" data-test="cache-rate-limits">
            <h2 class="card-title">"Upstream rate limits"</h2>
            <RateLimits limits=info.rate_limits />
        </section>
        <section class="card" data-test="cache-largest">
            <h2 class="card-title">"Largest images"</h2>
            <ImageList images=info.largest empty="No images in the store." />
        </section>
        <section class="card" data-test="cache-lru">
            <h2 class="card-title">"Least recently used"</h2>
            <p class="muted">{lru_basis}</p>
            <ImageList images=info.least_recently_used empty="No images in the store." />
        </section>
        <section class="card" data-test="cache-retention">
            <h2 class="card-title">"Next to evict"</h2>
            {match info.retention_next {
                None => view! { <p class="muted" data-test="cache-no-retention">"No retention policy is configured, so nothing is evicted automatically."</p> }.into_any(),
                Some(images) => view! { <ImageList images empty="The retention policy would evict nothing now." /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CountsRow(label: &'static str, counts: CacheCounts) -> impl IntoView {
    view! {
        <tr><th scope="row">{label}</th><td>{counts.hits}</td><td>{counts.misses}</td><td>{counts.coalesced}</td></tr>
    }
}

#[component]
fn RateLimits(limits: Vec<RateLimit>) -> impl IntoView {
    if limits.is_empty() {
        return view! { <p class="muted">"No upstream has announced a rate limit (Docker Hub does, on manifest requests)."</p> }.into_any();
    }
    let rows = limits
        .into_iter()
        .map(|l| {
            let headroom = l.headroom().map_or_else(String::new, percent);
            let limit = l.limit.map_or_else(|| "?".to_owned(), |n| n.to_string());
            let window = l
                .window_secs
                .map_or_else(String::new, |w| format!(" per {}h", w / 3600));
            view! {
                <tr data-test="rate-limit">
                    <td>{l.registry.clone()}</td>
                    <td><strong>{l.remaining}</strong> " of " {limit} {window}</td>
                    <td>{headroom}</td>
                    <td class="muted">{created_since(l.seen_at, now())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <thead><tr><th>"Registry"</th><th>"Requests left"</th><th>"Headroom"</th><th>"Seen"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ImageList(images: Vec<CachedImage>, empty: &'static str) -> impl IntoView {
    if images.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    let rows = images
        .into_iter()
        .map(|i| {
            let href = api::image_page(&i.id.to_string());
            view! {
                <tr>
                    <td><a href=href>{i.name}</a></td>
                    <td>{human_size(i.size)}</td>
                    <td class="muted">{created_since(i.at, now())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <thead><tr><th>"Image"</th><th>"Size"</th><th>"Created"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
