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

#[cfg(test)]
mod tests {
    use super::ErrorMessage;
    use leptos::prelude::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn untrusted_text_stays_text() {
        let host = super::super::test_host();
        let handle = leptos::mount::mount_to(
            host.clone(),
            || view! { <ErrorMessage message="<script>alert(1)</script>" /> },
        );
        assert!(host.query_selector("script").expect("query").is_none());
        assert_eq!(
            host.text_content().as_deref(),
            Some("<script>alert(1)</script>")
        );
        drop(handle);
    }
}
