//! `/`: the local images.

use leptos::prelude::*;

/// The local images page.
#[component]
pub fn ImagesPage() -> impl IntoView {
    view! {
        <h1>"Images"</h1>
        <p class="muted">"Images in the local store appear here once the store lands (issue: store and pull)."</p>
    }
}
