//! `/`: the local images, as `docker images` shows them.
//!
//! The view's state lives in the URL, so any view can be shared and
//! reloaded: `?filter=K=V` (repeated), `sort=created|repository|tag|id|size`,
//! `order=asc|desc`, `page=N` (from 1), `size=N` rows per page,
//! `digests=1`, `full=1` (whole IDs). The server filters, sorts and pages.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use shared::api::{ImageListResponse, ImageRow, ImageSort, NONE};
use shared::display::{created_at, created_since, human_size, human_size_or_unknown};

use crate::api::{self, ImageQuery, sort_name};
use crate::clock::now;
use crate::components::error::error_list;
use crate::components::filter_bar::FilterBar;
use crate::components::image_actions::ImageActions;
use crate::components::prune_panel::PrunePanel;

/// Rows per page unless the URL says otherwise.
const PAGE_SIZE: usize = 100;

/// The images view, as the URL describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    /// `key=value` filters.
    pub filters: Vec<String>,
    /// The sort column.
    pub sort: ImageSort,
    /// `None`: the column's natural order.
    pub descending: Option<bool>,
    /// The page, from 1.
    pub page: usize,
    /// Rows per page.
    pub size: usize,
    /// The DIGEST column.
    pub digests: bool,
    /// Whole image IDs.
    pub full_ids: bool,
}

