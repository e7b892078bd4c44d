//! Builds the [`Template`] tree from tokens, as Go's `parse.go` does for the
//! supported subset, with Go's error messages.

use super::ast::{Arg, Branch, Command, Node, Number, Pipe, Template};
use super::error::{FormatError, line_and_column, line_of};
use super::funcs::{self, Known};
use super::lexer::{Keyword, Tok, Token, lex};

/// Parses template text (without Docker's `table` prefix).
pub(crate) fn parse(source: &str) -> Result<Template, FormatError> {
    let tokens = lex(source)?;
    let mut parser = Parser {
        src: source,
        tokens,
        index: 0,
        vars: vec!["$".to_owned()],
        range_depth: 0,
        depth: 0,
    };
    let mut root = Vec::new();
    while parser.peek().tok != Tok::Eof {
        match parser.text_or_action()? {
            Item::Node(node) => root.push(node),
            Item::End(pos) => return Err(parser.error(pos, "unexpected {{end}}")),
            Item::Else(pos) => return Err(parser.error(pos, "unexpected {{else}}")),
        }
    }
    Ok(Template {
        source: source.to_owned(),
        root,
    })
}

/// What a `{{…}}` or text run turned out to be.
enum Item {
    Node(Node),
    End(usize),
    Else(usize),
}

/// Where a pipeline stops.
#[derive(Clone, Copy, PartialEq)]
enum Close {
    Action,
    Paren,
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    index: usize,
    /// Variables in scope, innermost last.
    vars: Vec<String>,
    range_depth: usize,
    /// Pipelines and blocks being parsed, one inside the other.
    depth: usize,
}

/// How deep pipelines and blocks may nest. Parsing and execution recurse
/// once per level, and a browser's wasm stack is small; real templates
/// nest a handful of levels.
const MAX_DEPTH: usize = 50;

/// A token as Go's `item.String` shows it in "unexpected …" messages.
fn describe(tok: &Tok) -> String {
    let raw = match tok {
        Tok::Eof => return "EOF".to_owned(),
        Tok::Keyword(k) => return format!("<{}>", k.as_str()),
        Tok::Text(s) => s.clone(),
        Tok::LeftDelim => "{{".to_owned(),
        Tok::RightDelim => "}}".to_owned(),
        Tok::Space => " ".to_owned(),
        Tok::Dot => ".".to_owned(),
        Tok::Field(name) => format!(".{name}"),
        Tok::Variable(name) | Tok::Ident(name) => name.clone(),
        Tok::Bool(b) => b.to_string(),
        Tok::Nil => "nil".to_owned(),
        Tok::Number(text) | Tok::Char(_, text) | Tok::Str(_, text) => text.clone(),
        Tok::LeftParen => "(".to_owned(),
        Tok::RightParen => ")".to_owned(),
        Tok::Pipe => "|".to_owned(),
        Tok::Declare => ":=".to_owned(),
        Tok::Assign => "=".to_owned(),
        Tok::Other(c) => c.to_string(),
    };
    if raw.chars().count() > 10 {
        let cut: String = raw.chars().take(10).collect();
        format!("{cut:?}...")
    } else {
        format!("{raw:?}")
    }
}

