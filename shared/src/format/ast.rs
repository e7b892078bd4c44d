//! The parsed template: Go's `parse.Node` types for the supported subset.
//!
//! Every node keeps the byte offset it started at, for error positions, and
//! prints back as Go prints it, for the `at <…>` part of execution errors.

use std::fmt;

/// A parsed template, ready to execute any number of times.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub(crate) source: String,
    pub(crate) root: Vec<Node>,
}

impl Template {
    /// The template text this was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// A statement in a list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// Text copied to the output.
    Text(String),
    /// `{{pipeline}}`: printed unless it declares variables.
    Action(Pipe),
    /// `{{if}}`.
    If(Branch),
    /// `{{with}}`.
    With(Branch),
    /// `{{range}}`.
    Range(Branch),
    /// `{{break}}` inside a range.
    Break,
    /// `{{continue}}` inside a range.
    Continue,
}

/// The parts shared by `if`, `with` and `range`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Branch {
    pub(crate) pos: usize,
    pub(crate) pipe: Pipe,
    pub(crate) list: Vec<Node>,
    pub(crate) else_list: Option<Vec<Node>>,
}

/// `$x := cmd | cmd`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipe {
    pub(crate) pos: usize,
    /// `=` rather than `:=`.
    pub(crate) is_assign: bool,
    /// Declared or assigned variables, with the `$`.
    pub(crate) decl: Vec<String>,
    pub(crate) cmds: Vec<Command>,
}

/// One stage of a pipeline: an operand or a function, then its arguments.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Command {
    pub(crate) args: Vec<Arg>,
}

/// A number literal, with the readings Go allows for it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Number {
    pub(crate) text: String,
    /// Its value when it is an integer (`3`, `0x1F`, `'a'`, also `3.0`).
    pub(crate) int: Option<i64>,
    /// Its value as a float, when it has one.
    pub(crate) float: Option<f64>,
    /// Written as a float (`1.5`, `1e3`): printed as a float.
    pub(crate) is_float_syntax: bool,
}

/// An operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    /// `.`
    Dot(usize),
    /// `nil`
    Nil(usize),
    /// `true`, `false`
    Bool(usize, bool),
    /// `3`, `1.5`, `'a'`
    Number(usize, Number),
    /// `"text"` or `` `text` ``: value, then the text as written.
    Str(usize, String, String),
    /// `.A.B`
    Field(usize, Vec<String>),
    /// `$x.A.B`: the variable (with `$`), then the fields.
    Variable(usize, String, Vec<String>),
    /// A function name.
    Ident(usize, String),
    /// `(pipeline)`
    Pipe(Box<Pipe>),
    /// `(pipeline).A.B`
    Chain(usize, Box<Arg>, Vec<String>),
}

impl Arg {
    /// Byte offset where the operand starts, as Go reports it.
    pub(crate) fn pos(&self) -> usize {
        match self {
            Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number(pos, _)
            | Arg::Str(pos, ..)
            | Arg::Field(pos, _)
            | Arg::Variable(pos, ..)
            | Arg::Ident(pos, _)
            | Arg::Chain(pos, ..) => *pos,
            Arg::Pipe(pipe) => pipe.pos,
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[String]) -> fmt::Result {
    fields.iter().try_for_each(|field| write!(f, ".{field}"))
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, value) => write!(f, "{value}"),
            Arg::Number(_, number) => f.write_str(&number.text),
            Arg::Str(_, _, quoted) => f.write_str(quoted),
            Arg::Field(_, fields) => write_fields(f, fields),
            Arg::Variable(_, name, fields) => {
                f.write_str(name)?;
                write_fields(f, fields)
            }
            Arg::Ident(_, name) => f.write_str(name),
            Arg::Pipe(pipe) => write!(f, "({pipe})"),
            Arg::Chain(_, node, fields) => {
                write!(f, "{node}")?;
                write_fields(f, fields)
            }
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{arg}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{Arg, Command, Pipe};

    #[test]
    fn nodes_print_like_go() {
        let field = Arg::Field(2, vec!["A".into(), "B".into()]);
        let var = Arg::Variable(0, "$x".into(), vec!["C".into()]);
        let inner = Pipe {
            pos: 3,
            is_assign: false,
            decl: vec![],
            cmds: vec![Command {
                args: vec![Arg::Ident(3, "upper".into()), Arg::Dot(9)],
            }],
        };
        let chain = Arg::Chain(
            2,
            Box::new(Arg::Pipe(Box::new(inner.clone()))),
            vec!["D".into()],
        );
        let pipe = Pipe {
            pos: 2,
            is_assign: false,
            decl: vec!["$y".into()],
            cmds: vec![
                Command {
                    args: vec![field.clone(), Arg::Str(0, "s".into(), "`s`".into())],
                },
                Command {
                    args: vec![
                        Arg::Ident(0, "printf".into()),
                        var.clone(),
                        Arg::Pipe(Box::new(inner)),
                    ],
                },
            ],
        };
        let cases = [
            (field.to_string(), ".A.B"),
            (var.to_string(), "$x.C"),
            (chain.to_string(), "(upper .).D"),
            (pipe.to_string(), "$y := .A.B `s` | printf $x.C (upper .)"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(chain.pos(), 2);
    }
}
