//! Typed commands: each a few lines over the core, errors as `ErrorReport`.

use flock_core::accounts::{bridge_override, AccountView, BridgeOverride, LinkMethod};
use flock_core::db::DatabaseInfo;
use flock_core::error::Report;
use flock_core::settings::SettingsStore;
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
    /// What is wrong in settings.json now (a bad value names its key); empty when all is well.
    pub settings_problems: Vec<ErrorReport>,
    /// A `bridge.js` in the data folder runs inside every account's WhatsApp Web instead of the built-in one.
    pub bridge_override: Option<BridgeOverride>,
    /// Whether the dispatcher can reach the database (kept live by `dispatcherHealthChanged`).
    pub dispatcher: flock_core::dispatch::DispatcherHealth,
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
        settings_problems: SettingsStore::for_paths(&state.paths).problems().iter().map(Report::report).collect(),
        bridge_override: bridge_override(state.paths.root()),
        dispatcher: state.dispatcher_health().await,
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

/// Team mode: the workstations sharing this database, with the accounts each runs.
#[tauri::command]
#[specta::specta]
pub async fn list_workstations(state: State<'_, AppState>) -> Result<Vec<flock_core::team::WorkstationView>, ErrorReport> {
    Ok(state.accounts().await?.workstations().await?)
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
pub async fn logout_account(
    state: State<'_, AppState>,
    notifier: State<'_, crate::notifications::Notifier>,
    id: i64,
) -> Result<(), ErrorReport> {
    // The logged_out that follows is the user's own doing: no notification.
    crate::notifications::expect_user_logout(&notifier, id);
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
        return Err(ShellError::NotDemo.into());
    };
    let accounts = state.accounts().await?;
    let account = accounts.get(id).await?;
    let Some(qr) = account.qr else {
        return Err(ShellError::NoQrShown { account: account.name }.into());
    };
    let taken: Vec<String> = accounts.list().await?.into_iter().filter_map(|a| a.phone).collect();
    let phone = sim
        .phones()
        .await
        .into_iter()
        .map(|p| p.phone)
        .find(|p| !taken.contains(p))
        .ok_or(ShellError::NoFreeDemoPhone)?;
    sim.scan(&qr.payload, &phone).await.map_err(ShellError::DemoScan)?;
    Ok(accounts.get(id).await?)
}

/// Errors of the shell's own steps (the core's errors report themselves).
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("simulated scans exist only in demo mode")]
    NotDemo,
    #[error("account \"{account}\" is not showing a QR code")]
    NoQrShown { account: String },
    #[error("every demo phone is already linked")]
    NoFreeDemoPhone,
    #[error("the demo phone could not scan: {0}")]
    DemoScan(#[source] flock_sim::SimError),
    #[error("the file did not arrive intact: {0}")]
    Upload(#[source] base64::DecodeError),
    #[error("cannot write {}: {source}", path.display())]
    Export { path: std::path::PathBuf, source: std::io::Error },
    #[error("contact {0} vanished while it was being changed")]
    ContactVanished(i64),
}

impl Report for ShellError {
    fn report(&self) -> ErrorReport {
        let (kind, fix) = match self {
            ShellError::NotDemo => (
                ErrorKind::InvalidInput,
                Some("Scan the QR code with the phone: WhatsApp, Settings, Linked devices, Link a device"),
            ),
            ShellError::NoQrShown { .. } => (ErrorKind::Conflict, Some("Click Link first and wait for the QR code")),
            ShellError::NoFreeDemoPhone => (ErrorKind::Conflict, Some("Remove a demo account first")),
            ShellError::DemoScan(_) => (ErrorKind::Conflict, Some("Wait for the next QR code and try again")),
            ShellError::Upload(_) => (ErrorKind::InvalidInput, Some("Choose the file again")),
            ShellError::Export { .. } => {
                (ErrorKind::InvalidInput, Some("Check that the Downloads folder exists and is writable"))
            }
            ShellError::ContactVanished(_) => (ErrorKind::NotFound, Some("Refresh the list")),
        };
        ErrorReport { kind, message: self.to_string(), fix: fix.map(str::to_string) }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn debug_of_the_launch_options_hides_the_database_password() {
        use clap::Parser;
        let options =
            crate::launch::LaunchOptions::try_parse_from(["flock", "--database-url", "postgres://flock@db/flock?password=s3cret"])
                .unwrap();
        let shown = format!("{options:?}");
        assert!(!shown.contains("s3cret") && shown.contains("password=****"), "{shown}");
    }

    #[test]
    fn shell_errors_keep_their_cause_and_report_a_fix() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = ShellError::Export { path: "/home/ana/Downloads".into(), source: io };
        assert!(err.source().and_then(|s| s.downcast_ref::<std::io::Error>()).is_some());
        let report = ErrorReport::from(err);
        assert_eq!(report.message, "cannot write /home/ana/Downloads: denied");
        assert_eq!(report.kind, ErrorKind::InvalidInput);
        assert!(report.fix.unwrap().contains("Downloads"));
    }
}
