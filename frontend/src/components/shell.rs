//! The frame around every page: header, navigation and sign-out, the
//! sign-in banner, and a footer with the server version.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::session::{SignInBanner, SignOutButton, session_resource};

/// The app shell: a header with the navigation, the page, and a footer.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let version = LocalResource::new(api::version);
    let session = session_resource();
    view! {
        <header class="shell-header">
            <a class="brand" href="/">"strata"</a>
            <nav aria-label="Main">
                <A href="/" exact=true>"Images"</A>
                <A href="/pull">"Pull"</A>
                <A href="/search">"Search"</A>
                <A href="/cache">"Cache"</A>
            </nav>
            <SignOutButton session />
        </header>
        <SignInBanner session />
        <main id="main">{children()}</main>
        <footer class="shell-footer">
            <Transition fallback=|| view! { <span>"connecting…"</span> }>
                {move || version.get().map(|v| match v {
                    Ok(v) => view! {
                        <span data-test="server-version">{format!("{} {}", v.name, v.version)}</span>
                    }.into_any(),
                    Err(e) => view! {
                        <span class="error" role="alert" data-test="server-error">{e.to_string()}</span>
                    }.into_any(),
                })}
            </Transition>
        </footer>
    }
}
