//! `/pull`: pull an image with live progress.

use leptos::prelude::*;

/// The pull page.
#[component]
pub fn PullPage() -> impl IntoView {
    view! {
        <h1>"Pull"</h1>
        <p class="muted">"Pulling from the dashboard arrives with the pull API."</p>
    }
}
