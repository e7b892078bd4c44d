//! How every failure is shown: what happened, in the server's words.

use leptos::prelude::*;

/// One error message, announced to screen readers.
#[component]
pub fn ErrorMessage(
    /// What went wrong.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! { <p class="error-box" role="alert" data-test="error">{message}</p> }
}

/// The fallback of an `<ErrorBoundary>`: every error it caught.
pub fn error_list(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error-list">
            {move || errors.get().into_iter().map(|(_, e)| view! { <ErrorMessage message=e.to_string() /> }).collect_view()}
        </div>
    }
}
