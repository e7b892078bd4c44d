//! The policy in the link: the form that sets it, and reading it back.
//!
//! The image page's query carries the policy ([`Policy::from_query`]):
//! `?key=` (URL-safe base64 of the DER public key), or `?identity=` /
//! `?identity-regexp=` with `?issuer=` / `?issuer-regexp=`. Applying the
//! form changes the address, so the link shared is the policy checked.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use shared::signature::{Matcher, Policy, PublicKey};

use crate::api;

/// The query parameters that carry a policy.
pub const POLICY_PARAMS: [&str; 5] = [
    "key",
    "identity",
    "identity-regexp",
    "issuer",
    "issuer-regexp",
];

/// The policy the page's address carries: `Ok(None)` when it names none.
pub fn policy_from_query() -> Memo<Result<Option<Policy>, String>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let pairs: Vec<(&str, String)> = POLICY_PARAMS
                .iter()
                .filter_map(|name| q.get(name).map(|v| (*name, v)))
                .collect();
            Policy::from_query(pairs.iter().map(|(k, v)| (*k, v.as_str())))
                .map_err(|e| e.to_string())
        })
    })
}

/// The address with `policy` in its query (other parameters kept).
fn address_with(
    path: &str,
    others: &[(String, String)],
    policy: &[(&'static str, String)],
) -> String {
    let mut pairs: Vec<String> = others
        .iter()
        .filter(|(k, _)| !POLICY_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", api::encode_query(k), api::encode_query(v)))
        .collect();
    pairs.extend(
        policy
            .iter()
            .map(|(k, v)| format!("{k}={}", api::encode_query(v))),
    );
    if pairs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// The form: a public key, or an identity and issuer.
#[component]
pub fn PolicyForm() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let navigate = use_navigate();
    let key_text = RwSignal::new(String::new());
    let identity = RwSignal::new(query.with_untracked(|q| {
        q.get("identity")
            .or_else(|| q.get("identity-regexp"))
            .unwrap_or_default()
    }));
    let issuer = RwSignal::new(query.with_untracked(|q| {
        q.get("issuer")
            .or_else(|| q.get("issuer-regexp"))
            .unwrap_or_default()
    }));
    let regexp = RwSignal::new(query.with_untracked(|q| q.get("identity-regexp").is_some()));
    let problem = RwSignal::new(None::<String>);
    let apply = move |policy: Option<Policy>| {
        let path = location.pathname.get_untracked();
        let others: Vec<(String, String)> = query.with_untracked(|q| {
            q.clone()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        });
        let pairs = policy.map(|p| p.to_query()).unwrap_or_default();
        navigate(
            &address_with(&path, &others, &pairs),
            NavigateOptions::default(),
        );
    };
    let apply_key = {
        let apply = apply.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match PublicKey::parse(key_text.get_untracked().trim().as_bytes()) {
                Ok(key) => {
                    problem.set(None);
                    apply(Some(Policy::Key(key)));
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
        }
    };
    let apply_identity = {
        let apply = apply.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let make = |v: String| {
                if regexp.get_untracked() {
                    Matcher::regexp(&v).map_err(|e| e.to_string())
                } else {
                    Ok(Matcher::exact(v))
                }
            };
            let (id, is) = (identity.get_untracked(), issuer.get_untracked());
            if id.trim().is_empty() || is.trim().is_empty() {
                problem.set(Some("give both the identity and the issuer".into()));
                return;
            }
            match (make(id), make(is)) {
                (Ok(identity), Ok(issuer)) => {
                    problem.set(None);
                    apply(Some(Policy::Identity { identity, issuer }));
                }
                (Err(e), _) | (_, Err(e)) => problem.set(Some(e)),
            }
        }
    };
    let clear = move |_| apply(None);
    view! {
        <details class="policy-form" data-test="policy-form">
            <summary>"Set what this link requires"</summary>
            <p class="muted small-text">"The policy becomes part of this page's address: whoever opens the link checks the same thing in their own browser."</p>
            <form on:submit=apply_key data-test="policy-key-form">
                <label>"Public key (PEM, as cosign.pub)"
                    <textarea rows="4" class="mono" data-test="policy-key"
                        prop:value=move || key_text.get()
                        on:input=move |ev| key_text.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" data-test="policy-key-apply">"Require this key"</button>
            </form>
            <form on:submit=apply_identity data-test="policy-identity-form">
                <label>"Certificate identity (email or URI)"
                    <input type="text" data-test="policy-identity" prop:value=move || identity.get()
                        on:input=move |ev| identity.set(event_target_value(&ev)) />
                </label>
                <label>"OIDC issuer"
                    <input type="text" data-test="policy-issuer" prop:value=move || issuer.get()
                        on:input=move |ev| issuer.set(event_target_value(&ev)) />
                </label>
                <label class="inline"><input type="checkbox" data-test="policy-regexp" prop:checked=move || regexp.get()
                    on:change=move |ev| regexp.set(event_target_checked(&ev)) />
                    " regular expressions (each must match the whole value)"</label>
                <button type="submit" data-test="policy-identity-apply">"Require this identity"</button>
            </form>
            <button type="button" on:click=clear data-test="policy-clear">"Remove the policy"</button>
            {move || problem.get().map(|p| view! { <p class="error" data-test="policy-problem">{p}</p> })}
        </details>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_policy_replaces_the_old_one_and_keeps_other_parameters() {
        let others = vec![
            ("platform".to_owned(), "linux/arm64".to_owned()),
            ("key".to_owned(), "old".to_owned()),
        ];
        let url = address_with(
            "/i/r.example%2Fapp",
            &others,
            &[
                ("identity", "a@b.c".into()),
                ("issuer", "https://i.example".into()),
            ],
        );
        assert_eq!(
            url,
            "/i/r.example%2Fapp?platform=linux%2Farm64&identity=a%40b.c&issuer=https%3A%2F%2Fi.example"
        );
        assert_eq!(address_with("/i/x", &[], &[]), "/i/x");
    }
}
