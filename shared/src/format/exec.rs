//! Runs a parsed template against JSON data, as Go's `exec.go` does.

use std::fmt;

use serde_json::Value as Json;

use super::ast::{Arg, Branch, Command, Node, Number, Pipe, Template};
use super::error::{FormatError, line_and_column};
use super::funcs::{ArgValue, FuncSet, Param};
use super::value::{Val, as_int, go_type, is_true, print_value};

/// What a template does with a field the data does not have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// Fail with `map has no entry for key "Foo"`. Docker's list commands
    /// (`images`, `history`, `search`) render typed rows, so an unknown
    /// field is an error there; this is strata's default for rows.
    #[default]
    Error,
    /// Print `<no value>`, as `docker inspect --format` does: Docker falls
    /// back to the raw JSON map, where Go's default applies.
    NoValue,
}

/// Executes `template` against `data`, appending to `out`. On error, `out`
/// keeps what was written before it, as Go's writer does.
pub(crate) fn execute(
    template: &Template,
    data: &Json,
    set: FuncSet,
    missing: MissingKey,
    out: &mut String,
) -> Result<(), FormatError> {
    let mut state = State {
        template,
        set,
        missing,
        vars: vec![("$".to_owned(), Val::Ref(data))],
    };
    state
        .walk_list(&Val::Ref(data), &template.root, out)
        .map(drop)
}

/// How a list of nodes ended.
#[derive(Clone, Copy, PartialEq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(super) struct State<'t, 'd> {
    template: &'t Template,
    pub(super) set: FuncSet,
    missing: MissingKey,
    vars: Vec<(String, Val<'d>)>,
}

/// A `range` node as Go prints it in errors.
struct RangeNode<'a>(&'a Pipe);

impl fmt::Display for RangeNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{range {}}}}}", self.0)
    }
}

impl<'t, 'd> State<'t, 'd> {
    /// An execution error at `pos`, showing `node` cut to 20 characters.
    pub(super) fn error(
        &self,
        pos: usize,
        node: &dyn fmt::Display,
        message: impl Into<String>,
    ) -> FormatError {
        let (line, column) = line_and_column(&self.template.source, pos);
        let text = node.to_string();
        let context = if text.chars().count() > 20 {
            format!("{}...", text.chars().take(20).collect::<String>())
        } else {
            text
        };
        FormatError::Exec {
            line,
            column,
            context,
            message: message.into(),
        }
    }

