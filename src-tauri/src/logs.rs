//! The Logs page's commands and its live event: the log folder's day files,
//! a page of lines, opening the folder, and the lines appended since
//! (`log-lines-appended`, from one tail task the windows share).

use flock_core::logs::{LogBatch, LogDir, LogFile, LogPage, LogQuery, LogTail};
use flock_core::ErrorReport;
use serde::Serialize;
use tauri::{AppHandle, Manager, State, Wry};
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::state::AppState;

/// The prefix of the app's day files (`flock.2026-12-01.log`).
pub const LOG_PREFIX: &str = "flock";

/// Whole lines appended to the newest log file, each with its offset.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct LogLinesAppended(pub LogBatch);

/// The folder, and its tail while it runs (`None`: it could not start; the
/// page says so and still reads the files).
pub struct LogsState {
    dir: LogDir,
    _tail: Option<LogTail>,
    live_error: Option<ErrorReport>,
}

/// Starts the tail of the log folder and forwards its lines to every window.
pub fn start(app: &AppHandle<Wry>) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let dir = LogDir::new(state.paths.log_dir(), LOG_PREFIX);
    let tail = tauri::async_runtime::block_on(async { LogTail::start(dir.clone()) });
    let (tail, live_error) = match tail {
        Ok(tail) => {
            forward(app.clone(), tail.subscribe());
            (Some(tail), None)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the Logs page will not show new lines live");
            (None, Some(flock_core::error::Report::report(&e)))
        }
    };
    app.manage(LogsState { dir, _tail: tail, live_error });
}

fn forward(app: AppHandle<Wry>, mut rx: broadcast::Receiver<LogBatch>) {
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(batch) => {
                    // Not logged on failure: a log line would come back here as a new line.
                    let _ = LogLinesAppended(batch).emit(&app);
                }
                // A window that missed lines finds them with `read_log`.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Where the logs are and whether new lines arrive live.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogFolder {
    pub path: String,
    /// The day files, newest first.
    pub files: Vec<LogFile>,
    /// Why new lines are not pushed live, when they are not.
    pub live_error: Option<ErrorReport>,
}

#[tauri::command]
#[specta::specta]
pub async fn log_folder(logs: State<'_, LogsState>) -> Result<LogFolder, ErrorReport> {
    Ok(LogFolder {
        path: logs.dir.path().display().to_string(),
        files: logs.dir.files()?,
        live_error: logs.live_error.clone(),
    })
}

/// The newest lines of a day file that pass the filters; `before` pages back.
#[tauri::command]
#[specta::specta]
pub async fn read_log(logs: State<'_, LogsState>, query: LogQuery) -> Result<LogPage, ErrorReport> {
    let dir = logs.dir.clone();
    tauri::async_runtime::spawn_blocking(move || dir.read(&query))
        .await
        .map_err(|e| ErrorReport { kind: flock_core::ErrorKind::Internal, message: format!("reading the log stopped: {e}"), fix: None })?
        .map_err(Into::into)
}

/// Opens the log folder in the file manager. Only this folder: the window
/// has no permission to open paths or URLs itself.
#[tauri::command]
#[specta::specta]
pub async fn open_log_folder(app: AppHandle, logs: State<'_, LogsState>) -> Result<(), ErrorReport> {
    let path = logs.dir.path();
    app.opener().open_path(path.display().to_string(), None::<&str>).map_err(|e| ErrorReport {
        kind: flock_core::ErrorKind::Internal,
        message: format!("cannot open the log folder {}: {e}", path.display()),
        fix: Some("Open it with your file manager; its path is shown on the Logs page".into()),
    })
}
