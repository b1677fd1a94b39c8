//! tracing to the console and to a daily-rotated file in the log folder.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

/// Keep the returned guard alive for as long as logs should reach the file.
/// `RUST_LOG` overrides the default filter (`info`). Calling twice is harmless.
pub fn init(log_dir: &Path, file_prefix: &str, console: bool) -> Option<WorkerGuard> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir);
    let (file_layer, guard) = match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(fmt::layer().with_ansi(false).with_writer(writer)), Some(guard))
        }
        Err(e) => {
            eprintln!("warning: cannot write logs to {}: {e}", log_dir.display());
            (None, None)
        }
    };
    let console_layer = console.then(|| fmt::layer().with_writer(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(file_layer)
        .with(console_layer)
        .try_init();
    guard
}
