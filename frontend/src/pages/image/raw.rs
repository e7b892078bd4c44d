//! The raw JSON panels of an image read through `/v2`: the index, the
//! manifest shown and its config, exactly as received, with every digest a
//! link. A split point of its own ([`raw_panels`]): the pretty-printer is
//! not needed to show the facts.

use std::sync::Arc;

use leptos::prelude::*;
use shared::digest::Digest;
use shared::image_view::JsonKind;

use super::remote::RemoteImage;
use crate::components::error::ErrorMessage;
use crate::components::raw_json::{DigestLinks, RawJson};
use crate::lazy;

lazy::lazy_view! {
    /// The raw JSON panels, fetched once the facts show.
    pub fn raw_panels(image: Arc<RemoteImage>) { panels(&image) }
}

/// The raw JSON panels: the index, the manifest shown, its config.
fn panels(image: &RemoteImage) -> AnyView {
    let source = format!("From /v2 for {}.", image.reference.familiar());
    let explorer = |digest: &Digest| {
        image
            .reference
            .name_only()
            .with_digest(digest.clone())
            .familiar()
    };
    let top_links = DigestLinks {
        repository: image.reference.clone(),
        explorer: explorer(&image.top.digest),
    };
    let index = image.index.as_ref().map(|_| {
        view! {
            <RawJson title="Index (raw JSON)" test="raw-index" bytes=image.top.bytes.clone()
                kind=JsonKind::Manifest links=top_links.clone() note=format!("{source} Digest {}.", image.top.digest) />
        }
    });
    let shown = match &image.shown {
        Ok(shown) => {
            let links = DigestLinks {
                repository: image.reference.clone(),
                explorer: explorer(&shown.manifest_doc.digest),
            };
            let config = match &shown.config_doc {
                Ok(doc) => view! {
                    <RawJson title="Config (raw JSON)" test="raw-config" bytes=doc.bytes.clone()
                        kind=JsonKind::Config links=links.clone() note=format!("{source} Digest {}.", doc.digest) />
                }
                .into_any(),
                Err(why) => view! { <ErrorMessage message=format!("Config: {why}") /> }.into_any(),
            };
            Some(view! {
                <RawJson title="Manifest (raw JSON)" test="raw-manifest" bytes=shown.manifest_doc.bytes.clone()
                    kind=JsonKind::Manifest links note=format!("{source} Digest {}.", shown.manifest_doc.digest) />
                {config}
            })
        }
        Err(_) => None,
    };
    view! { {index} {shown} }.into_any()
}
