//! The registry client's referrers listing against a fixture server with
//! the OCI 1.1 referrers API, which no installable registry here has
//! (Debian's distribution is 2.8; its tag-schema fallback is tested
//! against it in `serve_referrers.rs`): the API's index is taken as it is,
//! and an answer that is not an index is refused.

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use strata::registry::{ReferrersSource, RegistryError};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod registry_client_support;

use registry_client_support::*;

const SUBJECT: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
const SIGNATURE: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn index() -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{SIGNATURE}","size":512,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}}]}}"#
    )
}

#[tokio::test]
async fn the_referrers_api_answer_is_the_list() {
    let router = open_v2().route(
        &format!("/v2/team/app/referrers/{SUBJECT}"),
        get(|| async {
            (
                [(
                    header::CONTENT_TYPE,
                    "application/vnd.oci.image.index.v1+json",
                )],
                index(),
            )
        }),
    );
    let addr = serve(router).await;
    let (_dir, client) = client_for(&addr.to_string(), None);
    let found = client
        .get_referrers(
            &reference(&format!("{addr}/team/app")),
            &SUBJECT.parse().expect("digest"),
        )
        .await
        .expect("referrers")
        .expect("some");
    assert_eq!(found.source, ReferrersSource::Api);
    assert_eq!(found.index.manifests.len(), 1);
    assert_eq!(found.index.manifests[0].digest.to_string(), SIGNATURE);
    assert_eq!(
        found.index.manifests[0]
            .artifact_type
            .as_ref()
            .map(|t| t.as_str().to_owned()),
        Some("application/vnd.dev.sigstore.bundle.v0.3+json".to_owned())
    );
}

#[tokio::test]
async fn neither_api_nor_tag_means_no_referrers_and_a_non_index_is_refused() {
    // No referrers route and no referrers tag: every path is a 404.
    let addr = serve(open_v2()).await;
    let (_dir, client) = client_for(&addr.to_string(), None);
    let subject = SUBJECT.parse().expect("digest");
    let none = client
        .get_referrers(&reference(&format!("{addr}/team/app")), &subject)
        .await
        .expect("no referrers is no error");
    assert!(none.is_none());

    let router = open_v2().route(
        &format!("/v2/team/app/referrers/{SUBJECT}"),
        get(|| async { (StatusCode::OK, "{\"not\":\"an index\"}").into_response() }),
    );
    let addr = serve(router).await;
    let (_dir, client) = client_for(&addr.to_string(), None);
    match client
        .get_referrers(&reference(&format!("{addr}/team/app")), &subject)
        .await
    {
        Err(RegistryError::InvalidResponse { message, .. }) => {
            assert!(message.contains("other than an image index"), "{message}");
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}
