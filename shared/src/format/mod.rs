//! `--format`: Go `text/template` rendering as `docker images`, `history`,
//! `search` and `inspect` use it, written once for the CLI and the browser.
//!
//! ```
//! use shared::format::{Format, HeaderMap, render_rows};
//! let rows = [serde_json::json!({"Repository": "redis", "Tag": "latest", "Size": "104MB"})];
//! let format = Format::parse("table {{.Repository}}\\t{{.Size}}").unwrap();
//! assert_eq!(
//!     render_rows(&format, &HeaderMap::images(), &rows).unwrap(),
//!     "REPOSITORY   SIZE\nredis        104MB\n",
//! );
//! ```
//!
//! # Docker's conventions ([`Format::parse`])
//! - `json` alone prints each row as one line of JSON.
//! - `table TEMPLATE` prints a header row (the template rendered against a
//!   [`HeaderMap`], field name to column title), then the rows, aligned like
//!   Go's tabwriter with Docker's settings ([`align_columns`]).
//! - Anything else is rendered once per row, each followed by a newline.
//! - `\t` and `\n` written as two characters become a tab and a newline;
//!   spaces around the template are trimmed.
//!
//! # Template grammar (the supported subset of Go's `text/template`)
//! ```text
//! template := (text | "{{" ["- "] action [" -"] "}}" | "{{/*" comment "*/}}")*
//! action   := pipeline
//!           | "if" pipeline "}}" list ("{{else if" pipeline "}}" list)* ["{{else}}" list] "{{end"
//!           | "with" pipeline "}}" list ["{{else with" pipeline "}}" list] ["{{else}}" list] "{{end"
//!           | "range" pipeline "}}" list ["{{else}}" list] "{{end"
//!           | "break" | "continue"                       (inside range)
//! pipeline := [vars (":=" | "=")] command ("|" command)*
//! vars     := $name | $index "," $element               (two only in range)
//! command  := operand operand*                          (a function and its arguments)
//! operand  := "." | .Field.Chain | $var.Field | $ | "(" pipeline ")"[.Field]
//!           | "string" | `raw string` | 'c' | number | true | false | nil | function
//! ```
//! `{{- ` trims white space before the action and ` -}}` after it. A
//! pipeline's value is passed as the last argument of the next command.
//! `if` and `with` take the branch when the value is not empty: not nil,
//! false, 0, "", or an empty list or map. `with` and `range` set `.`. Range
//! goes over lists, over maps in key order, and over a count `n` (0 to
//! n-1); nil ranges zero times, and then `{{else}}` runs. A variable lasts
//! until the `{{end}}` of the block that declared it; `$` is the row.
//! Pipelines and blocks nest at most 50 deep.
//!
//! Functions: Docker's `json split join title lower upper pad truncate`,
//! and Go's `print printf println len index slice not and or eq ne lt le gt
//! ge` (see the table in `funcs.rs`). Anything else Go has (`template`,
//! `define`, `block`, `html`, `js`, `urlquery`, `call`, complex numbers) is
//! refused at parse time with [`FormatError::Unsupported`], naming it and
//! its position.
//!
//! # Data and printing
//! Rows are `serde_json::Value`s: the caller serialises its row or inspect
//! object. JSON objects are Go maps, so `.Field` reads a key. Go's printing
//! applies: lists print as `[a b]`, maps as `map[k:v k2:v2]` with sorted
//! keys, integers in decimal, other numbers as Go's `%v` (`1.5`, `1e+21`),
//! and nil as `<no value>`.
//!
//! A field the data does not have is an error in rows
//! (`template: :1:2: executing "" at <.Foo>: map has no entry for key
//! "Foo"`), as it is with Docker's typed rows, and `<no value>` in the
//! header row and with [`MissingKey::NoValue`], which is how `docker
//! inspect --format` behaves. Error messages are Go's, with `line:column`.
//!
//! # Why not the gotmpl crate
//! `gotmpl` 0.6 (a Rust port of `text/template`) was run against the cases
//! in `format/tests` with Docker's functions added. It renders most
//! templates the same, but none of the 41 execution errors reads like Go's:
//! it drops the `template: :LINE:COL: executing "" at <NODE>:` prefix and
//! words them its own way (`{{.Foo}}` gives `map has no entry for key: Foo`
//! where Go says `template: :1:2: executing "" at <.Foo>: map has no entry
//! for key "Foo"`; types are `list` and `uint` rather than `[]string` and
//! `int`). It also differs on success: `{{.Config.Cmd.Foo}}` (a field of
//! nil) prints `<no value>` where Go fails, `{{index .}}` is refused where
//! Go returns the value, and the float 123456789 prints as `123456789`
//! where Go prints `1.23456789e+08`. So the engine here stays.

mod ast;
mod builtins;
mod call;
mod docker;
mod error;
mod exec;
mod funcs;
pub(crate) mod gofloat;
mod lexer;
mod parser;
mod printf;
mod tabwriter;
mod value;

#[cfg(test)]
mod tests;

pub use ast::Template;
pub use docker::{Format, HeaderMap, defaults, render_rows};
pub use error::FormatError;
pub use exec::MissingKey;
pub use tabwriter::{TabSettings, align_columns, align_columns_with};
