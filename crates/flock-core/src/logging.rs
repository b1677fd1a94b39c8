//! tracing to the console and to a daily file in the log folder
//! (`flock.2026-12-01.log`, UTC days, 14 kept).
//!
//! The file holds one JSON object a line ([`LogLine`]: time, level, target,
//! message, fields), which the Logs page reads back as it was written. The
//! console gets the same lines as text.
//!
//! **No content above debug level.** Every event at `info`, `warn` or
//! `error` goes through [`LogLine::mask`] before it is written anywhere:
//! fields named `body`, `text`, `caption`, `qr`, `payload`, `pairing_code`,
//! `code`, `svg` (or ending in `_body`, `_text`, …) show `[hidden]`, and
//! phone numbers, WhatsApp ids and QR payloads are masked wherever they
//! appear (fields, the message, an error's text): `+919800000101` →
//! `+91••••••01` (see [`crate::logs::mask`]). This is done here, in one
//! place, rather than at each call site, so that an error message that
//! happens to quote a number is masked too. `debug` and `trace` events are
//! written in full: they exist only when the user asks for them
//! (`RUST_LOG=debug`) to trace a problem.
//!
//! A message body formatted into the message text cannot be told from
//! other text: content goes in a field (`body = %text`), never into the
//! message (numbers, ids and QR payloads are found by their shape anywhere).

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::logs::line::FieldCollector;
use crate::logs::{LogLevel, LogLine};

/// How many day files are kept.
pub const KEEP_DAYS: usize = 14;

/// Keep the returned guard alive for as long as logs should reach the file.
/// `RUST_LOG` overrides the default filter (`info`). Calling twice is harmless.
pub fn init(log_dir: &Path, file_prefix: &str, console: bool) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (file_layer, guard) = match day_files(log_dir, file_prefix) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(LineLayer::json(writer)), Some(guard))
        }
        Err(e) => {
            eprintln!("warning: cannot write logs to {}: {e}", log_dir.display());
            (None, None)
        }
    };
    let console_layer = console.then(|| LineLayer::text(std::io::stderr));
    let _ = tracing_subscriber::registry().with(filter).with(file_layer).with(console_layer).try_init();
    guard
}

/// The daily-rotated files `<prefix>.<YYYY-MM-DD>.log` in `log_dir`.
pub fn day_files(
    log_dir: &Path,
    file_prefix: &str,
) -> Result<tracing_appender::rolling::RollingFileAppender, tracing_appender::rolling::InitError> {
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(log_dir)
}

/// How a line is written.
#[derive(Debug, Clone, Copy)]
enum Form {
    Json,
    Text,
}

/// Writes each event as one masked [`LogLine`].
pub struct LineLayer<W> {
    writer: W,
    form: Form,
}

impl<W> LineLayer<W> {
    /// One JSON object a line (the log file).
    pub fn json(writer: W) -> Self {
        Self { writer, form: Form::Json }
    }

    /// `2026-12-01T10:00:00.123Z  INFO target: message key=value` (the console).
    pub fn text(writer: W) -> Self {
        Self { writer, form: Form::Text }
    }
}

impl<S, W> Layer<S> for LineLayer<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = capture(event);
        let mut out = match self.form {
            Form::Json => serde_json::to_string(&line).unwrap_or_else(|e| format!("{{\"message\":\"unprintable log line: {e}\"}}")),
            Form::Text => as_text(&line),
        };
        out.push('\n');
        // A log that cannot be written has nowhere to report it.
        let _ = self.writer.make_writer_for(event.metadata()).write_all(out.as_bytes());
    }
}

/// The event as a line, masked unless it is `debug` or `trace`.
fn capture(event: &Event<'_>) -> LogLine {
    let mut fields = FieldCollector::default();
    event.record(&mut fields);
    let meta = event.metadata();
    // Records of the `log` crate name their origin in a field.
    let target = fields.fields.remove("log.target").unwrap_or_else(|| meta.target().to_string());
    let mut line = LogLine {
        time: Some(Utc::now()),
        level: LogLevel::from(*meta.level()),
        target,
        message: fields.message,
        fields: fields.fields,
    };
    if line.level.is_masked() {
        line.mask();
    }
    line
}

