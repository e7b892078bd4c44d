//! Pages whose code is fetched when they first open.
//!
//! A [`lazy_view!`] function is a split point: at build time
//! `scripts/split_wasm.py` cuts the code only it reaches out of the first
//! download into a module of its own, and the first call fetches that
//! module. If the fetch fails (the server stopped, or was updated since the
//! tab opened and the old module is gone) the page says so and offers a
//! reload, instead of the whole app stopping.
//!
//! Unit tests (`cfg(test)`) are not split: there the function just renders.

use leptos::prelude::*;
use send_wrapper::SendWrapper;

pub use wasm_split_helpers::SplitLoaderError;

/// Declares `async fn NAME(args) -> Result<AnyView, SplitLoaderError>`
/// rendering BODY from a module of its own.
macro_rules! lazy_view {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        #[cfg(not(test))]
        #[wasm_split_helpers::wasm_split($name, fallible)]
        $vis fn $name($($arg: $ty),*) -> Result<AnyView, $crate::lazy::SplitLoaderError> {
            Ok($body.into_any())
        }

        $(#[$attr])*
        #[cfg(test)]
        $vis async fn $name($($arg: $ty),*) -> Result<AnyView, $crate::lazy::SplitLoaderError> {
            Ok($body.into_any())
        }
    };
}
pub(crate) use lazy_view;

/// Renders a lazily loaded page, or what to do when its code cannot be fetched.
pub fn page(loaded: impl Future<Output = Result<AnyView, SplitLoaderError>> + 'static) -> AnyView {
    // The browser is single-threaded; Suspend asks for Send.
    Suspend::new(SendWrapper::new(async move {
        loaded
            .await
            .unwrap_or_else(|_| view! { <LoadFailed /> }.into_any())
    }))
    .into_any()
}

/// The page's code could not be fetched.
#[component]
fn LoadFailed() -> impl IntoView {
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <section class="card" data-test="lazy-failed">
            <h1>"This page could not be loaded"</h1>
            <p class="error-box" role="alert">
                "Its code could not be fetched from the strata server. The server may have stopped, "
                "or been updated since this tab was opened."
            </p>
            <p>"Check that " <code>"strata serve"</code> " is running, then reload to get the current dashboard."</p>
            <button class="primary" type="button" on:click=reload>"Reload"</button>
        </section>
    }
}
