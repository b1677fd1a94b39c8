//! Commands of the Campaigns pages (list, composer, report): each a few
//! lines over `flock_core::campaigns::store` (and its `desk` module). A
//! command that changes a campaign's status tells every window
//! (`campaign-changed`, see `campaign_events`); the dispatcher's progress
//! arrives as `campaign-progressed`.
//!
//! Files are chosen in native dialogs opened here, on the Rust side: the
//! window has no dialog or file permission (capabilities/default.json), it
//! only receives the path the person chose and hands it back to the core,
//! which checks the file (type sniffed, WhatsApp's limits) before using it.

use std::path::PathBuf;

use chrono::Utc;
use flock_core::campaigns::store::desk::{
    self, CampaignReport, CampaignRow, DraftUpdate, DraftView, MediaInfo,
};
use flock_core::campaigns::store::desk::{RetryReport, Review, SenderView, TemplateCheck};
use flock_core::campaigns::store::{
    self, local_time_zone, CampaignView, PreviewOptions, StartReport,
};
use flock_core::campaigns::{transition, AudienceCount, CampaignError, CampaignEvent};
use flock_core::contacts::{self, CsvPreview};
use flock_core::ErrorReport;
use tauri::{AppHandle, State, Wry};
use tauri_plugin_dialog::DialogExt;

use crate::campaign_events::{announce, CampaignWatch};
use crate::commands::ShellError;
use crate::contacts::ExportResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_campaigns(state: State<'_, AppState>) -> Result<Vec<CampaignRow>, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::overview(db.conn(), Utc::now(), local_time_zone()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_campaign(
    state: State<'_, AppState>,
    id: i64,
) -> Result<CampaignView, ErrorReport> {
    let db = state.db().await?;
    Ok(store::show(db.conn(), id, Utc::now(), local_time_zone()).await?)
}

/// A new draft: the composer saves it at every step from then on.
#[tauri::command]
#[specta::specta]
pub async fn create_campaign_draft(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    name: String,
) -> Result<DraftView, ErrorReport> {
    let db = state.db().await?;
    let view = desk::create_draft(db.conn(), &state.paths, &name, local_time_zone()).await?;
    announce(
        &app,
        &watch,
        view.campaign.id,
        view.campaign.status,
        view.campaign.reason.clone(),
    );
    Ok(view)
}

#[tauri::command]
#[specta::specta]
pub async fn open_campaign_draft(
    state: State<'_, AppState>,
    id: i64,
) -> Result<DraftView, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::open_draft(db.conn(), &state.paths, id, local_time_zone()).await?)
}

/// Saves the parts of the draft `update` gives (a step of the composer).
#[tauri::command]
#[specta::specta]
pub async fn save_campaign_draft(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
    update: DraftUpdate,
) -> Result<DraftView, ErrorReport> {
    let db = state.db().await?;
    let view = desk::save_draft(db.conn(), &state.paths, id, &update, local_time_zone()).await?;
    announce(
        &app,
        &watch,
        id,
        view.campaign.status,
        view.campaign.reason.clone(),
    );
    Ok(view)
}

/// The editor's check while typing: problems with their line and column, the variables used, the length.
#[tauri::command]
#[specta::specta]
pub async fn check_campaign_text(
    text: String,
    csv_headers: Vec<String>,
) -> Result<TemplateCheck, ErrorReport> {
    Ok(desk::check_template(&text, &csv_headers))
}

/// The file at `path` checked for sending (type, WhatsApp's size limit), with a thumbnail for an image.
#[tauri::command]
#[specta::specta]
pub async fn inspect_media(path: String) -> Result<MediaInfo, ErrorReport> {
    Ok(
        run_blocking(move || desk::inspect(&PathBuf::from(path)).map_err(ErrorReport::from))
            .await?,
    )
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorReport> + Send + 'static,
) -> Result<T, ErrorReport> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ErrorReport {
            kind: flock_core::ErrorKind::Internal,
            message: format!("the work stopped: {e}"),
            fix: None,
        })?
}

