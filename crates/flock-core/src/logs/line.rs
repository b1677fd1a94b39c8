//! One log line: what the file holds (one JSON object a line, written by
//! `logging`) and what the Logs page shows. The same type is written and
//! read back, so the page never parses text.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::field::{Field, Visit};

use super::mask::{is_hidden_field, mask_text, HIDDEN};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Some(LogLevel::Trace),
            "DEBUG" => Some(LogLevel::Debug),
            "INFO" => Some(LogLevel::Info),
            "WARN" | "WARNING" => Some(LogLevel::Warn),
            "ERROR" => Some(LogLevel::Error),
            _ => None,
        }
    }

    /// Lines at this level hold no bodies and no full numbers.
    pub fn is_masked(self) -> bool {
        self >= LogLevel::Info
    }
}

impl From<tracing::Level> for LogLevel {
    fn from(level: tracing::Level) -> Self {
        match level {
            tracing::Level::TRACE => LogLevel::Trace,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::ERROR => LogLevel::Error,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LogLine {
    /// `None` for a line that is not Flock's (a crash message, a hand edit).
    pub time: Option<DateTime<Utc>>,
    pub level: LogLevel,
    /// The Rust module that logged it (`flock_core::accounts::persist`).
    pub target: String,
    pub message: String,
    /// The event's fields by name (`account = 3`), as text.
    pub fields: BTreeMap<String, String>,
}

impl LogLine {
    /// A line of a log file: Flock's JSON, the plain text format older
    /// versions wrote (`2026-12-01T10:00:00.1Z  INFO target: message`), or
    /// anything else as the message of an `info` line. Masked at `info` and
    /// above, like a new line (older files were written unmasked).
    pub fn parse(text: &str) -> Self {
        let text = text.trim_end_matches(['\r', '\n']);
        let mut line = serde_json::from_str::<LogLine>(text).ok().or_else(|| parse_plain(text)).unwrap_or_else(|| LogLine {
            time: None,
            level: LogLevel::Info,
            target: String::new(),
            message: text.to_string(),
            fields: BTreeMap::new(),
        });
        if line.level.is_masked() {
            line.mask();
        }
        line
    }

    /// Hides content fields and masks numbers and ids everywhere.
    pub fn mask(&mut self) {
        self.message = mask_text(&self.message).into_owned();
        for (name, value) in self.fields.iter_mut() {
            *value = if is_hidden_field(name) { HIDDEN.to_string() } else { mask_text(value).into_owned() };
        }
    }

    /// Case-insensitive: the message, the target or a field (name or value) holds `needle` (lower case).
    pub fn contains(&self, needle_lower: &str) -> bool {
        let has = |s: &str| s.to_lowercase().contains(needle_lower);
        has(&self.message) || has(&self.target) || self.fields.iter().any(|(k, v)| has(k) || has(v))
    }
}

/// The text format of `tracing_subscriber::fmt` without colours.
fn parse_plain(text: &str) -> Option<LogLine> {
    let (time, rest) = text.split_once(' ')?;
    let time = DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc);
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ')?;
    let level = LogLevel::parse(level)?;
    let rest = rest.trim_start();
    let (target, message) = match rest.split_once(": ") {
        Some((target, message)) if !target.contains(' ') => (target.to_string(), message.to_string()),
        _ => (String::new(), rest.to_string()),
    };
    Some(LogLine { time: Some(time), level, target, message, fields: BTreeMap::new() })
}

/// Collects a tracing event's message and fields as text.
#[derive(Default)]
pub(crate) struct FieldCollector {
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Visit for FieldCollector {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl FieldCollector {
    fn put(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => self.message = value,
            // `log` records bridged into tracing carry their origin as fields.
            name if name.starts_with("log.") => {}
            name => {
                self.fields.insert(name.to_string(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_is_read_back_as_written() {
        let line = LogLine {
            time: Some("2026-12-01T10:00:00.250Z".parse().unwrap()),
            level: LogLevel::Warn,
            target: "flock_core::accounts::worker".into(),
            message: "health: the page did not answer".into(),
            fields: BTreeMap::from([("account".to_string(), "3".to_string())]),
        };
        let text = serde_json::to_string(&line).unwrap();
        assert_eq!(LogLine::parse(&format!("{text}\n")), line);
    }

    #[test]
    fn the_old_text_format_is_read_and_masked() {
        let line = LogLine::parse("2026-11-30T08:01:02.123456Z  WARN flock_core::accounts::worker: numbers differ: +919800000101 account=3");
        assert_eq!(line.time, Some("2026-11-30T08:01:02.123456Z".parse().unwrap()));
        assert_eq!(line.level, LogLevel::Warn);
        assert_eq!(line.target, "flock_core::accounts::worker");
        assert_eq!(line.message, "numbers differ: +91••••••01 account=3");
    }

    #[test]
    fn anything_else_is_an_info_line_with_the_text_as_message() {
        let line = LogLine::parse("thread 'main' panicked at src/x.rs:1:1: to 919800000101@c.us");
        assert_eq!((line.time, line.level, line.target.as_str()), (None, LogLevel::Info, ""));
        assert_eq!(line.message, "thread 'main' panicked at src/x.rs:1:1: to 91••••••01@c.us");
    }

    #[test]
    fn a_debug_line_is_read_in_full() {
        let line = r#"{"time":"2026-12-01T10:00:00Z","level":"debug","target":"t","message":"to +919800000101","fields":{"body":"hello"}}"#;
        let line = LogLine::parse(line);
        assert_eq!(line.message, "to +919800000101");
        assert_eq!(line.fields["body"], "hello");
    }

    #[test]
    fn search_looks_at_message_target_and_fields() {
        let line = LogLine::parse(r#"{"time":null,"level":"info","target":"flock_core::dispatch","message":"Campaign moved","fields":{"to":"paused"}}"#);
        assert!(line.contains("campaign"));
        assert!(line.contains("dispatch"));
        assert!(line.contains("paused"));
        assert!(!line.contains("running"));
    }
}
