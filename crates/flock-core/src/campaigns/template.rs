//! A campaign's text: spintax plus minijinja variables, checked once at
//! composition ([`Template::compile`]) and rendered per target
//! ([`Template::render`]).
//!
//! - Variables: `{{ first_name }}`; a fallback for a missing (or blank)
//!   value: `{{ first_name | default("friend") }}`; optional parts:
//!   `{% if district %}from {{ district }}{% endif %}`. Any minijinja
//!   expression or filter works (`{{ name | title }}`).
//! - A variable the campaign does not know is an error at composition,
//!   naming it, its line and column, and the nearest known name.
//! - A known variable with no value for a target and no fallback is a
//!   [`RenderError::MissingValue`] for that target (the engine skips or
//!   previews it with that reason) rather than "Dear ," going out.
//! - Auto-escaping is off (this is WhatsApp text, not HTML); the trailing
//!   newline is kept; rendering has a fuel budget so a runaway loop stops.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use super::jinja::{options_alone, Emitted, SPIN};
use super::spintax::{Position, Spintax, SpintaxError};
use super::vars::TargetVars;

/// WhatsApp's limit on one text message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 65_536;

/// Instructions one render may run (a message needs a few hundred).
const FUEL: u64 = 100_000;

/// Functions minijinja provides that are not variables.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "debug"];

const NAME: &str = "message";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the message is empty")]
    Empty,
    #[error(transparent)]
    Spintax(#[from] SpintaxError),
    #[error("template error at {position}: {message}")]
    Syntax { message: String, position: Position },
    #[error("unknown variable `{name}` at {position}{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownVariable {
        name: String,
        position: Position,
        suggestion: Option<String>,
        known: Vec<String>,
    },
}

impl TemplateError {
    pub fn position(&self) -> Option<Position> {
        match self {
            Self::Empty => None,
            Self::Spintax(e) => Some(e.position()),
            Self::Syntax { position, .. } | Self::UnknownVariable { position, .. } => {
                Some(*position)
            }
        }
    }

    pub fn fix(&self) -> String {
        match self {
            Self::Empty => "Write the message text".into(),
            Self::Spintax(e) => e.fix().into(),
            Self::Syntax { .. } => {
                "Check the {{ }} and {% %} tags there; a {% if %} block must open and close inside one spintax option"
                    .into()
            }
            Self::UnknownVariable { known, .. } => {
                format!(
                    "Use one of {}, or import a CSV with a column of that name; to write braces as text, use \\{{ and \\}}",
                    known.join(", ")
                )
            }
        }
    }
}

/// A composition error as the composer shows it: where to put the caret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateProblem {
    pub message: String,
    pub fix: String,
    pub position: Option<Position>,
    /// The unknown variable, if that is the problem.
    pub variable: Option<String>,
    pub suggestion: Option<String>,
}

impl TemplateError {
    pub fn problem(&self) -> TemplateProblem {
        let (variable, suggestion) = match self {
            Self::UnknownVariable {
                name, suggestion, ..
            } => (Some(name.clone()), suggestion.clone()),
            _ => (None, None),
        };
        TemplateProblem {
            message: self.to_string(),
            fix: self.fix(),
            position: self.position(),
            variable,
            suggestion,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("no value for `{variable}` (at {position}) and no fallback")]
    MissingValue {
        variable: String,
        position: Position,
    },
    #[error("the message renders to nothing for this target")]
    Empty,
    #[error("the message is {chars} characters; WhatsApp takes at most {MAX_MESSAGE_CHARS}")]
    TooLong { chars: usize },
    #[error("template error at {position}: {message}")]
    Engine { message: String, position: Position },
}

/// What the composer shows about a template's structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateShape {
    /// Variables used, in order of first use.
    pub variables: Vec<String>,
    pub spintax_groups: u32,
    /// Texts the spintax alone can give (saturating).
    pub spintax_variants: u64,
}

