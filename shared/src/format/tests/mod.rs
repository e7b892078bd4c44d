//! Tests of the template engine as a whole and of its lexer and parser:
//! each case is what Go's `text/template`, with Docker's functions, prints
//! for the same template and data.

mod errors;
mod lexer;
mod parser;
mod templates;

use serde_json::{Value, json};

use super::{MissingKey, Template};

/// The row every case renders against.
pub(super) fn data() -> Value {
    json!({
        "ID": "0d34f8b9483d",
        "Repository": "deepone",
        "Tag": "latest",
        "Size": "279MB",
        "Count": 3,
        "Zero": 0,
        "Ratio": 1.5,
        "Big": 123456789.0,
        "Yes": true,
        "No": false,
        "Empty": "",
        "Null": null,
        "Tags": ["latest", "v1", "v1.2"],
        "Numbers": [3, 1, 2],
        "NoTags": [],
        "Labels": {"maintainer": "me", "version": "1.0", "empty": ""},
        "Config": {"Env": ["PATH=/usr/bin", "LANG=C"], "User": "", "Cmd": null, "Nested": {"Deep": "down"}},
        "Layers": [{"Digest": "sha256:aaa", "Size": 10}, {"Digest": "sha256:bbb", "Size": 20}],
        "Description": "Python is an interpreted, interactive language",
    })
}

/// Renders `template` against [`data`], missing keys being errors.
pub(super) fn render(template: &str) -> Result<String, String> {
    let template = Template::parse(template).map_err(|e| e.to_string())?;
    template
        .execute(&data(), MissingKey::Error)
        .map_err(|e| e.to_string())
}

/// Renders each template and compares, failing on any error.
pub(super) fn check(cases: &[(&str, &str)]) {
    for &(template, want) in cases {
        match render(template) {
            Ok(got) => assert_eq!(got, want, "template {template:?}"),
            Err(error) => panic!("template {template:?} failed: {error}"),
        }
    }
}
