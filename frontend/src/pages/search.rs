//! `/search`: search Docker Hub's index, or a registry's catalog.
//!
//! The view's state lives in the URL, so a search can be shared and
//! reloaded: `?q=TERM` (or `q=REGISTRY/TERM` for a registry's catalog),
//! `official=true|false`, `automated=true`, `stars=N` (at least N stars),
//! `limit=N` (1 to 100, default 25), `full=1` (whole descriptions). The
//! server searches and filters, as `strata search` does.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use shared::api::{SearchResponse, SearchResult};
use shared::filter::SearchFilters;

use crate::api::{self, SearchQuery};
use crate::components::error::error_list;

/// Results asked for unless the URL says otherwise (the CLI's default).
pub const DEFAULT_LIMIT: i64 = 25;

/// The search view, as the URL describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchState {
    /// `TERM` or `REGISTRY/TERM`; empty: nothing searched yet.
    pub term: String,
    /// `Some(true)`: official images only; `Some(false)`: the others only.
    pub official: Option<bool>,
    /// Automated builds only.
    pub automated: bool,
    /// At least this many stars.
    pub stars: Option<u64>,
    /// At most this many results. Kept as given, even outside 1..=100, so
    /// the server's answer says what is wrong with a hand-edited URL.
    pub limit: i64,
    /// Whole descriptions rather than cut to 45 columns.
    pub full: bool,
}

impl Default for SearchState {
    fn default() -> Self {
        Self {
            term: String::new(),
            official: None,
            automated: false,
            stars: None,
            limit: DEFAULT_LIMIT,
            full: false,
        }
    }
}

impl SearchState {
    /// Reads the state from the query; unreadable values fall back to defaults.
    pub fn from_query(q: &ParamsMap) -> Self {
        let flag = |k: &str| q.get_str(k).is_some_and(|v| v == "1" || v == "true");
        Self {
            term: q.get_str("q").unwrap_or_default().trim().to_owned(),
            official: match q.get_str("official") {
                Some("true" | "1") => Some(true),
                Some("false" | "0") => Some(false),
                _ => None,
            },
            automated: flag("automated"),
            stars: q.get_str("stars").and_then(|s| s.trim().parse().ok()),
            limit: q
                .get_str("limit")
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(DEFAULT_LIMIT),
            full: flag("full"),
        }
    }

    /// The page's URL for this state.
    pub fn href(&self) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.term.is_empty() {
            params.push(("q", self.term.clone()));
        }
        if let Some(official) = self.official {
            params.push(("official", official.to_string()));
        }
        if self.automated {
            params.push(("automated", "true".to_owned()));
        }
        if let Some(stars) = self.stars {
            params.push(("stars", stars.to_string()));
        }
        if !self.term.is_empty() || self.limit != DEFAULT_LIMIT {
            params.push(("limit", self.limit.to_string()));
        }
        if self.full {
            params.push(("full", "1".to_owned()));
        }
        api::search_page(&params)
    }

    /// The `--filter`s this state stands for.
    pub fn filters(&self) -> Vec<String> {
        let mut filters = Vec::new();
        if let Some(official) = self.official {
            filters.push(format!("is-official={official}"));
        }
        if self.automated {
            filters.push("is-automated=true".to_owned());
        }
        if let Some(stars) = self.stars {
            filters.push(format!("stars={stars}"));
        }
        filters
    }

    /// What to ask the server for; `None` until there is a term.
    pub fn query(&self) -> Option<SearchQuery> {
        (!self.term.is_empty()).then(|| SearchQuery {
            term: self.term.clone(),
            limit: self.limit,
            filters: self.filters(),
        })
    }
}

/// Checks the limit box; the error is the one `docker search --limit` gives.
/// Empty means the default.
pub fn check_limit(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_LIMIT);
    }
    let limit: i64 = text
        .parse()
        .map_err(|_| format!("limit {text:?} is not a whole number: give 1 to 100"))?;
    if (1..=100).contains(&limit) {
        Ok(limit)
    } else {
        Err(format!("limit {limit} is outside the range of [1, 100]"))
    }
}

/// Checks the min-stars box with the CLI's `stars=` filter; empty means no minimum.
pub fn check_stars(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    SearchFilters::parse([format!("stars={text}")])
        .map(|f| f.min_stars())
        .map_err(|e| e.to_string())
}

/// What the form says before it is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Draft {
    term: String,
    official: Option<bool>,
    automated: bool,
    stars: String,
    limit: String,
    full: bool,
}

impl Draft {
    fn of(state: &SearchState) -> Self {
        Self {
            term: state.term.clone(),
            official: state.official,
            automated: state.automated,
            stars: state.stars.map(|s| s.to_string()).unwrap_or_default(),
            limit: state.limit.to_string(),
            full: state.full,
        }
    }

