//! `/search`: search Docker Hub and registry catalogs.

use leptos::prelude::*;

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <h1>"Search"</h1>
        <p class="muted">"Searching arrives with the search API."</p>
    }
}
