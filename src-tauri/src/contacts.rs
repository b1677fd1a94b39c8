//! Commands of the Groups and Contacts pages: each a few lines over the core.

use base64::Engine;
use flock_core::contacts::{self, CsvPreview, ImportOptions, ImportReport};
use flock_core::groups::{SyncProgress, SyncSummary};
use flock_core::repo::contacts::{ContactQuery, ContactRow};
use flock_core::repo::groups::GroupRow;
use flock_core::repo::tags::{BulkEdit, BulkEditResult, NewTagRule, TagRule};
use flock_core::repo::{self, Page};
use flock_core::ErrorReport;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::commands::ShellError;
use crate::events::GroupsSyncProgress;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn search_contacts(state: State<'_, AppState>, query: ContactQuery) -> Result<Page<ContactRow>, ErrorReport> {
    let db = state.db().await?;
    Ok(repo::contacts::search(db.conn(), &query).await?)
}

/// Marks (`optedOut: true`, with a reason) or unmarks a contact as opted out.
#[tauri::command]
#[specta::specta]
pub async fn set_opt_out(
    state: State<'_, AppState>,
    id: i64,
    opted_out: bool,
    reason: Option<String>,
) -> Result<ContactRow, ErrorReport> {
    let db = state.db().await?;
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let model = if opted_out {
        let reason = reason.unwrap_or_else(|| "marked by hand".into());
        repo::contacts::opt_out_by(db.conn(), id, repo::suppressions::Change::manual(Some(&reason), "app")).await
    } else {
        repo::contacts::opt_in_by(db.conn(), id, repo::suppressions::Change::manual(reason.as_deref(), "app")).await
    }?;
    let mut rows = repo::contacts::rows(db.conn(), vec![model]).await?;
    Ok(rows.pop().ok_or(ShellError::ContactVanished(id))?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_groups(state: State<'_, AppState>) -> Result<Vec<GroupRow>, ErrorReport> {
    let db = state.db().await?;
    Ok(repo::groups::overview(db.conn()).await?)
}

/// Region/state/district/segment and tags on a selection of contacts or groups.
#[tauri::command]
#[specta::specta]
pub async fn bulk_edit(state: State<'_, AppState>, edit: BulkEdit) -> Result<BulkEditResult, ErrorReport> {
    let db = state.db().await?;
    Ok(repo::tags::bulk_edit(db.conn(), &edit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_tag_rules(state: State<'_, AppState>) -> Result<Vec<TagRule>, ErrorReport> {
    let db = state.db().await?;
    Ok(repo::tags::list_rules(db.conn()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_tag_rule(state: State<'_, AppState>, rule: NewTagRule) -> Result<TagRule, ErrorReport> {
    let db = state.db().await?;
    Ok(repo::tags::add_rule(db.conn(), &rule).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_tag_rule(state: State<'_, AppState>, id: i64) -> Result<(), ErrorReport> {
    let db = state.db().await?;
    Ok(repo::tags::delete_rule(db.conn(), id).await?)
}

fn decode(content_base64: &str) -> Result<Vec<u8>, ErrorReport> {
    Ok(base64::engine::general_purpose::STANDARD.decode(content_base64).map_err(ShellError::Upload)?)
}

/// The mapping step of the import wizard: headers, proposed mapping, first rows.
/// The file's bytes come base64-encoded so that a badly encoded line survives the trip.
#[tauri::command]
#[specta::specta]
pub async fn preview_contacts_csv(content_base64: String) -> Result<CsvPreview, ErrorReport> {
    Ok(contacts::preview(&decode(&content_base64)?)?)
}

#[tauri::command]
#[specta::specta]
pub async fn import_contacts_csv(
    state: State<'_, AppState>,
    content_base64: String,
    options: ImportOptions,
) -> Result<ImportReport, ErrorReport> {
    let db = state.db().await?;
    Ok(contacts::import_csv(db.conn(), &decode(&content_base64)?, &options).await?)
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    pub rows: u64,
}

/// Writes the contacts matching `query` (all pages) to a CSV file in the
/// Downloads folder (or the data folder when there is none).
#[tauri::command]
#[specta::specta]
pub async fn export_contacts_csv(state: State<'_, AppState>, query: ContactQuery) -> Result<ExportResult, ErrorReport> {
    let db = state.db().await?;
    let folder = dirs::download_dir().unwrap_or_else(|| state.paths.root().to_path_buf());
    let name = format!("flock-contacts-{}.csv", chrono::Local::now().format("%Y%m%d-%H%M%S"));
    let path = folder.join(name);
    let io_error = |source: std::io::Error| ShellError::Export { path: folder.clone(), source };
    std::fs::create_dir_all(&folder).map_err(io_error)?;
    let file = std::fs::File::create(&path).map_err(io_error)?;
    let rows = contacts::export_csv(db.conn(), &query, std::io::BufWriter::new(file)).await?;
    Ok(ExportResult { path: path.display().to_string(), rows })
}

/// Reads the groups of one account (or of every active account) from
/// WhatsApp and records them; progress arrives as `groups-sync-progress`.
#[tauri::command]
#[specta::specta]
pub async fn sync_groups(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: Option<i64>,
) -> Result<Vec<SyncSummary>, ErrorReport> {
    let db = state.db().await?;
    let accounts = state.accounts().await?;
    let summaries = flock_core::groups::sync_groups(&accounts, &db, account_id, |p: SyncProgress| {
        if let Err(e) = GroupsSyncProgress(p).emit(&app) {
            tracing::warn!(error = %e, "could not emit groups-sync-progress");
        }
    })
    .await?;
    Ok(summaries)
}
