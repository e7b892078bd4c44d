//! Splits a template into text and action tokens, as Go's
//! `text/template/parse/lex.go` does.
//!
//! Text runs until `{{`. `{{- ` (a minus and a space, tab, CR or LF) trims
//! the white space before the action and ` -}}` the white space after it.
//! `{{/* … */}}` is a comment and produces nothing. Inside an action, spaces
//! and newlines separate tokens.

use super::error::{FormatError, line_of};

/// Words with a meaning of their own inside an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keyword {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "block" => Keyword::Block,
            "break" => Keyword::Break,
            "continue" => Keyword::Continue,
            "define" => Keyword::Define,
            "else" => Keyword::Else,
            "end" => Keyword::End,
            "if" => Keyword::If,
            "range" => Keyword::Range,
            "template" => Keyword::Template,
            "with" => Keyword::With,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyword::Block => "block",
            Keyword::Break => "break",
            Keyword::Continue => "continue",
            Keyword::Define => "define",
            Keyword::Else => "else",
            Keyword::End => "end",
            Keyword::If => "if",
            Keyword::Range => "range",
            Keyword::Template => "template",
            Keyword::With => "with",
        }
    }
}

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// Literal text outside actions, already trimmed.
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    /// `.` alone.
    Dot,
    /// `.Name`, without the dot.
    Field(String),
    /// `$name` or `$`, with the dollar.
    Variable(String),
    Ident(String),
    Keyword(Keyword),
    Bool(bool),
    Nil,
    /// A number as written.
    Number(String),
    /// A character constant `'x'`: the character and the text as written.
    Char(char, String),
    /// A string literal: unquoted value and the text as written.
    Str(String, String),
    LeftParen,
    RightParen,
    Pipe,
    Declare,
    Assign,
    /// Any other printable ASCII character, such as `,`.
    Other(char),
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `{{-` followed by white space.
fn has_left_trim_marker(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next() == Some('-') && chars.next().is_some_and(is_space)
}

/// White space followed by `-}}`.
fn has_right_trim(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next().is_some_and(is_space) && rest[1..].starts_with("-}}")
}

