//! strata's dashboard, a Leptos client-side app.
//!
//! - [`App`] holds the shell and the route table.
//! - `api` holds every URL and the one typed fetch function.
//! - `load` reads an image through `/v2` once per page (the image walk).
//! - `explorer` holds the layer explorer (`/i/{ref}/fs/…`, `/i/{ref}/layers/{n}`).
//! - `pull_progress` turns a pull's events into what its card shows.
//! - `pages/` holds one file per page (`/diff/{a}/{b}` in `pages/diff.rs`); `components/` the shared widgets.

mod api;
mod clock;
mod components;
mod explorer;
mod lazy;
mod load;
mod pages;
mod pull_progress;
mod signatures;
mod verify;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::shell::Shell;
use pages::{
    explorer::ImageRoutes, local_images::ImagesPage, not_found::NotFoundPage, pull::PullPage,
    search::SearchPage, sign_in::SignInPage,
};

/// The whole app: the shell around the routed page.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Shell>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=|| lazy::page(images_page()) />
                    <Route path=path!("/pull") view=|| lazy::page(pull_page()) />
                    <Route path=path!("/search") view=|| lazy::page(search_page()) />
                    <Route path=path!("/sign-in") view=SignInPage />
                    <Route path=path!("/cache") view=|| lazy::page(cache_page()) />
                    <Route path=path!("/i/*reference") view=ImageRoutes />
                    <Route path=path!("/diff/*images") view=|| lazy::page(diff_page()) />
                </Routes>
            </Shell>
        </Router>
    }
}

lazy::lazy_view! {
    /// `/`, fetched the first time it opens (a shared image link does not
    /// need the list of images).
    fn images_page() { view! { <ImagesPage /> } }
}

lazy::lazy_view! {
    /// `/pull`, fetched the first time it opens.
    fn pull_page() { view! { <PullPage /> } }
}

lazy::lazy_view! {
    /// `/search`, fetched the first time it opens.
    fn search_page() { view! { <SearchPage /> } }
}

lazy::lazy_view! {
    /// `/cache`, fetched the first time it opens.
    fn cache_page() { view! { <pages::cache::CachePage /> } }
}

lazy::lazy_view! {
    /// `/diff/{a}/{b}`, fetched the first time it opens.
    fn diff_page() { view! { <pages::diff::DiffPage /> } }
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
