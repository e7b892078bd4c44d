//! A value to copy: shown as selectable text with a Copy button.

use leptos::prelude::*;
use leptos::task::spawn_local;

/// Text a user copies (a link, a command), with a button that copies it.
#[component]
pub fn CopyText(
    /// The text.
    #[prop(into)]
    text: String,
    /// What it is, for the button's label.
    #[prop(into)]
    label: String,
    /// The `data-test` name.
    #[prop(into, optional)]
    test: String,
) -> impl IntoView {
    let state = RwSignal::new(String::new());
    let copied = text.clone();
    let copy = move |_| {
        let text = copied.clone();
        spawn_local(async move {
            let result = match web_sys::window() {
                Some(window) => wasm_bindgen_futures::JsFuture::from(
                    window.navigator().clipboard().write_text(&text),
                )
                .await
                .map(|_| ()),
                None => Err("no window".into()),
            };
            state.set(match result {
                Ok(()) => "Copied".to_owned(),
                Err(e) => format!(
                    "Could not copy ({}); select the text instead",
                    e.as_string()
                        .unwrap_or_else(|| "the browser refused".into())
                ),
            });
        });
    };
    view! {
        <div class="copy">
            <code class="copy-text" data-test=test>{text}</code>
            <button type="button" class="small" on:click=copy aria-label=format!("Copy {label}")>"Copy"</button>
            <span class="muted small-text" aria-live="polite">{move || state.get()}</span>
        </div>
    }
}
