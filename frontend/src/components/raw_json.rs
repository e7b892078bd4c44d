//! A manifest, index or config as raw JSON: pretty-printed from the exact
//! bytes fetched, every digest a link. Built from text nodes and anchors
//! only, so a document's strings can never become markup.

use leptos::prelude::*;
use shared::digest::Digest;
use shared::image_view::{DigestRole, JsonKind, JsonPiece, pretty};
use shared::reference::Reference;

use crate::api;

/// Where the digests of one image's documents lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLinks {
    /// The repository that serves the image (its `/v2` path).
    pub repository: Reference,
    /// The reference the explorer's layer links use (pinned to the manifest).
    pub explorer: String,
}

impl DigestLinks {
    /// The link of `digest` found as `role`, and whether it leaves the app
    /// (a raw blob, which the router must not handle).
    pub fn href(&self, digest: &Digest, role: DigestRole) -> (String, bool) {
        match role {
            DigestRole::Config => (api::v2_blob_url(&self.repository, digest), true),
            DigestRole::Layer(n) | DigestRole::DiffId(n) => {
                (api::layer_page(&self.explorer, n), false)
            }
            DigestRole::Manifest | DigestRole::Other => {
                let pinned = self.repository.name_only().with_digest(digest.clone());
                (api::image_page(&pinned.familiar()), false)
            }
        }
    }
}

fn role_name(role: DigestRole) -> &'static str {
    match role {
        DigestRole::Manifest => "manifest",
        DigestRole::Config => "config",
        DigestRole::Layer(_) => "layer",
        DigestRole::DiffId(_) => "diff-id",
        DigestRole::Other => "other",
    }
}

/// One document as a card with its JSON.
#[component]
pub fn RawJson(
    /// The card's heading.
    #[prop(into)]
    title: String,
    /// The `data-test` name of the card.
    #[prop(into)]
    test: String,
    /// The bytes, exactly as received.
    bytes: Vec<u8>,
    /// What the document is.
    kind: JsonKind,
    /// Where its digests lead.
    links: DigestLinks,
    /// A note under the heading (where the bytes came from).
    #[prop(into, optional)]
    note: String,
) -> impl IntoView {
    let size = bytes.len();
    let body = match pretty(&bytes, kind) {
        Ok(pieces) => {
            let nodes = pieces
                .into_iter()
                .map(|piece| match piece {
                    JsonPiece::Text(text) => text.into_any(),
                    JsonPiece::Digest { digest, role } => {
                        let (href, external) = links.href(&digest, role);
                        view! {
                            <a href=href rel=external.then_some("external") data-test="json-digest"
                                data-role=role_name(role)>{digest.to_string()}</a>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! { <pre class="raw-json" tabindex="0" data-test="raw-json-text">{nodes}</pre> }
                .into_any()
        }
        Err(e) => {
            view! { <p class="error">{format!("Cannot show these {size} bytes as JSON: {e}")}</p> }
                .into_any()
        }
    };
    view! {
        <section class="card" data-test=test>
            <h2>{title}</h2>
            <p class="muted small-text wrap">{note} {format!(" {size} bytes, re-indented; digests are links.")}</p>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{DigestLinks, RawJson};
    use leptos::prelude::*;
    use shared::image_view::JsonKind;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn mount(bytes: Vec<u8>, kind: JsonKind) -> (web_sys::HtmlElement, impl Sized) {
        let host = super::super::test_host();
        let links = DigestLinks {
            repository: "127.0.0.1:5000/team/app:v1".parse().expect("reference"),
            explorer: format!("127.0.0.1:5000/team/app@sha256:{}", "f".repeat(64)),
        };
        let handle = leptos::mount::mount_to(host.clone(), move || {
            view! { <RawJson title="Manifest" test="raw" bytes kind links /> }
        });
        (host, handle)
    }

    fn anchors(host: &web_sys::HtmlElement) -> Vec<(String, String, Option<String>)> {
        // The digest links are sibling anchors in the one <pre>.
        (1..)
            .map_while(|i| {
                host.query_selector(&format!("pre > a:nth-of-type({i})"))
                    .expect("query")
            })
            .map(|a| {
                (
                    a.get_attribute("href").unwrap_or_default(),
                    a.text_content().unwrap_or_default(),
                    a.get_attribute("rel"),
                )
            })
            .collect()
    }

    #[test]
    fn digests_are_links_and_strings_stay_text() {
        let (a, b) = (
            format!("sha256:{}", "a".repeat(64)),
            format!("sha256:{}", "b".repeat(64)),
        );
        let json = format!(
            r#"{{"config":{{"digest":"{a}"}},"layers":[{{"digest":"{b}"}}],"annotations":{{"x":"<script>alert(1)</script>"}}}}"#
        );
        let (host, handle) = mount(json.into_bytes(), JsonKind::Manifest);
        assert!(host.query_selector("script").expect("query").is_none());
        let text = host.text_content().unwrap_or_default();
        assert!(
            text.contains("\"x\": \"<script>alert(1)</script>\""),
            "{text}"
        );
        let f = "f".repeat(64);
        assert_eq!(
            anchors(&host),
            [
                (
                    format!("/v2/127.0.0.1_5000/team/app/blobs/{a}"),
                    a.clone(),
                    Some("external".to_owned())
                ),
                (
                    format!("/i/127.0.0.1:5000/team/app@sha256:{f}/layers/0"),
                    b.clone(),
                    None
                ),
            ]
        );
        drop(handle);
    }

    #[test]
    fn index_entries_link_to_their_pages_and_bad_bytes_say_so() {
        let a = format!("sha256:{}", "a".repeat(64));
        let json = format!(r#"{{"manifests":[{{"digest":"{a}"}}]}}"#);
        let (host, handle) = mount(json.into_bytes(), JsonKind::Manifest);
        assert_eq!(
            anchors(&host),
            [(format!("/i/127.0.0.1:5000/team/app@{a}"), a.clone(), None)]
        );
        drop(handle);
        let (host, handle) = mount(b"<html>".to_vec(), JsonKind::Config);
        let text = host.text_content().unwrap_or_default();
        assert!(text.contains("Cannot show these 6 bytes as JSON"), "{text}");
        drop(handle);
    }
}