fn as_text(line: &LogLine) -> String {
    let time = line.time.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()).unwrap_or_default();
    let mut out = format!("{time} {:>5} {}: {}", line.level.as_str(), line.target, line.message);
    for (name, value) in &line.fields {
        out.push_str(&format!(" {name}={value}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::{LogDir, LogQuery};

    const PHONE: &str = "+919800000101";
    const WA_ID: &str = "919800000202@c.us";
    const LID: &str = "123456789012345@lid";
    const BODY: &str = "Diwali offer: 20% off for you";
    const QR: &str = "2@Xb3kT9mQp2LrVn8sWzYc4dFg,Hk5lMn6oPq7rSt8uVw9xYz0A=,Bc1dEf2gHi3jKl4mNo5pQr6s=,Tu7vWx8yZa9b";

    /// Logs the same four lines at `level` through the file layer; returns the file's text.
    fn logged_at(level: tracing::Level, filter: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let appender = day_files(dir.path(), "flock").unwrap();
        let subscriber = tracing_subscriber::registry().with(EnvFilter::new(filter)).with(LineLayer::json(appender));
        tracing::subscriber::with_default(subscriber, || {
            macro_rules! at {
                ($($args:tt)*) => {
                    match level {
                        tracing::Level::INFO => tracing::info!($($args)*),
                        tracing::Level::WARN => tracing::warn!($($args)*),
                        tracing::Level::ERROR => tracing::error!($($args)*),
                        tracing::Level::DEBUG => tracing::debug!($($args)*),
                        _ => tracing::trace!($($args)*),
                    }
                };
            }
            at!(account = 3, phone = PHONE, to = WA_ID, "sent to {LID}");
            at!(body = BODY, caption = BODY, "message accepted");
            at!(qr = QR, "new QR code");
            at!("cannot send to {PHONE}: refused ({QR})");
        });
        match LogDir::new(dir.path(), "flock").current().unwrap() {
            Some(file) => std::fs::read_to_string(dir.path().join(file.name)).unwrap(),
            None => String::new(),
        }
    }

    #[test]
    fn info_warn_and_error_lines_hold_no_number_id_body_or_qr() {
        for level in [tracing::Level::INFO, tracing::Level::WARN, tracing::Level::ERROR] {
            let text = logged_at(level, "info");
            assert_eq!(text.lines().count(), 4, "{text}");
            for secret in [PHONE, "919800000101", "919800000202", "123456789012345", QR, "Xb3kT9mQp2", "Diwali"] {
                assert!(!text.contains(secret), "{level}: {secret} is in the log:\n{text}");
            }
            // What is left still tells the lines apart.
            assert!(text.contains("+91••••••01") && text.contains("91••••••02@c.us"), "{text}");
            assert!(text.contains("12••••••45@lid") && text.contains("[QR hidden]"), "{text}");
            assert!(text.contains(r#""body":"[hidden]""#) && text.contains(r#""qr":"[hidden]""#), "{text}");
        }
    }

    #[test]
    fn debug_lines_are_written_in_full() {
        let text = logged_at(tracing::Level::DEBUG, "debug");
        for value in [PHONE, WA_ID, LID, BODY, QR] {
            assert!(text.contains(value), "{value} missing at debug:\n{text}");
        }
        // The default filter drops them entirely.
        assert_eq!(logged_at(tracing::Level::DEBUG, "info"), "");
    }

    #[test]
    fn the_file_is_read_back_as_structured_lines() {
        let dir = tempfile::tempdir().unwrap();
        let subscriber = tracing_subscriber::registry().with(LineLayer::json(day_files(dir.path(), "flock").unwrap()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(account = 7, reason = "The device was logged out from the phone", "account state");
        });
        let page = LogDir::new(dir.path(), "flock").read(&LogQuery { limit: 10, ..Default::default() }).unwrap();
        let [entry] = page.entries.as_slice() else { panic!("{page:?}") };
        assert_eq!(entry.line.level, LogLevel::Warn);
        assert_eq!(entry.line.target, module_path!());
        assert_eq!(entry.line.message, "account state");
        assert_eq!(entry.line.fields["account"], "7");
        assert_eq!(entry.line.fields["reason"], "The device was logged out from the phone");
        assert!(entry.line.time.is_some());
    }

    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_console_gets_the_same_masked_lines_as_text() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(LineLayer::text(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(to = WA_ID, body = BODY, "sending to {PHONE}");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let (time, rest) = text.split_once(' ').unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{text}");
        assert_eq!(rest, format!(" INFO {}: sending to +91••••••01 body=[hidden] to=91••••••02@c.us\n", module_path!()));
    }
}