    fn check(&self) -> Result<SearchState, String> {
        Ok(SearchState {
            term: self.term.trim().to_owned(),
            official: self.official,
            automated: self.automated,
            stars: check_stars(&self.stars)?,
            limit: check_limit(&self.limit)?,
            full: self.full,
        })
    }
}

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(SearchState::from_query));
    let search = Memo::new(move |_| state.with(SearchState::query));
    let full = Signal::derive(move || state.with(|s| s.full));
    let filtered = Signal::derive(move || state.with(|s| !s.filters().is_empty()));
    let navigate = use_navigate();

    let draft = RwSignal::new(Draft::of(&state.get_untracked()));
    // When the URL changes (a link, the back button), the form follows.
    Effect::watch(
        move || state.get(),
        move |s, _, _| draft.set(Draft::of(s)),
        false,
    );
    let limit_error = Memo::new(move |_| draft.with(|d| check_limit(&d.limit).err()));
    let stars_error = Memo::new(move |_| draft.with(|d| check_stars(&d.stars).err()));
    let go = Callback::new(move |()| {
        if let Ok(next) = draft.with_untracked(Draft::check) {
            navigate(&next.href(), NavigateOptions::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        go.run(());
    };
    // Toggles search at once (when the boxes are valid).
    let toggle = move |set: fn(&mut Draft, bool)| {
        move |ev| {
            let on = event_target_checked(&ev);
            draft.update(|d| set(d, on));
            go.run(());
        }
    };

    let results = LocalResource::new(move || {
        let query = search.get();
        async move {
            match query {
                Some(query) => api::search(query).await.map(Some),
                None => Ok(None),
            }
        }
    });

    view! {
        <h1>"Search"</h1>
        <form class="card search-form" on:submit=submit role="search" data-test="search-form">
            <div class="filter-row">
                <label for="search-term" class="sr-only">"Search term"</label>
                <input id="search-term" type="search" class="mono" autocomplete="off" spellcheck="false"
                    placeholder="a name, e.g. redis, or REGISTRY/TERM for a registry's catalog"
                    data-test="search-term"
                    prop:value=move || draft.with(|d| d.term.clone())
                    on:input=move |ev| draft.update(|d| d.term = event_target_value(&ev)) />
                <button type="submit" class="primary" data-test="search-submit"
                    disabled=move || limit_error.with(Option::is_some) || stars_error.with(Option::is_some)>"Search"</button>
            </div>
            <div class="toggles search-options">
                <label class="check"><input type="checkbox" data-test="toggle-official"
                    prop:checked=move || draft.with(|d| d.official == Some(true))
                    on:change=toggle(|d, on| d.official = on.then_some(true)) />"Official only"</label>
                <label class="check"><input type="checkbox" data-test="toggle-not-official"
                    prop:checked=move || draft.with(|d| d.official == Some(false))
                    on:change=toggle(|d, on| d.official = on.then_some(false)) />"Not official"</label>
                <label class="check"><input type="checkbox" data-test="toggle-automated"
                    prop:checked=move || draft.with(|d| d.automated)
                    on:change=toggle(|d, on| d.automated = on) />"Automated"</label>
                <label class="inline-field">"Min stars"
                    <input type="text" inputmode="numeric" class="tiny" data-test="search-stars" placeholder="any"
                        aria-describedby="search-help"
                        aria-invalid=move || if stars_error.with(Option::is_some) { "true" } else { "false" }
                        prop:value=move || draft.with(|d| d.stars.clone())
                        on:input=move |ev| draft.update(|d| d.stars = event_target_value(&ev)) /></label>
                <label class="inline-field">"Limit"
                    <input type="text" inputmode="numeric" class="tiny" data-test="search-limit"
                        aria-describedby="search-help"
                        aria-invalid=move || if limit_error.with(Option::is_some) { "true" } else { "false" }
                        prop:value=move || draft.with(|d| d.limit.clone())
                        on:input=move |ev| draft.update(|d| d.limit = event_target_value(&ev)) /></label>
                <label class="check"><input type="checkbox" data-test="toggle-full"
                    prop:checked=move || draft.with(|d| d.full)
                    on:change=toggle(|d, on| d.full = on) />"Full descriptions"</label>
            </div>
            <div id="search-help" class="hint">
                {move || limit_error.get().map(|e| view! { <p class="error" role="alert" data-test="limit-error">{e}</p> })}
                {move || stars_error.get().map(|e| view! { <p class="error" role="alert" data-test="stars-error">{e}</p> })}
            </div>
        </form>
        <Transition fallback=|| view! { <p class="muted" data-test="loading">"Searching…"</p> }>
            <ErrorBoundary fallback=error_list>
                {move || Suspend::new(async move {
                    let answer = results.await?;
                    Ok::<_, api::ApiError>(match answer {
                        Some(response) => view! { <ResultsTable response full filtered=filtered.get_untracked() /> }.into_any(),
                        None => view! {
                            <p class="empty" data-test="search-hint">
                                "Type a name to search Docker Hub, e.g. " <code>"redis"</code>
                                ", or " <code>"REGISTRY/TERM"</code> " (e.g. " <code>"ghcr.io/app"</code>
                                ") to search that registry's catalog."
                            </p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// One result's cells, in the CLI's words (`template_value`).
fn cell(result: &SearchResult, full: bool, key: &str) -> String {
    result.template_value(full)[key]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The results, or a line saying there are none.
#[component]
fn ResultsTable(response: SearchResponse, full: Signal<bool>, filtered: bool) -> impl IntoView {
    if response.results.is_empty() {
        return view! {
            <p class="empty" data-test="no-results">
                "No results for " <code>{response.query}</code>
                {if filtered { " with these filters." } else { "." }}
            </p>
        }
        .into_any();
    }
    let count = match response.results.len() {
        1 => format!("1 result for “{}”", response.query),
        n => format!("{n} results for “{}”", response.query),
    };
    let catalog = response.results.iter().any(|r| r.star_count.is_none());
    let rows = response
        .results
        .iter()
        .map(|r| {
            let cut = cell(r, false, "Description");
            let whole = cell(r, true, "Description");
            let title = (cut != whole).then(|| whole.clone());
            let official = match r.is_official {
                Some(true) => view! { <span class="badge badge-done">"Official"</span> }.into_any(),
                Some(false) => ().into_any(),
                None => view! { <span class="muted">"-"</span> }.into_any(),
            };
            view! {
                <tr data-test="result-row">
                    <td class="repo"><a href=api::image_page(&r.name) class="mono" data-test="result-name">{r.name.clone()}</a></td>
                    <td class="desc" title=title data-test="result-description">{move || if full.get() { whole.clone() } else { cut.clone() }}</td>
                    <td class="num" data-test="result-stars">{cell(r, false, "StarCount")}</td>
                    <td data-test="result-official">{official}</td>
                    <td class="num"><a class="button small" href=api::pull_page(&r.name) data-test="result-pull">"Pull"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted" data-test="result-count">{count}</p>
        <div class="table-wrap">
            <table class="search-results" data-test="search-table">
                <thead><tr>
                    <th scope="col">"NAME"</th>
                    <th scope="col">"DESCRIPTION"</th>
                    <th scope="col" class="num">"STARS"</th>
                    <th scope="col">"OFFICIAL"</th>
                    <th scope="col" class="num"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {catalog.then(|| view! {
            <p class="hint muted" data-test="catalog-note">
                "Registry catalogs list names only: they have no stars, official flag or description, so those show " <code>"-"</code> "."
            </p>
        })}
    }
    .into_any()
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

    fn reparse(href: &str) -> SearchState {
        let back = href
            .strip_prefix("/search")
            .and_then(|h| h.strip_prefix('?'))
            .unwrap_or("");
        SearchState::from_query(&ParamsMap::from_iter(
            back.split('&')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        String::from(js_sys::decode_uri_component(v).expect("decode")),
                    )
                }),
        ))
    }

    #[test]
    fn the_url_round_trips() {
        #[rustfmt::skip]
        let cases: [&[(&'static str, &str)]; 5] = [
            &[],
            &[("q", "redis")],
            &[("q", "redis"), ("official", "true"), ("stars", "50"), ("limit", "25")],
            &[("q", "127.0.0.1:5000/web"), ("official", "false"), ("automated", "true"), ("full", "1")],
            &[("q", "a b&c=d"), ("limit", "0")],
        ];
        for pairs in cases {
            let state = SearchState::from_query(&query(pairs));
            let href = state.href();
            assert_eq!(reparse(&href), state, "{href}");
        }
    }

    #[test]
    fn the_url_reads_as_shared() {
        let state = SearchState::from_query(&query(&[
            ("q", " redis "),
            ("official", "true"),
            ("stars", "50"),
            ("limit", "10"),
        ]));
        assert_eq!(
            state.href(),
            "/search?q=redis&official=true&stars=50&limit=10"
        );
        assert_eq!(
            state.query(),
            Some(SearchQuery {
                term: "redis".into(),
                limit: 10,
                filters: vec!["is-official=true".into(), "stars=50".into()],
            })
        );
        let bad = SearchState::from_query(&query(&[
            ("official", "maybe"),
            ("stars", "x"),
            ("limit", "many"),
        ]));
        assert_eq!(bad, SearchState::default());
        assert_eq!(bad.query(), None, "no term, no search");
        assert_eq!(bad.href(), "/search");
    }

    #[test]
    fn the_limit_box_speaks_dockers_words() {
        let cases: [(&str, Result<i64, &str>); 7] = [
            ("", Ok(25)),
            ("1", Ok(1)),
            (" 100 ", Ok(100)),
            ("0", Err("limit 0 is outside the range of [1, 100]")),
            ("101", Err("limit 101 is outside the range of [1, 100]")),
            ("-3", Err("limit -3 is outside the range of [1, 100]")),
            (
                "ten",
                Err("limit \"ten\" is not a whole number: give 1 to 100"),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(check_limit(text), want.map_err(str::to_owned), "{text:?}");
        }
    }

    #[test]
    fn the_stars_box_uses_the_filter() {
        assert_eq!(check_stars(""), Ok(None));
        assert_eq!(check_stars(" 50 "), Ok(Some(50)));
        let error = check_stars("lots").expect_err("not a number");
        assert!(error.contains("stars=lots"), "{error}");
        assert!(check_stars("-1").is_err());
    }
}
