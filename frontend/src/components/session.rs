//! Sign-in in the shell: a banner with a "Sign in" link when the server
//! wants sign-in (it has a token and this browser has no session), and a
//! "Sign out" button when signed in. The session is asked for again
//! whenever the server refuses a request for want of sign-in.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::api::{SessionInfo, SessionState};

use crate::api::{self, ApiError};

/// The session as the shell knows it.
pub type SessionResource = LocalResource<Result<SessionInfo, ApiError>>;

/// Asks the server for the session now, and again after each refusal.
pub fn session_resource() -> SessionResource {
    let refusals = api::refusals();
    LocalResource::new(move || {
        refusals.track();
        api::session()
    })
}

/// Above the page: the way to the sign-in page, when it is needed.
#[component]
pub fn SignInBanner(session: SessionResource) -> impl IntoView {
    let location = use_location();
    let needed = move || {
        let on_sign_in_page = location.pathname.with(|p| p == api::SIGN_IN_PAGE);
        session
            .get()
            .and_then(Result::ok)
            .filter(|s| s.needs_sign_in() && !on_sign_in_page)
    };
    move || {
        needed().map(|s| {
            let why = if s.private {
                "This strata server is private: sign in to see its images."
            } else {
                "Sign in to pull, tag, pin or remove images."
            };
            view! {
                <p class="sign-in-banner" role="status" data-test="sign-in-banner">
                    {why} " "
                    <a href=api::SIGN_IN_PAGE data-test="sign-in-link">"Sign in"</a>
                </p>
            }
        })
    }
}

/// In the header: "Sign out" while signed in with a session.
#[component]
pub fn SignOutButton(session: SessionResource) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let signed_in = move || {
        session
            .get()
            .and_then(Result::ok)
            .is_some_and(|s| s.state == SessionState::SignedIn)
    };
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            match api::sign_out().await {
                Ok(_) => go_to(api::SIGN_IN_PAGE),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Show when=signed_in>
            <button type="button" class="sign-out" data-test="sign-out" on:click=sign_out
                title=move || error.get().unwrap_or_default()>
                "Sign out"
            </button>
        </Show>
    }
}

/// Loads `path` afresh, so nothing of the old session stays in memory.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(path);
    }
}