/// A compiled message template.
#[derive(Debug, Clone)]
pub struct Template {
    spintax: Spintax,
    env: Environment<'static>,
    emitted: Emitted,
    variables: Vec<String>,
}

impl Template {
    /// Parses the spintax, compiles the template and checks that every
    /// variable is one of `known`.
    pub fn compile<S: AsRef<str>>(text: &str, known: &[S]) -> Result<Self, TemplateError> {
        if text.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        let spintax = Spintax::parse(text)?;
        let env = environment();
        for alone in options_alone(spintax.nodes(), text) {
            if let Err(e) = env.template_from_str(&alone.text) {
                return Err(syntax_error(&e, &alone, text));
            }
        }
        let emitted = Emitted::from_nodes(spintax.nodes(), text);
        let mut env = env;
        env.add_template_owned(NAME, emitted.text.clone())
            .map_err(|e| syntax_error(&e, &emitted, text))?;
        let tmpl = env
            .get_template(NAME)
            .map_err(|e| syntax_error(&e, &emitted, text))?;

        let mut used: Vec<(Position, String)> = tmpl
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| v != SPIN && !GLOBALS.contains(&v.as_str()))
            .map(|v| (find_identifier(text, &spintax, &v), v))
            .collect();
        used.sort();
        if let Some((position, name)) = used
            .iter()
            .find(|(_, v)| !known.iter().any(|k| k.as_ref() == v))
        {
            return Err(TemplateError::UnknownVariable {
                name: name.clone(),
                position: *position,
                suggestion: suggest(name, known),
                known: known.iter().map(|k| k.as_ref().to_owned()).collect(),
            });
        }
        let variables = used.into_iter().map(|(_, v)| v).collect();
        Ok(Self {
            spintax,
            env,
            emitted,
            variables,
        })
    }

    pub fn source(&self) -> &str {
        self.spintax.source()
    }

    pub fn shape(&self) -> TemplateShape {
        TemplateShape {
            variables: self.variables.clone(),
            spintax_groups: self.spintax.group_count() as u32,
            spintax_variants: self.spintax.variant_count(),
        }
    }

    /// The text for one target; `seed` picks the spintax options
    /// ([`super::seed::target_seed`] of the campaign and the target).
    pub fn render(&self, vars: &TargetVars, seed: u64) -> Result<String, RenderError> {
        let mut ctx: BTreeMap<String, Value> = BTreeMap::new();
        for v in &self.variables {
            if let Some(value) = vars.get(v) {
                ctx.insert(v.clone(), Value::from(value));
            }
        }
        ctx.insert(SPIN.into(), Value::from_iter(self.spintax.choices(seed)));
        let tmpl = self
            .env
            .get_template(NAME)
            .map_err(|e| self.engine_error(&e))?;
        let out = tmpl
            .render(Value::from_object(ctx))
            .map_err(|e| self.render_error(&e))?;
        let chars = out.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(RenderError::TooLong { chars });
        }
        if out.trim().is_empty() {
            return Err(RenderError::Empty);
        }
        Ok(out)
    }

    fn position_of(&self, e: &minijinja::Error) -> Position {
        let src = self.spintax.source();
        match e.range() {
            Some(r) => Position::at(src, self.emitted.source_offset(r.start)),
            None => Position::at(src, 0),
        }
    }

    fn render_error(&self, e: &minijinja::Error) -> RenderError {
        if e.kind() == ErrorKind::UndefinedError {
            let position = self.position_of(e);
            let src = self.spintax.source();
            let variable = first_identifier(&src[position.offset.min(src.len())..])
                .filter(|v| self.variables.iter().any(|k| k == v))
                .unwrap_or_else(|| "a variable".into());
            return RenderError::MissingValue { variable, position };
        }
        self.engine_error(e)
    }

    fn engine_error(&self, e: &minijinja::Error) -> RenderError {
        RenderError::Engine {
            message: describe(e),
            position: self.position_of(e),
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Printing a missing value is an error; `default(...)` and `{% if x %}` work.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Keep the text as written, trailing newline included (the default
    // syntax always builds).
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    env.set_fuel(Some(FUEL));
    env.set_debug(true);
    env
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

fn syntax_error(e: &minijinja::Error, emitted: &Emitted, src: &str) -> TemplateError {
    let offset = match e.range() {
        Some(r) => emitted.source_offset(r.start),
        None => line_offset(src, e.line().unwrap_or(1)),
    };
    TemplateError::Syntax {
        message: describe(e),
        position: Position::at(src, offset),
    }
}

fn line_offset(src: &str, line: usize) -> usize {
    src.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// The nearest known name: same name in another case, else within two edits.
fn suggest<S: AsRef<str>>(name: &str, known: &[S]) -> Option<String> {
    let lower = name.to_lowercase();
    if let Some(k) = known.iter().find(|k| k.as_ref().to_lowercase() == lower) {
        return Some(k.as_ref().to_owned());
    }
    known
        .iter()
        .map(|k| {
            (
                strsim::levenshtein(&lower, &k.as_ref().to_lowercase()),
                k.as_ref(),
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

/// Where `name` is first used as a variable in a tag of the source.
fn find_identifier(src: &str, spintax: &Spintax, name: &str) -> Position {
    let mut tags = Vec::new();
    collect_tags(spintax.nodes(), &mut tags);
    tags.sort_by_key(|r| r.start);
    for r in &tags {
        if let Some(off) = identifier_in(&src[r.clone()], name) {
            return Position::at(src, r.start + off);
        }
    }
    Position::at(src, tags.first().map_or(0, |r| r.start))
}

fn collect_tags(nodes: &[super::spintax::Node], out: &mut Vec<std::ops::Range<usize>>) {
    use super::spintax::Node;
    for n in nodes {
        match n {
            Node::Tag(r) => out.push(r.clone()),
            Node::Group { options, .. } => options.iter().for_each(|o| collect_tags(o, out)),
            Node::Text(_) => {}
        }
    }
}

/// Byte offset of `name` as a whole identifier outside quoted strings and
/// not after a `.` (an attribute).
fn identifier_in(tag: &str, name: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev: Option<char> = None;
    let mut iter = tag.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if let Some(q) = quote {
            if c == '\\' {
                iter.next();
            } else if c == q {
                quote = None;
            }
            prev = Some(c);
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        } else if unicode_ident::is_xid_start(c) || c == '_' {
            let end = tag[i..]
                .find(|ch: char| !unicode_ident::is_xid_continue(ch))
                .map_or(tag.len(), |e| i + e);
            if &tag[i..end] == name && prev != Some('.') {
                return Some(i);
            }
            while iter.peek().is_some_and(|&(j, _)| j < end) {
                iter.next();
            }
            prev = tag[..end].chars().last();
            continue;
        }
        if !c.is_whitespace() {
            prev = Some(c);
        }
    }
    None
}

fn first_identifier(text: &str) -> Option<String> {
    let start = text.find(|c: char| unicode_ident::is_xid_start(c) || c == '_')?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !unicode_ident::is_xid_continue(c))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

impl From<&TemplateError> for crate::ErrorReport {
    fn from(e: &TemplateError) -> Self {
        Self {
            kind: crate::ErrorKind::InvalidInput,
            message: e.to_string(),
            fix: Some(e.fix()),
        }
    }
}

impl From<&RenderError> for crate::ErrorReport {
    fn from(e: &RenderError) -> Self {
        let fix = match e {
            RenderError::MissingValue { variable, .. } => {
                format!("Give a fallback: {{{{ {variable} | default(\"…\") }}}}, or fill {variable} for this contact")
            }
            RenderError::Empty => {
                "Make sure some text is written whatever the variables hold".into()
            }
            RenderError::TooLong { .. } => "Shorten the message".into(),
            RenderError::Engine { .. } => "Check the template there".into(),
        };
        Self {
            kind: crate::ErrorKind::InvalidInput,
            message: e.to_string(),
            fix: Some(fix),
        }
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
