//! `/sign-in`: signs the browser in to a strata server that has a token.
//! `/sign-in?code=CODE` (the link `strata serve` prints) signs in at once;
//! otherwise the token can be pasted. Either way the server sets the
//! session cookie and the page goes on to the images.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::api::SignInRequest;

use crate::api;
use crate::components::error::ErrorMessage;
use crate::components::session::go_to;

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let code = use_query_map()
        .get_untracked()
        .get("code")
        .filter(|c| !c.trim().is_empty());
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let send = move |request: SignInRequest| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::sign_in(request).await {
                Ok(_) => go_to("/"),
                Err(e) => {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    let with_code = code.is_some();
    if let Some(code) = code {
        send(SignInRequest::Code(code));
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pasted = token.get_untracked().trim().to_owned();
        if pasted.is_empty() {
            error.set(Some(
                "paste the token strata serve was started with".to_owned(),
            ));
            return;
        }
        send(SignInRequest::Token(pasted));
    };

    view! {
        <h1>"Sign in"</h1>
        <section class="card sign-in" data-test="sign-in-page">
            <p>
                "This strata server has a token. Open the sign-in link " <code>"strata serve"</code>
                " printed when it started (it works once, for 15 minutes), or paste the token."
            </p>
            <Show when=move || with_code && busy.get()>
                <p class="muted" data-test="sign-in-busy">"Signing in with the link's code…"</p>
            </Show>
            <form on:submit=submit data-test="sign-in-form">
                <div class="field">
                    <label for="sign-in-token">"Token"</label>
                    <input id="sign-in-token" type="password" class="mono" autocomplete="current-password"
                        spellcheck="false" data-test="sign-in-token"
                        prop:value=move || token.get()
                        on:input=move |ev| token.set(event_target_value(&ev)) />
                </div>
                <button type="submit" class="primary" data-test="sign-in-submit" disabled=move || busy.get()>
                    "Sign in"
                </button>
            </form>
            {move || error.get().map(|e| view! { <ErrorMessage message=e /> })}
        </section>
    }
}
