//! Typed commands: each a few lines over the core, errors as `ErrorReport`.

use flock_core::db::DatabaseInfo;
use flock_core::ErrorReport;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::events::DatabaseChanged;
use crate::state::{AppState, DatabaseStatus};

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub demo: bool,
    pub database: DatabaseStatus,
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, ErrorReport> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.paths.root().display().to_string(),
        log_dir: state.paths.log_dir().display().to_string(),
        demo: state.demo.is_some(),
        database: state.database_status().await,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn database_info(state: State<'_, AppState>) -> Result<DatabaseInfo, ErrorReport> {
    state.database_info().await
}

/// `None` switches back to the local SQLite file.
#[tauri::command]
#[specta::specta]
pub async fn set_database_url(
    app: AppHandle,
    state: State<'_, AppState>,
    url: Option<String>,
) -> Result<DatabaseInfo, ErrorReport> {
    let info = state.switch_database(&app, url).await?;
    let status = DatabaseStatus::Connected { info: info.clone() };
    if let Err(e) = (DatabaseChanged { status }).emit(&app) {
        tracing::warn!(error = %e, "could not emit database-changed");
    }
    Ok(info)
}
