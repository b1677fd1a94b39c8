//! The log folder as the Logs page sees it: the day files ([`LogDir`]), a
//! page of lines read backwards with filters ([`LogQuery`]), the live tail
//! ([`LogTail`]) and the masking every line at `info` and above goes
//! through ([`mask`]). The files are written by [`crate::logging`]: one JSON
//! object a line, the same [`LogLine`] read back here.

pub mod line;
pub mod mask;
mod read;
mod tail;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use line::{LogLevel, LogLine};
pub use read::{LogDir, LogEntry, LogFile, LogPage, LogQuery, MAX_LINES};
pub use tail::{LogBatch, LogTail};

use crate::error::Report;
use crate::{ErrorKind, ErrorReport};

#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("cannot read the log folder {}: {source}", path.display())]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("cannot read the log file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("there is no log file \"{name}\" in {}", dir.display())]
    UnknownFile { name: String, dir: PathBuf },
    #[error("cannot read {limit} lines at once: ask for 1 to {MAX_LINES}")]
    Limit { limit: u32 },
    #[error("cannot follow the log folder {} for new lines: {source}", path.display())]
    Watch { path: PathBuf, source: notify::Error },
}

impl Report for LogsError {
    fn report(&self) -> ErrorReport {
        let (kind, fix) = match self {
            LogsError::Folder { .. } | LogsError::Read { .. } => {
                (ErrorKind::Internal, "Check that the data folder's logs folder is readable by you")
            }
            LogsError::UnknownFile { .. } => (ErrorKind::NotFound, "Pick a day from the list (older files are removed after 14 days)"),
            LogsError::Limit { .. } => (ErrorKind::InvalidInput, "Ask for at most 5000 lines and page back for more"),
            LogsError::Watch { .. } => (
                ErrorKind::Internal,
                "New lines are not shown live; reopen the Logs page to read them (on Linux, raise fs.inotify.max_user_watches)",
            ),
        };
        ErrorReport { kind, message: self.to_string(), fix: Some(fix.to_string()) }
    }
}
