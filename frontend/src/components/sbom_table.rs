//! An SBOM's packages as a table that stays quick at 10,000+ rows: a filter
//! box, sortable headings, a count, and a virtualised body (only the rows in
//! view, plus a margin, are in the DOM; see [`crate::explorer::vlist`]).
//!
//! Filtering and sorting are [`shared::attestation::rows`]: the table holds
//! row indices, never copies of packages. Package fields come from an
//! untrusted document and are rendered as text only.

use std::ops::Range;
use std::sync::Arc;

use leptos::prelude::*;
use shared::attestation::{Column, Direction, Package, Sbom, Sort, rows};

use crate::explorer::vlist::VirtualList;

/// An SBOM's package table.
#[component]
pub fn SbomTable(
    /// The SBOM (an `Sbom` or a shared `Arc<Sbom>`).
    #[prop(into)]
    sbom: Arc<Sbom>,
) -> impl IntoView {
    let total = sbom.packages.len();
    let about = format!(
        "{} {}{}",
        sbom.format.name(),
        sbom.spec_version,
        if sbom.name.is_empty() {
            String::new()
        } else {
            format!(" · {}", sbom.name)
        }
    );
    let packages = StoredValue::new(sbom);
    let query = RwSignal::new(String::new());
    // Document order until a heading is clicked.
    let sort = RwSignal::new(None::<Sort>);
    let shown = Memo::new(move |_| {
        packages.with_value(|s| query.with(|q| rows(&s.packages, q, sort.get())))
    });
    let count = Signal::derive(move || shown.with(Vec::len));
    let body = move |range: Range<usize>| {
        packages.with_value(|s| {
            shown.with(|indices| {
                indices
                    .get(range)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|&i| s.packages.get(i))
                    .map(row)
                    .collect_view()
                    .into_any()
            })
        })
    };
    let heading = move |column: Column| {
        let direction = move || sort.get().and_then(|s| s.of(column));
        let click = move |_| {
            sort.update(|s| {
                *s = Some(match *s {
                    Some(s) => s.toggled(column),
                    None => Sort {
                        column,
                        direction: Direction::Ascending,
                    },
                })
            })
        };
        view! {
            <span role="columnheader" aria-sort=move || direction().map_or("none", |d| d.aria())>
                <button type="button" class="sort-button" data-test=format!("sbom-sort-{}", column.key())
                    data-direction=move || direction().map(|d| d.aria())
                    title=format!("Sort by {}", column.label().to_lowercase()) on:click=click>
                    {column.label()}
                    <span class="sort-arrow" aria-hidden="true">{move || direction().map_or("", |d| d.arrow())}</span>
                </button>
            </span>
        }
    };
    view! {
        <div class="sbom" data-test="sbom">
            <div class="sbom-bar">
                // The label wraps the box: several tables can share a page without an id.
                <label class="sbom-filter">
                    <span class="sr-only">"Filter packages"</span>
                    <input type="search" class="mono" autocomplete="off" spellcheck="false"
                        placeholder="filter by name, version, license or purl" data-test="sbom-filter"
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                </label>
                <span class="muted" data-test="sbom-count" aria-live="polite">
                    {move || format!("{} of {total} packages", count.get())}
                </span>
                <span class="muted small-text">{about}</span>
            </div>
            {move || (count.get() == 0).then(|| {
                let text = if total == 0 {
                    "This SBOM lists no packages.".to_owned()
                } else {
                    format!("No package matches “{}”.", query.get().trim())
                };
                view! { <p class="empty" data-test="sbom-empty">{text}</p> }
            })}
            <div role="table" aria-label="Packages" aria-rowcount=move || count.get().to_string()>
            <div class="vhead sbom-grid" role="row">
                {Column::ALL.map(heading).into_iter().collect_view()}
            </div>
            <VirtualList count rows=body test="sbom-scroll" />
            </div>
        </div>
    }
}

/// One package's row.
fn row(package: &Package) -> impl IntoView + use<> {
    let cell = |text: &str, class: &'static str| {
        let shown = crate::explorer::shown(text);
        let title = shown.clone();
        view! { <span class=class role="cell" title=title>{shown}</span> }
    };
    view! {
        <div class="vrow sbom-grid" role="row" data-test="sbom-row">
            {cell(&package.name, "ellipsis sbom-name")}
            {cell(&package.version, "ellipsis mono")}
            {cell(&package.license, "ellipsis")}
            {cell(&package.purl, "ellipsis mono small-text")}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::SbomTable;
    use leptos::prelude::*;
    use shared::attestation::{Package, Sbom, SbomFormat};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sbom(n: usize) -> Sbom {
        Sbom {
            format: SbomFormat::Spdx,
            spec_version: "SPDX-2.3".into(),
            name: "sbom".into(),
            packages: (0..n)
                .map(|i| Package {
                    name: format!("pkg-{i:05}"),
                    version: format!("1.{i}"),
                    license: if i % 2 == 0 {
                        "MIT".into()
                    } else {
                        "Apache-2.0".into()
                    },
                    purl: format!("pkg:apk/alpine/pkg-{i:05}@1.{i}"),
                })
                .collect(),
        }
    }

    fn texts(host: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
        let list = host.query_selector_all(selector).expect("query");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.text_content().unwrap_or_default())
            .collect()
    }

    fn click(host: &web_sys::HtmlElement, selector: &str) {
        host.query_selector(selector)
            .expect("query")
            .expect("element")
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
    }

    /// Lets the reactive system run its scheduled effects.
    async fn settle() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .expect("window")
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    #[test]
    async fn ten_thousand_packages_render_a_window_and_filter_and_sort() {
        let host = super::super::test_host();
        let handle =
            leptos::mount::mount_to(host.clone(), || view! { <SbomTable sbom=sbom(10_000) /> });
        let rows = texts(&host, "[data-test=sbom-row]");
        assert!(
            !rows.is_empty() && rows.len() < 100,
            "{} rows in the DOM",
            rows.len()
        );
        assert!(rows[0].contains("pkg-00000"), "{rows:?}");
        assert_eq!(
            texts(&host, "[data-test=sbom-count]"),
            ["10000 of 10000 packages"]
        );

        click(&host, "[data-test=sbom-sort-name]");
        settle().await;
        click(&host, "[data-test=sbom-sort-name]");
        settle().await;
        let rows = texts(&host, "[data-test=sbom-row]");
        assert!(rows[0].contains("pkg-09999"), "descending: {rows:?}");
        let arrow = texts(&host, "[data-test=sbom-sort-name]");
        assert!(arrow[0].contains('▼'), "{arrow:?}");

        let input: web_sys::HtmlInputElement = host
            .query_selector("[data-test=sbom-filter]")
            .expect("query")
            .expect("input")
            .unchecked_into();
        input.set_value("PKG-0001");
        input
            .dispatch_event(&web_sys::Event::new("input").expect("event"))
            .expect("dispatch");
        settle().await;
        assert_eq!(
            texts(&host, "[data-test=sbom-count]"),
            ["10 of 10000 packages"]
        );
        let rows = texts(&host, "[data-test=sbom-row]");
        assert_eq!(rows.len(), 10);
        assert!(rows[0].contains("pkg-00019"), "{rows:?}");
        drop(handle);
    }
}
