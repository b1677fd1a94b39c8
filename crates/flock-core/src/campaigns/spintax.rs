//! Spintax: `{Hello|Hi|Vanakkam}` picks one option per target. Groups nest
//! (`{Hi|Hello {there|friend}}`); each target's choice is a pure function of
//! its seed (see [`super::seed::target_seed`]), so a retry renders the same text.
//!
//! How it lives beside minijinja (the template language of the same text):
//! - `{{`, `{%` and `{#` always open a template tag, never a spintax group; the
//!   tag is copied verbatim up to its closer (`}}`, `%}`, `#}`; quoted strings
//!   inside `{{ }}`/`{% %}` may contain braces and bars). `{% raw %}…{% endraw %}`
//!   is copied verbatim too. So a group cannot *start* with another group or a
//!   tag without a character in between: `{{a|b}|c}` is an unclosed `{{`; write
//!   `{ {a|b}|c}` or reorder the options.
//! - A tag may sit inside an option (`{Hi {{ first_name }}|Hello}`), but a block
//!   (`{% if %}…{% endif %}`) must open and close inside one option (checked
//!   when the template is compiled).
//! - Outside a group `|` is plain text; `\{`, `\}`, `\|` and `\\` write the
//!   character itself (a lone `}` or a one-option group `{SAVE10}` is an error
//!   rather than a silent literal, because it is usually a typo).
//! - Errors name their position (line, column): unbalanced braces, an empty
//!   option (`{Hi||Hello}`), a one-option group, a tag that never closes.

use std::ops::Range;

use serde::Serialize;

use super::seed::{below, mix};

/// Groups may nest this deep (far beyond any real message).
pub const MAX_DEPTH: usize = 16;

