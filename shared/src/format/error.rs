//! Errors from parsing and executing a `--format` template.
//!
//! Messages follow Go's `text/template` word for word where Go has a word
//! for it, so a Docker user recognises them:
//! `template: :1: function "foo" not defined`,
//! `template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"`.

use thiserror::Error;

/// Why a `--format` template could not be parsed or rendered.
///
/// Every variant is the user's input being wrong (or asking for something
/// strata does not do); the message says what and where.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FormatError {
    /// The template is not valid template syntax: an unclosed action, an
    /// `{{end}}` without a block, a bad number, a missing argument.
    #[error("template: :{line}: {message}")]
    Syntax {
        /// 1-based line of the template where parsing stopped.
        line: usize,
        /// Go's description of the problem, such as `unclosed action`.
        message: String,
    },
    /// The template calls a function that does not exist.
    #[error("template: :{line}: function \"{name}\" not defined")]
    UnknownFunction {
        /// 1-based line of the call.
        line: usize,
        /// The name as written.
        name: String,
    },
    /// The template uses Go template syntax that strata does not implement
    /// (`template`, `define`, `block`, or the `html`, `js`, `urlquery` and
    /// `call` functions).
    #[error(
        "template: :{line}:{column}: unsupported action {what}: strata's --format \
         supports if, else, range, with, break, continue, variables, pipelines \
         and the functions listed in its documentation"
    )]
    Unsupported {
        /// 1-based line.
        line: usize,
        /// 0-based byte column within the line, as Go counts it.
        column: usize,
        /// What was used, such as `{{template}}` or `function "html"`.
        what: String,
    },
    /// Rendering failed on a row: a missing field, an argument of the wrong
    /// type, an index out of range.
    #[error("template: :{line}:{column}: executing \"\" at <{context}>: {message}")]
    Exec {
        /// 1-based line of the failing expression.
        line: usize,
        /// 0-based byte column of the failing expression within its line.
        column: usize,
        /// The failing expression, cut to 20 characters like Go does.
        context: String,
        /// What went wrong, such as `map has no entry for key "Foo"`.
        message: String,
    },
}

/// 1-based line and 0-based byte column of `offset` in `source`, the way Go's
/// `ErrorContext` counts them.
pub(crate) fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = 1 + before.matches('\n').count();
    let column = before
        .rfind('\n')
        .map_or(offset, |newline| offset - newline - 1);
    (line, column)
}

/// 1-based line of `offset` in `source`.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    line_and_column(source, offset).0
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{FormatError, line_and_column};

    #[test]
    fn positions_count_like_go() {
        let cases: &[(&str, usize, (usize, usize))] = &[
            ("{{.Foo}}", 2, (1, 2)),
            ("a\n{{.Foo}}", 4, (2, 2)),
            ("a\nb\n{{.X}}", 4, (3, 0)),
            ("", 0, (1, 0)),
        ];
        for &(source, offset, want) in cases {
            assert_eq!(
                line_and_column(source, offset),
                want,
                "{source:?} at {offset}"
            );
        }
    }

    #[test]
    fn messages_read_like_go() {
        let cases = [
            (
                FormatError::Syntax {
                    line: 1,
                    message: "unclosed action".into(),
                },
                "template: :1: unclosed action",
            ),
            (
                FormatError::UnknownFunction {
                    line: 2,
                    name: "foo".into(),
                },
                "template: :2: function \"foo\" not defined",
            ),
            (
                FormatError::Exec {
                    line: 1,
                    column: 2,
                    context: ".Foo".into(),
                    message: "map has no entry for key \"Foo\"".into(),
                },
                "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
        let unsupported = FormatError::Unsupported {
            line: 1,
            column: 2,
            what: "{{template}}".into(),
        };
        assert!(
            unsupported
                .to_string()
                .starts_with("template: :1:2: unsupported action {{template}}")
        );
    }
}