/// Opens a native "open file" dialog; `None` when the person cancels.
async fn pick(
    app: &AppHandle<Wry>,
    title: &str,
    filter: Option<(&str, &[&str])>,
) -> Result<Option<String>, ErrorReport> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title(title);
    if let Some((name, extensions)) = filter {
        dialog = dialog.add_filter(name, extensions);
    }
    dialog.pick_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let chosen = rx.await.ok().flatten();
    Ok(chosen
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// The attachment picker: an image, video, audio file or document.
#[tauri::command]
#[specta::specta]
pub async fn choose_media_file(app: AppHandle) -> Result<Option<String>, ErrorReport> {
    pick(&app, "Attach a file to the message", None).await
}

#[tauri::command]
#[specta::specta]
pub async fn choose_csv_file(app: AppHandle) -> Result<Option<String>, ErrorReport> {
    pick(
        &app,
        "Choose a CSV of people to send to",
        Some(("CSV", &["csv", "txt"])),
    )
    .await
}

/// Headers, proposed mapping and first rows of a CSV file (the audience step's mapping).
#[tauri::command]
#[specta::specta]
pub async fn preview_csv_file(path: String) -> Result<CsvPreview, ErrorReport> {
    let bytes = std::fs::read(&path).map_err(|source| CampaignError::FileUnreadable {
        path: PathBuf::from(&path),
        source,
    })?;
    Ok(contacts::preview(&bytes)?)
}

/// "2,340 targets: 2,120 to send, 180 opted out, …" for the draft as saved.
#[tauri::command]
#[specta::specta]
pub async fn campaign_audience_count(
    state: State<'_, AppState>,
    id: i64,
) -> Result<AudienceCount, ErrorReport> {
    let db = state.db().await?;
    let options = PreviewOptions {
        targets: Vec::new(),
        count: 1,
    };
    Ok(
        store::preview(db.conn(), id, &options, Utc::now(), local_time_zone())
            .await?
            .audience,
    )
}

/// Every account with its limits, today's allowance left and its ramp-up stage.
#[tauri::command]
#[specta::specta]
pub async fn campaign_senders(state: State<'_, AppState>) -> Result<Vec<SenderView>, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::senders(db.conn(), Utc::now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_campaign(state: State<'_, AppState>, id: i64) -> Result<Review, ErrorReport> {
    let db = state.db().await?;
    let browser = desk::browser_kind(&state.paths);
    Ok(desk::review(db.conn(), id, Utc::now(), local_time_zone(), browser).await?)
}

/// Starts the campaign (after the full checks): running now, or scheduled for its start time.
#[tauri::command]
#[specta::specta]
pub async fn start_campaign(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
) -> Result<StartReport, ErrorReport> {
    let db = state.db().await?;
    let report = desk::start_draft(db.conn(), id, Utc::now()).await?;
    announce(&app, &watch, id, report.status, Some(report.reason.clone()));
    Ok(report)
}

async fn step(
    app: &AppHandle,
    state: &AppState,
    watch: &CampaignWatch,
    id: i64,
    event: CampaignEvent,
) -> Result<CampaignView, ErrorReport> {
    let db = state.db().await?;
    transition(db.conn(), id, &event, None).await?;
    let view = store::show(db.conn(), id, Utc::now(), local_time_zone()).await?;
    announce(app, watch, id, view.status, view.reason.clone());
    Ok(view)
}

#[tauri::command]
#[specta::specta]
pub async fn pause_campaign(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
) -> Result<CampaignView, ErrorReport> {
    step(&app, &state, &watch, id, CampaignEvent::Pause).await
}

#[tauri::command]
#[specta::specta]
pub async fn resume_campaign(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
) -> Result<CampaignView, ErrorReport> {
    step(&app, &state, &watch, id, CampaignEvent::Resume).await
}

/// Cancels the campaign: what is still pending is skipped (`campaign_cancelled`).
#[tauri::command]
#[specta::specta]
pub async fn cancel_campaign(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
) -> Result<CampaignView, ErrorReport> {
    step(&app, &state, &watch, id, CampaignEvent::Cancel).await
}

/// The live report's tables: per account, failures and skips by reason, the timeline, replies, history.
#[tauri::command]
#[specta::specta]
pub async fn campaign_report(
    state: State<'_, AppState>,
    id: i64,
) -> Result<CampaignReport, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::report(db.conn(), id, Utc::now(), local_time_zone()).await?)
}

/// Failed messages that certainly never reached WhatsApp go back to pending
/// (only those failed with `reason`, when given); a completed campaign runs again.
#[tauri::command]
#[specta::specta]
pub async fn retry_failed_messages(
    app: AppHandle,
    state: State<'_, AppState>,
    watch: State<'_, CampaignWatch>,
    id: i64,
    reason: Option<String>,
) -> Result<RetryReport, ErrorReport> {
    let db = state.db().await?;
    let report = desk::retry_failed(db.conn(), id, reason.as_deref()).await?;
    if report.moved > 0 {
        announce(&app, &watch, id, report.status, None);
    }
    Ok(report)
}

/// Writes the campaign's report (one line per target) to a CSV file chosen
/// in a native "save" dialog; `None` when the person cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_campaign_report(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<ExportResult>, ErrorReport> {
    let db = state.db().await?;
    let view = store::show(db.conn(), id, Utc::now(), local_time_zone()).await?;
    let name: String = view
        .name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save the campaign's report")
        .add_filter("CSV", &["csv"]);
    dialog = dialog.set_file_name(format!("flock-campaign-{id}-{name}.csv"));
    if let Some(downloads) = dirs::download_dir() {
        dialog = dialog.set_directory(downloads);
    }
    dialog.save_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let Some(path) = rx.await.ok().flatten().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let io_error = |source: std::io::Error| ShellError::Export {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::create(&path).map_err(io_error)?;
    let rows = store::report_csv(db.conn(), id, std::io::BufWriter::new(file)).await?;
    Ok(Some(ExportResult {
        path: path.display().to_string(),
        rows,
    }))
}