/// A place in the source text: byte offset, 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, specta::Type)]
pub struct Position {
    pub offset: usize,
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub fn at(src: &str, offset: usize) -> Self {
        let offset = offset.min(src.len());
        let mut cut = offset;
        while !src.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = &src[..cut];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = before[line_start..].chars().count() as u32 + 1;
        Self {
            offset,
            line,
            column,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpintaxError {
    #[error("spintax group opened at {at} is never closed")]
    UnclosedGroup { at: Position },
    #[error("`}}` at {at} closes no spintax group")]
    UnexpectedClose { at: Position },
    #[error("empty spintax option before {at}")]
    EmptyOption { at: Position },
    #[error("spintax group at {at} has only one option")]
    SingleOption { at: Position },
    #[error("`{opener}` at {at} is never closed")]
    UnclosedTag { at: Position, opener: &'static str },
    #[error("spintax groups nested more than {MAX_DEPTH} deep at {at}")]
    TooDeep { at: Position },
}

impl SpintaxError {
    pub fn position(&self) -> Position {
        match self {
            Self::UnclosedGroup { at }
            | Self::UnexpectedClose { at }
            | Self::EmptyOption { at }
            | Self::SingleOption { at }
            | Self::UnclosedTag { at, .. }
            | Self::TooDeep { at } => *at,
        }
    }

    /// What the user does about it.
    pub fn fix(&self) -> &'static str {
        match self {
            Self::UnclosedGroup { .. } => "Close the group with `}`, or write a literal brace as \\{",
            Self::UnexpectedClose { .. } => "Remove the extra `}`, or write a literal brace as \\}",
            Self::EmptyOption { .. } => "Write text in every option, e.g. {Hi|Hello}; remove the extra `|`",
            Self::SingleOption { .. } => {
                "Give the group at least two options, e.g. {Hi|Hello}; write literal braces as \\{ and \\}"
            }
            Self::UnclosedTag { .. } => {
                "Close it (`}}`, `%}`, `#}`); `{{` always starts a variable, so a group cannot start with another group"
            }
            Self::TooDeep { .. } => "Nest fewer groups inside each other",
        }
    }
}

/// One piece of parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Literal text (escapes resolved).
    Text(String),
    /// A template tag copied verbatim: the byte range in the source.
    Tag(Range<usize>),
    /// A group: `index` in document order of its `{`, `at` its byte offset.
    Group {
        index: usize,
        at: usize,
        options: Vec<Vec<Node>>,
    },
}

/// A parsed spintax text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spintax {
    source: String,
    nodes: Vec<Node>,
    groups: usize,
}

struct Frame {
    at: usize,
    index: usize,
    options: Vec<Vec<Node>>,
    current: Vec<Node>,
}

impl Spintax {
    pub fn parse(src: &str) -> Result<Self, SpintaxError> {
        let pos = |offset| Position::at(src, offset);
        let bytes = src.as_bytes();
        let mut top: Vec<Node> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut text = String::new();
        let mut groups = 0usize;
        let mut i = 0usize;

        fn current<'a>(top: &'a mut Vec<Node>, stack: &'a mut [Frame]) -> &'a mut Vec<Node> {
            match stack.last_mut() {
                Some(f) => &mut f.current,
                None => top,
            }
        }
        fn flush(text: &mut String, top: &mut Vec<Node>, stack: &mut [Frame]) {
            if !text.is_empty() {
                current(top, stack).push(Node::Text(std::mem::take(text)));
            }
        }

        while i < bytes.len() {
            match bytes[i] {
                b'\\' => match bytes.get(i + 1) {
                    Some(&c @ (b'{' | b'}' | b'|' | b'\\')) => {
                        text.push(c as char);
                        i += 2;
                    }
                    _ => {
                        text.push('\\');
                        i += 1;
                    }
                },
                b'{' if matches!(bytes.get(i + 1), Some(b'{' | b'%' | b'#')) => {
                    let end = tag_end(src, i).ok_or_else(|| SpintaxError::UnclosedTag {
                        at: pos(i),
                        opener: opener_name(bytes[i + 1]),
                    })?;
                    let end = if bytes[i + 1] == b'%' && tag_word(&src[i..end]) == "raw" {
                        endraw_end(src, end).ok_or(SpintaxError::UnclosedTag {
                            at: pos(i),
                            opener: "{% raw %}",
                        })?
                    } else {
                        end
                    };
                    flush(&mut text, &mut top, &mut stack);
                    current(&mut top, &mut stack).push(Node::Tag(i..end));
                    i = end;
                }
                b'{' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(SpintaxError::TooDeep { at: pos(i) });
                    }
                    flush(&mut text, &mut top, &mut stack);
                    stack.push(Frame {
                        at: i,
                        index: groups,
                        options: Vec::new(),
                        current: Vec::new(),
                    });
                    groups += 1;
                    i += 1;
                }
                b'|' if !stack.is_empty() => {
                    flush(&mut text, &mut top, &mut stack);
                    let frame = stack.last_mut().expect("checked non-empty");
                    if frame.current.is_empty() {
                        return Err(SpintaxError::EmptyOption { at: pos(i) });
                    }
                    let option = std::mem::take(&mut frame.current);
                    frame.options.push(option);
                    i += 1;
                }
                b'}' => {
                    flush(&mut text, &mut top, &mut stack);
                    let Some(mut frame) = stack.pop() else {
                        return Err(SpintaxError::UnexpectedClose { at: pos(i) });
                    };
                    if frame.current.is_empty() {
                        return Err(SpintaxError::EmptyOption { at: pos(i) });
                    }
                    frame.options.push(std::mem::take(&mut frame.current));
                    if frame.options.len() < 2 {
                        return Err(SpintaxError::SingleOption { at: pos(frame.at) });
                    }
                    let group = Node::Group {
                        index: frame.index,
                        at: frame.at,
                        options: frame.options,
                    };
                    current(&mut top, &mut stack).push(group);
                    i += 1;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !matches!(bytes[i], b'\\' | b'{' | b'}' | b'|') {
                        i += 1;
                    }
                    // A bar outside any group is plain text.
                    if i < bytes.len() && bytes[i] == b'|' && stack.is_empty() {
                        i += 1;
                    }
                    text.push_str(&src[start..i]);
                }
            }
        }
        if let Some(frame) = stack.last() {
            return Err(SpintaxError::UnclosedGroup { at: pos(frame.at) });
        }
        flush(&mut text, &mut top, &mut stack);
        Ok(Self {
            source: src.to_owned(),
            nodes: top,
            groups,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of groups (nested ones included).
    pub fn group_count(&self) -> usize {
        self.groups
    }

    /// Number of different texts the spintax alone can produce (saturating).
    pub fn variant_count(&self) -> u64 {
        variants(&self.nodes)
    }

    /// The option index chosen in each group (by group index) for a seed.
    pub fn choices(&self, seed: u64) -> Vec<u32> {
        let mut out = vec![0u32; self.groups];
        fill_choices(&self.nodes, seed, &mut out);
        out
    }

    /// The text for a seed, template tags copied verbatim.
    pub fn resolve(&self, seed: u64) -> String {
        let choices = self.choices(seed);
        let mut out = String::with_capacity(self.source.len());
        resolve_into(&self.nodes, &self.source, &choices, &mut out);
        out
    }

    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }
}

fn variants(nodes: &[Node]) -> u64 {
    nodes.iter().fold(1u64, |acc, n| match n {
        Node::Group { options, .. } => acc.saturating_mul(
            options
                .iter()
                .fold(0u64, |s, o| s.saturating_add(variants(o))),
        ),
        _ => acc,
    })
}

fn fill_choices(nodes: &[Node], seed: u64, out: &mut [u32]) {
    for n in nodes {
        if let Node::Group { index, options, .. } = n {
            out[*index] = below(mix(seed, *index as u64), options.len() as u64) as u32;
            for o in options {
                fill_choices(o, seed, out);
            }
        }
    }
}

fn resolve_into(nodes: &[Node], src: &str, choices: &[u32], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Tag(r) => out.push_str(&src[r.clone()]),
            Node::Group { index, options, .. } => {
                let chosen = options.get(choices[*index] as usize).unwrap_or(&options[0]);
                resolve_into(chosen, src, choices, out);
            }
        }
    }
}

fn opener_name(second: u8) -> &'static str {
    match second {
        b'{' => "{{",
        b'%' => "{%",
        _ => "{#",
    }
}

/// End (exclusive) of the template tag starting at `start` (`{{`, `{%`, `{#`).
fn tag_end(src: &str, start: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let (closer, strings) = match bytes[start + 1] {
        b'{' => (b'}', true),
        b'%' => (b'%', true),
        _ => (b'#', false),
    };
    let mut i = start + 2;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None if strings && (b == b'"' || b == b'\'') => quote = Some(b),
            None if b == closer && bytes.get(i + 1) == Some(&b'}') => return Some(i + 2),
            None => {}
        }
        i += 1;
    }
    None
}

/// The keyword of a `{% … %}` tag (`{%- raw +%}` → `raw`).
fn tag_word(tag: &str) -> &str {
    let inner = &tag[2..tag.len() - 2];
    inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace())
}

/// End of the `{% endraw %}` tag after a raw block opened before `from`.
fn endraw_end(src: &str, from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(rel) = src[i..].find("{%") {
        let start = i + rel;
        let end = tag_end(src, start)?;
        if tag_word(&src[start..end]) == "endraw" {
            return Some(end);
        }
        i = start + 2;
    }
    None
}

#[cfg(test)]
#[path = "spintax_tests.rs"]
mod tests;