impl TableState {
    /// Reads the state from the query; bad values fall back to defaults.
    pub fn from_query(q: &ParamsMap) -> Self {
        let flag = |k: &str| q.get_str(k).is_some_and(|v| v == "1" || v == "true");
        Self {
            filters: q
                .get_all("filter")
                .unwrap_or_default()
                .into_iter()
                .filter(|f| !f.is_empty())
                .collect(),
            sort: q
                .get_str("sort")
                .and_then(|s| s.parse().ok())
                .unwrap_or_default(),
            descending: match q.get_str("order") {
                Some("asc") => Some(false),
                Some("desc") => Some(true),
                _ => None,
            },
            page: q
                .get_str("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
            size: q
                .get_str("size")
                .and_then(|p| p.parse().ok())
                .filter(|p| (1..=1000).contains(p))
                .unwrap_or(PAGE_SIZE),
            digests: flag("digests"),
            full_ids: flag("full"),
        }
    }

    /// The page's URL for this state.
    pub fn href(&self) -> String {
        let mut params: Vec<(&str, String)> =
            self.filters.iter().map(|f| ("filter", f.clone())).collect();
        if self.sort != ImageSort::Created {
            params.push(("sort", sort_name(self.sort).to_owned()));
        }
        if let Some(d) = self.descending {
            params.push(("order", if d { "desc" } else { "asc" }.to_owned()));
        }
        if self.page > 1 {
            params.push(("page", self.page.to_string()));
        }
        if self.size != PAGE_SIZE {
            params.push(("size", self.size.to_string()));
        }
        if self.digests {
            params.push(("digests", "1".to_owned()));
        }
        if self.full_ids {
            params.push(("full", "1".to_owned()));
        }
        api::images_page(&params)
    }

    /// What to ask the server for.
    pub fn query(&self) -> ImageQuery {
        ImageQuery {
            filters: self.filters.clone(),
            digests: self.digests,
            sort: self.sort,
            descending: self.descending,
            offset: (self.page - 1) * self.size,
            limit: self.size,
        }
    }

    /// Whether the column is sorted descending (the server's default when unset).
    pub fn is_descending(&self) -> bool {
        self.descending
            .unwrap_or(matches!(self.sort, ImageSort::Created | ImageSort::Size))
    }

    /// The state after clicking a column header: the same column flips,
    /// another starts in its natural order.
    pub fn sorted_by(&self, sort: ImageSort) -> Self {
        let descending = if sort == self.sort {
            Some(!self.is_descending())
        } else {
            None
        };
        Self {
            sort,
            descending,
            page: 1,
            ..self.clone()
        }
    }
}

/// What `rm`, pins and tag take to name the row's image.
pub fn row_ref(row: &ImageRow) -> String {
    match (&*row.repository, &*row.tag, &row.digest) {
        (repo, tag, _) if repo != NONE && tag != NONE => format!("{repo}:{tag}"),
        (repo, _, Some(digest)) if repo != NONE => format!("{repo}@{digest}"),
        _ => row.id.to_string(),
    }
}

/// The images page.
#[component]
pub fn ImagesPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(TableState::from_query));
    let navigate = use_navigate();
    let go =
        Callback::new(move |next: TableState| navigate(&next.href(), NavigateOptions::default()));

    let list = LocalResource::new(move || api::images(state.get().query()));
    let usage = LocalResource::new(api::usage);
    let selected = RwSignal::new(Vec::<String>::new());
    // A new view starts with nothing selected.
    Effect::watch(
        move || state.get(),
        move |_, _, _| selected.set(Vec::new()),
        false,
    );
    let refresh = Callback::new(move |()| {
        list.refetch();
        usage.refetch();
    });

    let filters = Signal::derive(move || state.with(|s| s.filters.clone()));
    let apply = Callback::new(move |filters: Vec<String>| {
        go.run(TableState {
            filters,
            page: 1,
            ..state.get_untracked()
        });
    });

    view! {
        <div class="page-head">
            <h1>"Images"</h1>
            <Transition fallback=|| view! { <span class="muted">"…"</span> }>
                <ErrorBoundary fallback=error_list>
                    {move || Suspend::new(async move {
                        let u = usage.await?;
                        Ok::<_, api::ApiError>(view! {
                            <p class="usage" data-test="usage">
                                <span><strong>{u.images}</strong> " images"</span>
                                <span><strong>{human_size(u.total_bytes)}</strong> " on disk"</span>
                                <span title="Sum of image sizes, counting shared layers once per image">
                                    <strong>{human_size(u.apparent_bytes)}</strong> " in all images"</span>
                                <span class="ok"><strong>{human_size(u.bytes_saved)}</strong> " saved by shared layers"</span>
                            </p>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </div>
        <FilterBar active=filters on_apply=apply />
        <div class="toggles">
            <label class="check"><input type="checkbox" data-test="toggle-digests" prop:checked=move || state.with(|s| s.digests)
                on:change=move |ev| go.run(TableState { digests: event_target_checked(&ev), page: 1, ..state.get_untracked() }) />
                "Digests"</label>
            <label class="check"><input type="checkbox" data-test="toggle-full" prop:checked=move || state.with(|s| s.full_ids)
                on:change=move |ev| go.run(TableState { full_ids: event_target_checked(&ev), ..state.get_untracked() }) />
                "Full IDs"</label>
            <a class="button" href="/pull">"Pull an image"</a>
        </div>
        <ImageActions selected on_change=refresh />
        <PrunePanel on_change=refresh />
        <Transition fallback=|| view! { <p class="muted" data-test="loading">"Loading images…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    let page = list.await?;
                    Ok::<_, api::ApiError>(view! { <ImageTable page state=state.get_untracked() selected go /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// One page of rows, with sortable headers and paging.
#[component]
fn ImageTable(
    page: ImageListResponse,
    state: TableState,
    selected: RwSignal<Vec<String>>,
    go: Callback<TableState>,
) -> impl IntoView {
    let now = now();
    let total = page.total;
    let first = page.offset + 1;
    let last = page.offset + page.rows.len();
    let keys: Vec<String> = page.rows.iter().map(row_ref).collect();
    let all_keys = keys.clone();
    let all_selected =
        move || !all_keys.is_empty() && selected.with(|s| all_keys.iter().all(|k| s.contains(k)));
    let toggle_all = move |ev| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|k| !keys.contains(k));
            if on {
                s.extend(keys.iter().cloned());
            }
        });
    };
    let header = {
        let state = state.clone();
        move |label: &'static str, sort: ImageSort| {
            let current = state.sort == sort;
            let aria = if !current {
                "none"
            } else if state.is_descending() {
                "descending"
            } else {
                "ascending"
            };
            let arrow = if !current {
                ""
            } else if state.is_descending() {
                " ▼"
            } else {
                " ▲"
            };
            let next = state.sorted_by(sort);
            view! {
                <th scope="col" aria-sort=aria>
                    <button type="button" class="sort" data-test=format!("sort-{}", sort_name(sort))
                        on:click=move |_| go.run(next.clone())>{label}{arrow}</button>
                </th>
            }
        }
    };
    let digests = state.digests;
    let full = state.full_ids;
    let rows = page
        .rows
        .into_iter()
        .map(|row| {
            let key = row_ref(&row);
            let href = api::image_page(&key);
            let id = if full { row.id.to_string() } else { row.id.short().to_owned() };
            let check_key = key.clone();
            let toggle_key = key.clone();
            view! {
                <tr data-test="image-row">
                    <td class="select"><input type="checkbox" aria-label=format!("Select {key}") data-test="row-select"
                        prop:checked=move || selected.with(|s| s.contains(&check_key))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let k = toggle_key.clone();
                            selected.update(|s| { s.retain(|x| *x != k); if on { s.push(k); } });
                        } /></td>
                    <td class="repo" data-test="col-repository"><a href=href>{row.repository.clone()}</a></td>
                    <td data-test="col-tag">{row.tag.clone()}</td>
                    <td class="mono id" data-test="col-id">{id}</td>
                    {digests.then(|| view! {
                        <td class="mono digest" data-test="col-digest">{row.digest.as_ref().map_or_else(|| NONE.to_owned(), ToString::to_string)}</td>
                    })}
                    <td title=created_at(row.created) data-test="col-created">{created_since(row.created, now)}</td>
                    <td class="num" data-test="col-size" title="unpacked, as Docker's SIZE">{human_size_or_unknown(row.size)}</td>
                    <td class="num" data-test="col-blob-size" title="compressed: what the store holds">{human_size(row.blob_size)}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = last < first;
    let filtered = !state.filters.is_empty();
    let prev = (state.page > 1).then(|| TableState {
        page: state.page - 1,
        ..state.clone()
    });
    let next = (last < total).then(|| TableState {
        page: state.page + 1,
        ..state.clone()
    });
    let pages = total.div_ceil(state.size).max(1);
    let size_state = state.clone();
    view! {
        <div class="table-wrap">
            <table class="images" data-test="images-table">
                <thead><tr>
                    <th scope="col" class="select"><input type="checkbox" aria-label="Select every row on this page"
                        prop:checked=all_selected on:change=toggle_all /></th>
                    {header("REPOSITORY", ImageSort::Repository)}
                    {header("TAG", ImageSort::Tag)}
                    {header("IMAGE ID", ImageSort::Id)}
                    {digests.then(|| view! { <th scope="col">"DIGEST"</th> })}
                    {header("CREATED", ImageSort::Created)}
                    {header("SIZE", ImageSort::Size)}
                    <th scope="col" class="num">"BLOB SIZE"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {empty.then(|| view! {
            <p class="empty" data-test="no-images">
                {if filtered { "No image matches these filters." } else { "The store is empty." }}
                " " <a href="/pull">"Pull an image"</a> "."
            </p>
        })}
        <nav class="pager" aria-label="Pages">
            <span data-test="row-count">{if empty { format!("0 of {total}") } else { format!("{first}–{last} of {total}") }}</span>
            <button type="button" data-test="page-prev" disabled=prev.is_none()
                on:click=move |_| if let Some(p) = prev.clone() { go.run(p) }>"← Previous"</button>
            <span>{format!("page {} of {pages}", state.page)}</span>
            <button type="button" data-test="page-next" disabled=next.is_none()
                on:click=move |_| if let Some(n) = next.clone() { go.run(n) }>"Next →"</button>
            <label class="small-text">"Rows "
                <select on:change=move |ev| {
                    let size = event_target_value(&ev).parse().unwrap_or(PAGE_SIZE);
                    go.run(TableState { size, page: 1, ..size_state.clone() });
                }>
                    {[50, 100, 500, 1000].into_iter().map(|n| view! {
                        <option value=n.to_string() selected=n == state.size>{n.to_string()}</option>
                    }).collect_view()}
                </select>
            </label>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn query(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut q = ParamsMap::new();
        for (k, v) in pairs {
            q.insert(*k, (*v).to_owned());
        }
        q
    }

    #[test]
    fn the_url_round_trips() {
        let cases: [&[(&'static str, &str)]; 3] = [
            &[],
            &[
                ("filter", "reference=*/*:v1"),
                ("filter", "dangling=false"),
                ("sort", "size"),
                ("order", "asc"),
            ],
            &[
                ("page", "3"),
                ("size", "50"),
                ("digests", "1"),
                ("full", "1"),
            ],
        ];
        for pairs in cases {
            let state = TableState::from_query(&query(pairs));
            let href = state.href();
            let back = href.strip_prefix("/?").unwrap_or("");
            let reparsed = ParamsMap::from_iter(
                back.split('&')
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| {
                        (
                            k.to_owned(),
                            String::from(js_sys::decode_uri_component(v).expect("decode")),
                        )
                    }),
            );
            assert_eq!(TableState::from_query(&reparsed), state, "{href}");
        }
    }

    #[test]
    fn headers_flip_the_order() {
        let state = TableState::from_query(&query(&[("page", "4")]));
        assert!(state.is_descending(), "created is newest first");
        let flipped = state.sorted_by(ImageSort::Created);
        assert_eq!((flipped.descending, flipped.page), (Some(false), 1));
        let by_repo = flipped.sorted_by(ImageSort::Repository);
        assert_eq!(by_repo.descending, None);
        assert!(!by_repo.is_descending());
        assert_eq!(
            by_repo.sorted_by(ImageSort::Repository).descending,
            Some(true)
        );
    }

    #[test]
    fn rows_name_their_image_for_rm() {
        let id: shared::digest::Digest = format!("sha256:{}", "c".repeat(64))
            .parse()
            .expect("digest");
        let digest: shared::digest::Digest = format!("sha256:{}", "d".repeat(64))
            .parse()
            .expect("digest");
        let row = |repo: &str, tag: &str, d: Option<&shared::digest::Digest>| ImageRow {
            id: id.clone(),
            repository: repo.into(),
            tag: tag.into(),
            digest: d.cloned(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            size: Some(1),
            blob_size: 1,
            last_pulled: None,
        };
        assert_eq!(row_ref(&row("redis", "7", None)), "redis:7");
        assert_eq!(
            row_ref(&row("redis", NONE, Some(&digest))),
            format!("redis@{digest}")
        );
        assert_eq!(row_ref(&row(NONE, NONE, None)), id.to_string());
    }
}
