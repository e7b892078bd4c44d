//! The images filter bar: the CLI's `--filter` language, checked in the
//! browser with `shared::filter::ImageFilters` before anything is sent.

use leptos::html::Input;
use leptos::prelude::*;
use shared::filter::ImageFilters;

/// The filters typed in the box: whitespace-separated `key=value`, with
/// the CLI's `--filter`/`-f` words allowed and ignored.
pub fn split_filters(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        match word {
            "--filter" | "-f" => {}
            w => out.push(w.strip_prefix("--filter=").unwrap_or(w).to_owned()),
        }
    }
    out
}

/// Parses the box; the error is the one the CLI would print.
pub fn check_filters(text: &str) -> Result<Vec<String>, String> {
    let filters = split_filters(text);
    ImageFilters::parse(&filters).map_err(|e| e.to_string())?;
    Ok(filters)
}

/// Starting points for each filter key.
const QUICK: &[(&str, &str, &str)] = &[
    ("dangling", "dangling=true", "untagged images"),
    ("label", "label=", "label=KEY or label=KEY=VALUE"),
    (
        "reference",
        "reference=",
        "a name glob, e.g. reference=*/*:v1",
    ),
    ("before", "before=", "created before an image"),
    ("since", "since=", "created after an image"),
];

/// The filter bar: a box, chips for the active filters, and quick adds.
#[component]
pub fn FilterBar(
    /// The filters in force (from the URL).
    #[prop(into)]
    active: Signal<Vec<String>>,
    /// Called with a new, valid filter list.
    on_apply: Callback<Vec<String>>,
) -> impl IntoView {
    let text = RwSignal::new(active.get_untracked().join(" "));
    // When the URL changes (a chip removed, back button), the box follows.
    Effect::watch(
        move || active.get(),
        move |a, _, _| text.set(a.join(" ")),
        false,
    );
    let checked = Memo::new(move |_| text.with(|t| check_filters(t)));
    let input = NodeRef::<Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(filters) = checked.get_untracked() {
            on_apply.run(filters);
        }
    };
    let add = move |template: &'static str| {
        text.update(|t| {
            if !t.trim().is_empty() {
                t.push(' ');
            }
            t.push_str(template);
        });
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    };
    let chips = move || {
        active
            .get()
            .into_iter()
            .map(|f| {
                let remove = f.clone();
                view! {
                    <li class="chip" data-test="filter-chip">
                        <span class="mono">{f.clone()}</span>
                        <button type="button" class="chip-x" aria-label=format!("Remove filter {f}")
                            on:click=move |_| {
                                let rest: Vec<String> = active.get_untracked().into_iter().filter(|x| *x != remove).collect();
                                on_apply.run(rest);
                            }>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <form class="filter-bar" on:submit=submit role="search" data-test="filter-form">
            <label for="image-filter" class="sr-only">"Filters"</label>
            <div class="filter-row">
                <input id="image-filter" node_ref=input type="text" class="mono" autocomplete="off" spellcheck="false"
                    placeholder="filters, e.g. reference=*/*:v1 label=tier=web dangling=false"
                    data-test="filter-input" aria-describedby="filter-help"
                    aria-invalid=move || if checked.with(Result::is_err) { "true" } else { "false" }
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                <button type="submit" class="primary" data-test="filter-apply" disabled=move || checked.with(Result::is_err)>"Apply"</button>
            </div>
            <div id="filter-help" class="hint">
                {move || match checked.get() {
                    Err(e) => view! { <span class="error" role="alert" data-test="filter-error">{e}</span> }.into_any(),
                    Ok(_) => view! {
                        <span class="quick">
                            <span class="muted">"Add: "</span>
                            {QUICK.iter().map(|(key, template, help)| view! {
                                <button type="button" class="link-button" title=*help on:click=move |_| add(template)>{*key}</button>
                            }).collect_view()}
                        </span>
                    }.into_any(),
                }}
            </div>
            <ul class="chips" aria-label="Active filters">{chips}</ul>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::{check_filters, split_filters};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_box_takes_the_cli_words() {
        let cases: [(&str, &[&str]); 4] = [
            ("", &[]),
            ("dangling=true", &["dangling=true"]),
            (
                "--filter reference=*:v1 -f label=a",
                &["reference=*:v1", "label=a"],
            ),
            (
                "  --filter=before=redis  since=x ",
                &["before=redis", "since=x"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(split_filters(text), want, "{text:?}");
        }
    }

    #[test]
    fn bad_filters_say_why() {
        let cases = [
            ("dangling=maybe", "invalid filter 'dangling=maybe'"),
            ("colour=red", "invalid filter 'colour'"),
            ("nonsense", "bad format of filter 'nonsense'"),
        ];
        for (text, want) in cases {
            let error = check_filters(text).expect_err(text);
            assert!(error.contains(want), "{text}: {error}");
        }
        assert!(check_filters("reference=*/*/*:v1 label=xss").is_ok());
    }
}
