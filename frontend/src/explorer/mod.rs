//! The layer explorer (issue 7): an image's layers, parsed in the browser,
//! as one layer's file list (`/i/{reference}/layers/{n}`) and as the merged
//! filesystem (`/i/{reference}/fs/{path}`), with file previews, downloads,
//! a dive-style analysis and the layers shared with other local images.
//!
//! | file | concept |
//! | --- | --- |
//! | `session` | the loaded image: manifest, layers, the merged tree, progress |
//! | `stream` | one layer blob: fetched, verified, decompressed ([`crate::verify::LayerDecoder`]), parsed in slices |
//! | `index_store` | this browser's own layer indexes ([`shared::layer::index`]), in IndexedDB |
//! | `opened` | what the explorer takes from the image walk |
//! | `hints` | a listing before the bytes: this browser's index, the server's, an eStargz table |
//! | `extract` | one file's bytes: the preview and the download |
//! | `vlist` | the virtualised list every long listing uses |
//! | `files` | the merged tree at a path, and one file's details |
//! | `layer` | one layer's entries, marked added/modified/removed |
//! | `analysis` | wasted bytes, efficiency, largest files, layer sharing |
//!
//! Names from a tar are untrusted: they are rendered as text only, control
//! characters escaped, and odd ones (`..`, absolute, not UTF-8) flagged,
//! never resolved. URLs come from `api`.

pub mod analysis;
pub mod extract;
pub mod files;
mod hints;
mod index_store;
pub mod layer;
pub mod opened;
pub mod session;
pub mod stream;
pub mod vlist;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared::merged::Oddities;

/// A name as the page shows it: control characters escaped (`\n`, `\u{1b}`).
pub fn shown(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The "odd name" marker, when a path has oddities.
pub fn odd_marker(oddities: Oddities, original: &str) -> Option<AnyView> {
    if oddities.is_empty() {
        return None;
    }
    let reasons: Vec<String> = oddities.iter().map(|o| o.to_string()).collect();
    let title = format!(
        "odd tar name ({}), shown as written, never resolved: {}",
        reasons.join(", "),
        shown(original)
    );
    Some(
        view! { <span class="badge badge-warn odd" data-test="odd-name" title=title>"⚠ " {reasons.join(", ")}</span> }
            .into_any(),
    )
}

/// A link inside the explorer. A plain click navigates with the URL exactly
/// as built (the router's own link handling would decode `%` escapes that
/// odd file names need).
#[component]
pub fn XLink(
    /// The URL (from `api`).
    href: String,
    /// The link's content.
    children: Children,
    /// Its class.
    #[prop(optional)]
    class: &'static str,
    /// Its `data-test` name.
    #[prop(optional)]
    test: &'static str,
) -> impl IntoView {
    let navigate = use_navigate();
    let target = href.clone();
    let click = move |ev: leptos::ev::MouseEvent| {
        if ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()) {
            ev.prevent_default();
            navigate(&target, NavigateOptions::default());
        }
    };
    view! { <a href=href class=class data-test=test on:click=click>{children()}</a> }
}