/// Tokenises the whole template.
pub(crate) fn lex(source: &str) -> Result<Vec<Token>, FormatError> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
        tokens: Vec::new(),
        paren_depth: 0,
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<Token>,
    paren_depth: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn emit(&mut self, tok: Tok, pos: usize) {
        self.tokens.push(Token { tok, pos });
    }

    fn error(&self, at: usize, message: impl Into<String>) -> FormatError {
        FormatError::Syntax {
            line: line_of(self.src, at),
            message: message.into(),
        }
    }

    fn run(&mut self) -> Result<(), FormatError> {
        loop {
            let start = self.pos;
            let Some(found) = self.rest().find(LEFT) else {
                if self.pos < self.src.len() {
                    self.emit(Tok::Text(self.rest().to_owned()), start);
                }
                self.emit(Tok::Eof, self.src.len());
                return Ok(());
            };
            let delim = start + found;
            let mut text = &self.src[start..delim];
            if has_left_trim_marker(&self.src[delim + LEFT.len()..]) {
                text = text.trim_end_matches(is_space);
            }
            if !text.is_empty() {
                self.emit(Tok::Text(text.to_owned()), start);
            }
            self.pos = delim;
            self.left_delim()?;
        }
    }

    /// At `{{`: a comment, or an action up to and including its `}}`.
    fn left_delim(&mut self) -> Result<(), FormatError> {
        let delim = self.pos;
        self.pos += LEFT.len();
        if has_left_trim_marker(self.rest()) {
            self.pos += 2;
        }
        if self.rest().starts_with("/*") {
            return self.comment(delim);
        }
        self.emit(Tok::LeftDelim, delim);
        self.paren_depth = 0;
        self.inside_action(delim)
    }

    fn comment(&mut self, start: usize) -> Result<(), FormatError> {
        let Some(end) = self.rest()[2..].find("*/") else {
            return Err(self.error(start, "unclosed comment"));
        };
        self.pos += 2 + end + 2;
        let trim = has_right_trim(self.rest());
        if trim {
            self.pos += 2;
        }
        if !self.rest().starts_with(RIGHT) {
            return Err(self.error(start, "comment ends before closing delimiter"));
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        Ok(())
    }

    fn skip_leading_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(is_space).len();
    }

    /// Lexes tokens until the closing `}}` (or ` -}}`).
    fn inside_action(&mut self, action_start: usize) -> Result<(), FormatError> {
        loop {
            let start = self.pos;
            let trim_close = has_right_trim(self.rest());
            if self.rest().starts_with(RIGHT) || trim_close {
                if self.paren_depth > 0 {
                    return Err(self.error(start, "unclosed left paren"));
                }
                if trim_close {
                    self.pos += 2;
                }
                self.emit(Tok::RightDelim, self.pos);
                self.pos += RIGHT.len();
                if trim_close {
                    self.skip_leading_space();
                }
                return Ok(());
            }
            let Some(c) = self.peek() else {
                return Err(self.error(action_start, "unclosed action"));
            };
            match c {
                c if is_space(c) => {
                    // Stop before a ` -}}` so it is seen as the closing trim.
                    while self.peek().is_some_and(is_space) && !has_right_trim(self.rest()) {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        continue;
                    }
                    self.emit(Tok::Space, start);
                }
                '=' => self.single(Tok::Assign),
                ':' => {
                    if !self.rest().starts_with(":=") {
                        return Err(self.error(start, "expected :="));
                    }
                    self.pos += 2;
                    self.emit(Tok::Declare, start);
                }
                '|' => self.single(Tok::Pipe),
                '"' => self.quote()?,
                '`' => self.raw_quote()?,
                '\'' => self.char_constant()?,
                '$' => {
                    self.pos += 1;
                    let name = self.word()?;
                    self.emit(Tok::Variable(format!("${name}")), start);
                }
                '.' if !self.rest()[1..].starts_with(|d: char| d.is_ascii_digit()) => {
                    self.pos += 1;
                    let name = self.word()?;
                    let tok = if name.is_empty() {
                        Tok::Dot
                    } else {
                        Tok::Field(name)
                    };
                    self.emit(tok, start);
                }
                '.' | '+' | '-' | '0'..='9' => self.number()?,
                c if is_alphanumeric(c) => {
                    let word = self.word()?;
                    let tok = match word.as_str() {
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        "nil" => Tok::Nil,
                        other => Keyword::from_word(other)
                            .map_or_else(|| Tok::Ident(word.clone()), Tok::Keyword),
                    };
                    self.emit(tok, start);
                }
                '(' => {
                    self.paren_depth += 1;
                    self.single(Tok::LeftParen);
                }
                ')' => {
                    if self.paren_depth == 0 {
                        return Err(self.error(start, "unexpected right paren"));
                    }
                    self.paren_depth -= 1;
                    self.single(Tok::RightParen);
                }
                c if c.is_ascii_graphic() => self.single(Tok::Other(c)),
                c => {
                    return Err(self.error(
                        start,
                        format!(
                            "unrecognized character in action: U+{:04X} {c:?}",
                            u32::from(c)
                        ),
                    ));
                }
            }
        }
    }

    fn single(&mut self, tok: Tok) {
        let start = self.pos;
        self.pos += 1;
        self.emit(tok, start);
    }

    /// Alphanumerics, which must end at a terminator (space, `.`, `,`, `|`,
    /// `:`, `(`, `)`, the closing delimiter or the end).
    fn word(&mut self) -> Result<String, FormatError> {
        let start = self.pos;
        let rest = self.rest();
        let len = rest.len() - rest.trim_start_matches(is_alphanumeric).len();
        self.pos += len;
        let terminated = match self.peek() {
            None => true,
            Some(c) => is_space(c) || ".,|:()".contains(c) || self.rest().starts_with(RIGHT),
        };
        if !terminated {
            let bad = self.peek().unwrap_or(' ');
            return Err(self.error(
                start,
                format!("bad character U+{:04X} {bad:?}", u32::from(bad)),
            ));
        }
        Ok(self.src[start..self.pos].to_owned())
    }

    fn number(&mut self) -> Result<(), FormatError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let accept = |pos: &mut usize, set: &str| -> bool {
            match bytes.get(*pos) {
                Some(&b) if set.as_bytes().contains(&b) => {
                    *pos += 1;
                    true
                }
                _ => false,
            }
        };
        let mut pos = self.pos;
        accept(&mut pos, "+-");
        let mut digits = "0123456789_";
        if accept(&mut pos, "0") {
            if accept(&mut pos, "xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if accept(&mut pos, "oO") {
                digits = "01234567_";
            } else if accept(&mut pos, "bB") {
                digits = "01_";
            }
        }
        while accept(&mut pos, digits) {}
        if accept(&mut pos, ".") {
            while accept(&mut pos, digits) {}
        }
        if digits.len() == 11 && accept(&mut pos, "eE") {
            accept(&mut pos, "+-");
            while accept(&mut pos, "0123456789_") {}
        }
        accept(&mut pos, "i");
        self.pos = pos;
        if self.peek().is_some_and(is_alphanumeric) {
            let end = self.pos + self.peek().map_or(0, char::len_utf8);
            return Err(self.error(
                start,
                format!("bad number syntax: {:?}", &self.src[start..end]),
            ));
        }
        self.emit(Tok::Number(self.src[start..self.pos].to_owned()), start);
        Ok(())
    }

    fn quote(&mut self) -> Result<(), FormatError> {
        let start = self.pos;
        let mut chars = self.rest().char_indices().skip(1);
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\n')) | None => {
                        return Err(self.error(start, "unterminated quoted string"));
                    }
                    Some(_) => {}
                },
                Some((_, '\n')) | None => {
                    return Err(self.error(start, "unterminated quoted string"));
                }
                Some((i, '"')) => break start + i + 1,
                Some(_) => {}
            }
        };
        let quoted = &self.src[start..end];
        let value = unquote(&quoted[1..quoted.len() - 1], '"')
            .map_err(|()| self.error(start, format!("invalid syntax: {quoted}")))?;
        self.pos = end;
        self.emit(Tok::Str(value, quoted.to_owned()), start);
        Ok(())
    }

    fn raw_quote(&mut self) -> Result<(), FormatError> {
        let start = self.pos;
        let Some(len) = self.rest()[1..].find('`') else {
            return Err(self.error(start, "unterminated raw quoted string"));
        };
        let end = start + 1 + len + 1;
        let quoted = &self.src[start..end];
        self.pos = end;
        self.emit(
            Tok::Str(quoted[1..quoted.len() - 1].to_owned(), quoted.to_owned()),
            start,
        );
        Ok(())
    }

    fn char_constant(&mut self) -> Result<(), FormatError> {
        let start = self.pos;
        let mut chars = self.rest().char_indices().skip(1);
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\n')) | None => {
                        return Err(self.error(start, "unterminated character constant"));
                    }
                    Some(_) => {}
                },
                Some((_, '\n')) | None => {
                    return Err(self.error(start, "unterminated character constant"));
                }
                Some((i, '\'')) => break start + i + 1,
                Some(_) => {}
            }
        };
        let quoted = &self.src[start..end];
        let value = unquote(&quoted[1..quoted.len() - 1], '\'')
            .ok()
            .and_then(|v| {
                let mut cs = v.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => Some(c),
                    _ => None,
                }
            })
            .ok_or_else(|| self.error(start, format!("malformed character constant: {quoted}")))?;
        self.pos = end;
        self.emit(Tok::Char(value, quoted.to_owned()), start);
        Ok(())
    }
}

/// Go's `strconv.Unquote` for the inside of a `"…"` or `'…'` literal.
fn unquote(inner: &str, quote: char) -> Result<String, ()> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().ok_or(())?;
        let simple = match escaped {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            c if c == quote => Some(c),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let (digits, radix) = match escaped {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => (2, 8),
            _ => return Err(()),
        };
        let mut value = if radix == 8 {
            escaped.to_digit(8).ok_or(())?
        } else {
            0
        };
        for _ in 0..digits {
            let digit = chars.next().and_then(|d| d.to_digit(radix)).ok_or(())?;
            value = value
                .checked_mul(radix)
                .and_then(|v| v.checked_add(digit))
                .ok_or(())?;
        }
        // \x and octal escapes are bytes; strings here are UTF-8, so only
        // ASCII bytes are accepted.
        if matches!(escaped, 'x' | '0'..='7') && value > 0x7f {
            return Err(());
        }
        out.push(char::from_u32(value).ok_or(())?);
    }
    Ok(out)
}
