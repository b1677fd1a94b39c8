//! Typed commands: each a few lines over the core, errors as `ErrorReport`.

use flock_core::accounts::{AccountView, LinkMethod};
use flock_core::db::DatabaseInfo;
use flock_core::{ErrorKind, ErrorReport};
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

#[tauri::command]
#[specta::specta]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>, ErrorReport> {
    Ok(state.accounts().await?.list().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_account(state: State<'_, AppState>, name: String) -> Result<AccountView, ErrorReport> {
    Ok(state.accounts().await?.add(&name).await?)
}

/// Starts linking: QR codes or a pairing code arrive as `account-changed` events.
#[tauri::command]
#[specta::specta]
pub async fn link_account(state: State<'_, AppState>, id: i64, method: LinkMethod) -> Result<(), ErrorReport> {
    Ok(state.accounts().await?.link(id, method).await?)
}

/// Unlinks the account on WhatsApp and closes its browser.
#[tauri::command]
#[specta::specta]
pub async fn logout_account(state: State<'_, AppState>, id: i64) -> Result<(), ErrorReport> {
    Ok(state.accounts().await?.logout(id).await?)
}

/// Wipes the account's browser profile; the account is back to `new`.
#[tauri::command]
#[specta::specta]
pub async fn reset_account(state: State<'_, AppState>, id: i64) -> Result<AccountView, ErrorReport> {
    Ok(state.accounts().await?.reset(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_account(state: State<'_, AppState>, id: i64) -> Result<(), ErrorReport> {
    Ok(state.accounts().await?.remove(id).await?)
}

/// Shows the account's browser window (troubleshooting) or hides it again.
#[tauri::command]
#[specta::specta]
pub async fn set_show_browser(state: State<'_, AppState>, id: i64, show: bool) -> Result<AccountView, ErrorReport> {
    Ok(state.accounts().await?.set_show_browser(id, show).await?)
}

/// Demo mode only: the simulator's phone scans the account's QR code, as a
/// phone would. Uses the first demo phone that no account has linked yet.
#[tauri::command]
#[specta::specta]
pub async fn demo_scan(state: State<'_, AppState>, id: i64) -> Result<AccountView, ErrorReport> {
    let Some(sim) = &state.demo else {
        return Err(ErrorReport {
            kind: ErrorKind::InvalidInput,
            message: "simulated scans exist only in demo mode".into(),
            fix: Some("Scan the QR code with the phone: WhatsApp, Settings, Linked devices, Link a device".into()),
        });
    };
    let accounts = state.accounts().await?;
    let account = accounts.get(id).await?;
    let Some(qr) = account.qr else {
        return Err(ErrorReport {
            kind: ErrorKind::Conflict,
            message: format!("account \"{}\" is not showing a QR code", account.name),
            fix: Some("Click Link first and wait for the QR code".into()),
        });
    };
    let taken: Vec<String> = accounts.list().await?.into_iter().filter_map(|a| a.phone).collect();
    let phone = sim
        .phones()
        .await
        .into_iter()
        .map(|p| p.phone)
        .find(|p| !taken.contains(p))
        .ok_or_else(|| ErrorReport {
            kind: ErrorKind::Conflict,
            message: "every demo phone is already linked".into(),
            fix: Some("Remove a demo account first".into()),
        })?;
    sim.scan(&qr.payload, &phone).await.map_err(|e| ErrorReport {
        kind: ErrorKind::Conflict,
        message: format!("the demo phone could not scan: {e}"),
        fix: Some("Wait for the next QR code and try again".into()),
    })?;
    Ok(accounts.get(id).await?)
}