    fn walk_list(
        &mut self,
        dot: &Val<'d>,
        nodes: &'t [Node],
        out: &mut String,
    ) -> Result<Flow, FormatError> {
        for node in nodes {
            let flow = match node {
                Node::Text(text) => {
                    out.push_str(text);
                    Flow::Normal
                }
                Node::Action(pipe) => {
                    let value = self.eval_pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        print_value(&value, out);
                    }
                    Flow::Normal
                }
                Node::If(branch) => self.walk_if_or_with(false, dot, branch, out)?,
                Node::With(branch) => self.walk_if_or_with(true, dot, branch, out)?,
                Node::Range(branch) => self.walk_range(dot, branch, out)?,
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(
        &mut self,
        with: bool,
        dot: &Val<'d>,
        branch: &'t Branch,
        out: &mut String,
    ) -> Result<Flow, FormatError> {
        let mark = self.vars.len();
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        let flow = if is_true(&value) {
            let inner = if with { &value } else { dot };
            self.walk_list(inner, &branch.list, out)?
        } else if let Some(else_list) = &branch.else_list {
            self.walk_list(dot, else_list, out)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(
        &mut self,
        dot: &Val<'d>,
        branch: &'t Branch,
        out: &mut String,
    ) -> Result<Flow, FormatError> {
        let mark = self.vars.len();
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        let body_mark = self.vars.len();
        let items: Vec<(Val<'d>, Val<'d>)> = match value.json() {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(items)) => (0..items.len())
                .filter_map(|i| {
                    Some((Val::int(i64::try_from(i).ok()?), value.child(|j| j.get(i))?))
                })
                .collect(),
            Some(Json::Object(map)) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter()
                    .filter_map(|key| {
                        Some((Val::string(key.clone()), value.child(|j| j.get(key))?))
                    })
                    .collect()
            }
            Some(json) if as_int(json).is_some() => (0..as_int(json).unwrap_or(0))
                .map(|i| (Val::int(i), Val::int(i)))
                .collect(),
            Some(json) => {
                let message = format!("range can't iterate over {}", super::value::go_string(json));
                return Err(self.error(branch.pos, &RangeNode(&branch.pipe), message));
            }
        };
        let decl = branch.pipe.decl.len();
        let ran = !items.is_empty();
        for (index, element) in items {
            if branch.pipe.is_assign {
                // `range $i, $e = …` assigns to variables declared earlier.
                let names = &branch.pipe.decl;
                let assigned = match names.as_slice() {
                    [only] => self.set_var(only, element.clone()),
                    [first, second, ..] => {
                        self.set_var(first, index) && self.set_var(second, element.clone())
                    }
                    [] => true,
                };
                if !assigned {
                    let message = format!("undefined variable: {}", names.join(", "));
                    return Err(self.error(branch.pos, &RangeNode(&branch.pipe), message));
                }
            } else {
                let top = self.vars.len();
                if decl > 0 {
                    self.vars[top - 1].1 = element.clone();
                }
                if decl > 1 {
                    self.vars[top - 2].1 = index;
                }
            }
            let flow = self.walk_list(&element, &branch.list, out)?;
            self.vars.truncate(body_mark);
            if flow == Flow::Break {
                break;
            }
        }
        if !ran && let Some(else_list) = &branch.else_list {
            let flow = self.walk_list(dot, else_list, out)?;
            self.vars.truncate(mark);
            return Ok(flow);
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    pub(super) fn eval_pipeline(
        &mut self,
        dot: &Val<'d>,
        pipe: &'t Pipe,
    ) -> Result<Val<'d>, FormatError> {
        let mut value: Option<Val<'d>> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        // Go digs an interface{} out of its box here, so a JSON null
        // becomes the invalid value.
        let value = match value {
            Some(v) if !matches!(v.json(), Some(Json::Null)) => v,
            _ => Val::Missing,
        };
        for name in &pipe.decl {
            if pipe.is_assign {
                if !self.set_var(name, value.clone()) {
                    return Err(self.error(pipe.pos, pipe, format!("undefined variable: {name}")));
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    /// Overwrites the innermost variable called `name`; false if none is.
    fn set_var(&mut self, name: &str, value: Val<'d>) -> bool {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                true
            }
            None => false,
        }
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> Result<(), FormatError> {
        if args.len() > 1 || has_final {
            let first = &args[0];
            return Err(self.error(
                first.pos(),
                first,
                format!("can't give argument to non-function {first}"),
            ));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Val<'d>,
        cmd: &'t Command,
        last: Option<Val<'d>>,
    ) -> Result<Val<'d>, FormatError> {
        let first = &cmd.args[0];
        let has_args = cmd.args.len() > 1 || last.is_some();
        match first {
            Arg::Field(_, names) => {
                return self.eval_field_chain(dot.clone(), first, names, has_args);
            }
            Arg::Chain(..) | Arg::Variable(..) => return self.eval_operand(dot, first, has_args),
            Arg::Ident(_, name) => {
                return self.eval_function(dot, first, name, &cmd.args[1..], last);
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, last.is_some())?;
                return self.eval_pipeline(dot, pipe);
            }
            _ => {}
        }
        self.not_a_function(&cmd.args, last.is_some())?;
        match first {
            Arg::Bool(_, b) => Ok(Val::bool(*b)),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(pos) => Err(self.error(*pos, first, "nil is not a command")),
            Arg::Number(pos, number) => self.ideal_constant(*pos, first, number),
            Arg::Str(_, value, _) => Ok(Val::string(value.clone())),
            _ => Err(self.error(
                first.pos(),
                first,
                format!("can't evaluate command {first}"),
            )),
        }
    }

    /// A number whose type comes from how it is written: `1.5` is a float,
    /// `3` an int.
    pub(super) fn ideal_constant(
        &self,
        pos: usize,
        node: &Arg,
        number: &Number,
    ) -> Result<Val<'d>, FormatError> {
        if number.is_float_syntax
            && let Some(float) = number.float.and_then(serde_json::Number::from_f64)
        {
            return Ok(Val::Owned(Json::Number(float)));
        }
        match number.int {
            Some(int) => Ok(Val::int(int)),
            None => Err(self.error(pos, node, format!("{} overflows int", number.text))),
        }
    }

    /// A variable, a chain `(…).Field`, or a field, with `has_args` saying
    /// whether arguments follow (an error for anything but a function).
    pub(super) fn eval_operand(
        &mut self,
        dot: &Val<'d>,
        node: &'t Arg,
        has_args: bool,
    ) -> Result<Val<'d>, FormatError> {
        match node {
            Arg::Field(_, names) => self.eval_field_chain(dot.clone(), node, names, has_args),
            Arg::Variable(pos, name, fields) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone());
                let Some(value) = value else {
                    return Err(self.error(*pos, node, format!("undefined variable: {name}")));
                };
                if fields.is_empty() {
                    if has_args {
                        return Err(self.error(
                            *pos,
                            node,
                            format!("can't give argument to non-function {node}"),
                        ));
                    }
                    return Ok(value);
                }
                self.eval_field_chain(value, node, fields, has_args)
            }
            Arg::Chain(pos, inner, fields) => {
                if matches!(**inner, Arg::Nil(_)) {
                    return Err(self.error(
                        *pos,
                        node,
                        format!("indirection through explicit nil in {node}"),
                    ));
                }
                let receiver = match self.eval_arg(dot, Param::Any, inner)? {
                    ArgValue::Any(value) => value,
                    _ => Val::Missing,
                };
                self.eval_field_chain(receiver, node, fields, has_args)
            }
            other => match self.eval_arg(dot, Param::Any, other)? {
                ArgValue::Any(value) => Ok(value),
                _ => Ok(Val::Missing),
            },
        }
    }

    fn eval_field_chain(
        &self,
        receiver: Val<'d>,
        node: &Arg,
        names: &[String],
        has_args: bool,
    ) -> Result<Val<'d>, FormatError> {
        let mut value = receiver;
        for (i, name) in names.iter().enumerate() {
            let last = i + 1 == names.len();
            value = self.eval_field(value, node, name, last && has_args)?;
        }
        Ok(value)
    }

    fn eval_field(
        &self,
        receiver: Val<'d>,
        node: &Arg,
        name: &str,
        has_args: bool,
    ) -> Result<Val<'d>, FormatError> {
        let pos = node.pos();
        match receiver.json() {
            None => {
                if self.missing == MissingKey::Error {
                    return Err(self.error(
                        pos,
                        node,
                        format!("nil data; no entry for key {name:?}"),
                    ));
                }
                Ok(Val::Missing)
            }
            Some(Json::Null) => Err(self.error(
                pos,
                node,
                format!("nil pointer evaluating interface {{}}.{name}"),
            )),
            Some(Json::Object(_)) => {
                if has_args {
                    return Err(self.error(
                        pos,
                        node,
                        format!("{name} is not a method but has arguments"),
                    ));
                }
                match receiver.child(|json| json.get(name)) {
                    Some(value) => Ok(value),
                    None if self.missing == MissingKey::Error => {
                        Err(self.error(pos, node, format!("map has no entry for key {name:?}")))
                    }
                    None => Ok(Val::Missing),
                }
            }
            Some(other) => Err(self.error(
                pos,
                node,
                format!("can't evaluate field {name} in type {}", go_type(other)),
            )),
        }
    }
}