impl Parser<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> FormatError {
        FormatError::Syntax {
            line: line_of(self.src, pos),
            message: message.into(),
        }
    }

    fn peek(&self) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[self.index.min(last)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.index < self.tokens.len() {
            self.index += 1;
        }
        token
    }

    fn backup(&mut self) {
        self.index -= 1;
    }

    fn skip_spaces(&mut self) {
        while self.peek().tok == Tok::Space {
            self.index += 1;
        }
    }

    fn next_non_space(&mut self) -> Token {
        self.skip_spaces();
        self.next()
    }

    fn peek_non_space(&mut self) -> &Token {
        self.skip_spaces();
        self.peek()
    }

    fn unexpected(&self, token: &Token, context: &str) -> FormatError {
        self.error(
            token.pos,
            format!("unexpected {} in {context}", describe(&token.tok)),
        )
    }

    fn expect_close(&mut self, context: &str) -> Result<(), FormatError> {
        let token = self.next_non_space();
        if token.tok == Tok::RightDelim {
            Ok(())
        } else {
            Err(self.unexpected(&token, context))
        }
    }

    /// One level deeper; an error past [`MAX_DEPTH`].
    fn enter(&mut self, pos: usize) -> Result<(), FormatError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(pos, "max expression depth exceeded"));
        }
        Ok(())
    }

    fn text_or_action(&mut self) -> Result<Item, FormatError> {
        let token = self.next_non_space();
        match token.tok {
            Tok::Text(text) => Ok(Item::Node(Node::Text(text))),
            Tok::LeftDelim => self.action(),
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    /// After `{{`: a control keyword or a pipeline to print.
    fn action(&mut self) -> Result<Item, FormatError> {
        let token = self.next_non_space();
        if let Tok::Keyword(keyword) = token.tok {
            return match keyword {
                Keyword::If => Ok(Item::Node(Node::If(self.control("if", token.pos)?))),
                Keyword::With => Ok(Item::Node(Node::With(self.control("with", token.pos)?))),
                Keyword::Range => Ok(Item::Node(Node::Range(self.control("range", token.pos)?))),
                Keyword::End => {
                    self.expect_close("end")?;
                    Ok(Item::End(token.pos))
                }
                Keyword::Else => {
                    // `{{else if …}}` and `{{else with …}}` leave the keyword
                    // for the enclosing block to pick up.
                    let peek = self.peek_non_space().tok.clone();
                    if !matches!(peek, Tok::Keyword(Keyword::If | Keyword::With)) {
                        self.expect_close("else")?;
                    }
                    Ok(Item::Else(token.pos))
                }
                Keyword::Break | Keyword::Continue => {
                    let name = keyword.as_str();
                    let close = self.next_non_space();
                    if close.tok != Tok::RightDelim {
                        return Err(self.unexpected(&close, &format!("{{{{{name}}}}}")));
                    }
                    if self.range_depth == 0 {
                        return Err(
                            self.error(token.pos, format!("{{{{{name}}}}} outside {{{{range}}}}"))
                        );
                    }
                    Ok(Item::Node(if keyword == Keyword::Break {
                        Node::Break
                    } else {
                        Node::Continue
                    }))
                }
                Keyword::Template | Keyword::Define | Keyword::Block => {
                    let (line, column) = line_and_column(self.src, token.pos);
                    Err(FormatError::Unsupported {
                        line,
                        column,
                        what: format!("{{{{{}}}}}", keyword.as_str()),
                    })
                }
            };
        }
        self.backup();
        Ok(Item::Node(Node::Action(
            self.pipeline("command", Close::Action)?,
        )))
    }

    /// `if`, `with` or `range` after its keyword, through its `{{end}}`.
    fn control(&mut self, context: &str, pos: usize) -> Result<Branch, FormatError> {
        self.enter(pos)?;
        let mark = self.vars.len();
        let pipe = self.pipeline(context, Close::Action)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match next {
            Item::End(_) => None,
            Item::Else(else_pos) => {
                let chained = match self.peek().tok {
                    Tok::Keyword(Keyword::If) if context == "if" => Some(("if", else_pos)),
                    Tok::Keyword(Keyword::With) if context == "with" => Some(("with", else_pos)),
                    _ => None,
                };
                if let Some((kind, at)) = chained {
                    self.next();
                    let inner = self.control(kind, at)?;
                    Some(vec![if kind == "if" {
                        Node::If(inner)
                    } else {
                        Node::With(inner)
                    }])
                } else {
                    let (else_list, end) = self.item_list()?;
                    match end {
                        Item::End(_) => Some(else_list),
                        Item::Else(at) => {
                            return Err(self.error(at, "expected end; found {{else}}"));
                        }
                        Item::Node(_) => None,
                    }
                }
            }
            Item::Node(_) => None,
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        Ok(Branch {
            pos,
            pipe,
            list,
            else_list,
        })
    }

    /// Nodes up to the next `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> Result<(Vec<Node>, Item), FormatError> {
        let mut list = Vec::new();
        loop {
            let token = self.peek_non_space();
            if token.tok == Tok::Eof {
                let pos = token.pos;
                return Err(self.error(pos, "unexpected EOF"));
            }
            match self.text_or_action()? {
                Item::Node(node) => list.push(node),
                end => return Ok((list, end)),
            }
        }
    }

    /// `[$x :=] command [| command]…` up to `}}` or `)`.
    fn pipeline(&mut self, context: &str, close: Close) -> Result<Pipe, FormatError> {
        let pos = self.peek_non_space().pos;
        self.enter(pos)?;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        self.declarations(context, &mut pipe)?;
        loop {
            let token = self.next_non_space();
            match token.tok {
                Tok::RightDelim if close == Close::Action => break,
                Tok::RightParen if close == Close::Paren => break,
                Tok::Bool(_)
                | Tok::Char(..)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Ident(_)
                | Tok::Number(_)
                | Tok::Nil
                | Tok::Str(..)
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.backup();
                    let command = self.command()?;
                    pipe.cmds.push(command);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
        if pipe.cmds.is_empty() {
            return Err(self.error(pos, format!("missing value for {context}")));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args[0],
                Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str(..)
            ) {
                return Err(self.error(
                    cmd.args[0].pos(),
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        self.depth -= 1;
        Ok(pipe)
    }

    /// `$x :=`, `$x =`, or in a range `$i, $e :=`.
    fn declarations(&mut self, context: &str, pipe: &mut Pipe) -> Result<(), FormatError> {
        loop {
            let start = self.index;
            let Tok::Variable(name) = self.peek_non_space().tok.clone() else {
                return Ok(());
            };
            self.next();
            let next = self.peek_non_space().clone();
            match next.tok {
                Tok::Declare | Tok::Assign => {
                    pipe.is_assign = next.tok == Tok::Assign;
                    self.next();
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    return Ok(());
                }
                Tok::Other(',') => {
                    self.next();
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().tok {
                            Tok::Variable(_) | Tok::RightDelim | Tok::RightParen => continue,
                            _ => {
                                return Err(
                                    self.error(next.pos, "range can only initialize variables")
                                );
                            }
                        }
                    }
                    return Err(self.error(next.pos, format!("too many declarations in {context}")));
                }
                _ => {
                    self.index = start;
                    return Ok(());
                }
            }
        }
    }

    /// Operands up to `|`, `}}` or `)`.
    fn command(&mut self) -> Result<Command, FormatError> {
        let start = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.skip_spaces();
            if let Some(operand) = self.operand()? {
                args.push(operand);
            }
            let token = self.next();
            match token.tok {
                Tok::Space => {}
                Tok::RightDelim | Tok::RightParen => {
                    self.backup();
                    break;
                }
                Tok::Pipe => break,
                _ => return Err(self.unexpected(&token, "operand")),
            }
        }
        if args.is_empty() {
            return Err(self.error(start, "empty command"));
        }
        Ok(Command { args })
    }

    /// A term, possibly followed by `.Field`s.
    fn operand(&mut self) -> Result<Option<Arg>, FormatError> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        let Tok::Field(_) = self.peek().tok else {
            return Ok(Some(term));
        };
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while let Tok::Field(name) = &self.peek().tok {
            fields.push(name.clone());
            self.next();
        }
        Ok(Some(match term {
            Arg::Field(_, mut names) => {
                names.extend(fields);
                Arg::Field(chain_pos, names)
            }
            Arg::Variable(_, name, mut names) => {
                names.extend(fields);
                Arg::Variable(chain_pos, name, names)
            }
            Arg::Bool(..) | Arg::Str(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.error(
                    chain_pos,
                    format!("unexpected . after term {:?}", term.to_string()),
                ));
            }
            other => Arg::Chain(chain_pos, Box::new(other), fields),
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>, FormatError> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.tok {
            Tok::Ident(name) => match funcs::lookup(&name) {
                Known::Yes => Arg::Ident(pos, name),
                Known::Unsupported => {
                    let (line, column) = line_and_column(self.src, pos);
                    return Err(FormatError::Unsupported {
                        line,
                        column,
                        what: format!("function {name:?}"),
                    });
                }
                Known::No => {
                    return Err(FormatError::UnknownFunction {
                        line: line_of(self.src, pos),
                        name,
                    });
                }
            },
            Tok::Dot => Arg::Dot(pos),
            Tok::Nil => Arg::Nil(pos),
            Tok::Variable(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.error(pos, format!("undefined variable {name:?}")));
                }
                Arg::Variable(pos, name, Vec::new())
            }
            Tok::Field(name) => Arg::Field(pos, vec![name]),
            Tok::Bool(value) => Arg::Bool(pos, value),
            Tok::Char(c, text) => {
                let code = i64::from(u32::from(c));
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "a code point fits a float exactly"
                )]
                let float = code as f64;
                Arg::Number(
                    pos,
                    Number {
                        text,
                        int: Some(code),
                        float: Some(float),
                        is_float_syntax: false,
                    },
                )
            }
            Tok::Number(text) => Arg::Number(pos, self.number(pos, text)?),
            Tok::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", Close::Paren)?,
            )),
            Tok::Str(value, quoted) => Arg::Str(pos, value, quoted),
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    /// Reads a number literal the way Go's `newNumber` does.
    fn number(&self, pos: usize, text: String) -> Result<Number, FormatError> {
        if text.ends_with('i') {
            let (line, column) = line_and_column(self.src, pos);
            return Err(FormatError::Unsupported {
                line,
                column,
                what: format!("complex number {text}"),
            });
        }
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let is_hex = clean
            .trim_start_matches(['+', '-'])
            .to_ascii_lowercase()
            .starts_with("0x");
        let is_float_syntax = !is_hex && clean.contains(['.', 'e', 'E', 'p', 'P']);
        if let Some(int) = parse_int(&clean) {
            #[expect(clippy::cast_precision_loss, reason = "Go converts the same way")]
            let float = int as f64;
            return Ok(Number {
                text,
                int: Some(int),
                float: Some(float),
                is_float_syntax,
            });
        }
        match clean.parse::<f64>() {
            Ok(float) if is_float_syntax => {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "only used when the float is integral"
                )]
                let truncated = float as i64;
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "checks that the round trip is exact"
                )]
                let int = (float.fract() == 0.0 && truncated as f64 == float).then_some(truncated);
                Ok(Number {
                    text,
                    int,
                    float: Some(float),
                    is_float_syntax,
                })
            }
            Ok(_) => Err(self.error(pos, format!("integer overflow: {text:?}"))),
            Err(_) => Err(self.error(pos, format!("illegal number syntax: {text:?}"))),
        }
    }
}

/// Go's `strconv.ParseInt(text, 0, 64)`: decimal, `0x`, `0o`, `0b`, or a
/// leading `0` for octal.
pub(super) fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}
