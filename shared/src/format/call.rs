//! Function calls: Go's `evalCall`, `evalArg` and `validateType`. Each
//! argument is checked against the function's Go signature: literals by
//! their syntax (`expected integer; found "x"`), computed values by their
//! type (`wrong type for value; expected string; got int`).

use std::fmt;

use serde_json::Value as Json;

use super::ast::Arg;
use super::error::FormatError;
use super::exec::State;
use super::funcs::{self, ArgValue, Param};
use super::value::{Val, as_int, go_type, is_true};

/// A function call as Go prints it in `error calling` messages.
struct CallNode<'a>(&'a Arg, &'a [Arg]);

impl fmt::Display for CallNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        self.1.iter().try_for_each(|arg| write!(f, " {arg}"))
    }
}

impl<'t, 'd> State<'t, 'd> {
    /// Calls `name` with `args`, and the previous pipeline stage's value
    /// `last` as its final argument.
    pub(super) fn eval_function(
        &mut self,
        dot: &Val<'d>,
        ident: &'t Arg,
        name: &str,
        args: &'t [Arg],
        last: Option<Val<'d>>,
    ) -> Result<Val<'d>, FormatError> {
        let pos = ident.pos();
        let Some(signature) = funcs::signature(name, self.set) else {
            return Err(self.error(pos, ident, format!("{name:?} is not a defined function")));
        };
        let fixed = signature.fixed.len();
        let count = args.len() + usize::from(last.is_some());
        if signature.variadic.is_some() {
            if count < fixed {
                let message = format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    args.len()
                );
                return Err(self.error(pos, ident, message));
            }
        } else if count != fixed {
            return Err(self.error(
                pos,
                ident,
                format!("wrong number of args for {name}: want {fixed} got {count}"),
            ));
        }
        let param = |i: usize| {
            signature
                .fixed
                .get(i)
                .copied()
                .or(signature.variadic)
                .unwrap_or(Param::Any)
        };
        if name == "and" || name == "or" {
            // Short-circuit: stop at the first false (and) or true (or).
            let mut value = Val::Missing;
            for arg in args {
                value = match self.eval_arg(dot, Param::Any, arg)? {
                    ArgValue::Any(v) => v,
                    _ => Val::Missing,
                };
                if is_true(&value) == (name == "or") {
                    return Ok(value);
                }
            }
            return Ok(last.unwrap_or(value));
        }
        let mut values = Vec::with_capacity(count);
        for (i, arg) in args.iter().enumerate() {
            values.push(self.eval_arg(dot, param(i), arg)?);
        }
        if let Some(last) = last {
            values.push(self.validate(last, param(args.len()), pos, ident)?);
        }
        funcs::call(name, self.set, values).map_err(|e| {
            self.error(
                pos,
                &CallNode(ident, args),
                format!("error calling {name}: {e}"),
            )
        })
    }

    /// Evaluates an argument for a parameter of type `param`, as Go's
    /// `evalArg`: computed values are checked by type, literals by syntax.
    pub(super) fn eval_arg(
        &mut self,
        dot: &Val<'d>,
        param: Param,
        arg: &'t Arg,
    ) -> Result<ArgValue<'d>, FormatError> {
        let pos = arg.pos();
        let value = match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return match param {
                    Param::Any => Ok(ArgValue::Any(Val::Owned(Json::Null))),
                    Param::StrList => Ok(ArgValue::StrList(Vec::new())),
                    _ => Err(self.error(
                        pos,
                        arg,
                        format!("cannot assign nil to {}", param.go_name()),
                    )),
                };
            }
            Arg::Field(..) | Arg::Variable(..) | Arg::Chain(..) => {
                self.eval_operand(dot, arg, false)?
            }
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            Arg::Ident(_, name) => self.eval_function(dot, arg, name, &[], None)?,
            Arg::Str(_, value, _) => match param {
                Param::Str => return Ok(ArgValue::Str(value.clone())),
                Param::Any => Val::string(value.clone()),
                _ => return Err(self.literal_mismatch(param, arg)),
            },
            Arg::Number(_, number) => match param {
                Param::Int => {
                    return number
                        .int
                        .map(ArgValue::Int)
                        .ok_or_else(|| self.literal_mismatch(param, arg));
                }
                Param::Any => self.ideal_constant(pos, arg, number)?,
                _ => return Err(self.literal_mismatch(param, arg)),
            },
            Arg::Bool(_, b) => match param {
                Param::Any => Val::bool(*b),
                _ => return Err(self.literal_mismatch(param, arg)),
            },
        };
        self.validate(value, param, pos, arg)
    }

    fn literal_mismatch(&self, param: Param, arg: &Arg) -> FormatError {
        let message = match param {
            Param::Str => format!("expected string; found {arg}"),
            Param::Int => format!("expected integer; found {arg}"),
            Param::Any | Param::StrList => {
                format!("can't handle {arg} for arg of type {}", param.go_name())
            }
        };
        self.error(arg.pos(), arg, message)
    }

    /// Go's `validateType`: a computed value must have the parameter's type.
    fn validate(
        &self,
        value: Val<'d>,
        param: Param,
        pos: usize,
        node: &Arg,
    ) -> Result<ArgValue<'d>, FormatError> {
        let wrong = |json: &Json| {
            let message = format!(
                "wrong type for value; expected {}; got {}",
                param.go_name(),
                go_type(json)
            );
            self.error(pos, node, message)
        };
        let invalid = || {
            self.error(
                pos,
                node,
                format!("invalid value; expected {}", param.go_name()),
            )
        };
        match param {
            Param::Any => Ok(ArgValue::Any(value)),
            Param::Str => match value.json() {
                Some(Json::String(s)) => Ok(ArgValue::Str(s.clone())),
                Some(json) => Err(wrong(json)),
                None => Err(invalid()),
            },
            Param::Int => match value.json() {
                Some(json) => as_int(json).map(ArgValue::Int).ok_or_else(|| wrong(json)),
                None => Err(invalid()),
            },
            Param::StrList => match value.json() {
                None => Ok(ArgValue::StrList(Vec::new())),
                Some(Json::Array(items)) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(ArgValue::StrList)
                    .ok_or_else(|| {
                        self.error(
                            pos,
                            node,
                            "wrong type for value; expected []string; got []interface {}",
                        )
                    }),
                Some(json) => Err(wrong(json)),
            },
        }
    }
}
