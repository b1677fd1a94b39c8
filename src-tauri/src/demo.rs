//! Demo mode starts full: the simulator's three team phones linked as
//! accounts and their groups synced, so every screen has something to show
//! within seconds of `scripts/run.sh --demo`.
//!
//! The simulator lives in memory, so a fresh run would not know the logins
//! the accounts' browser profiles keep and every account would come back
//! `logged_out`. The linked devices are therefore saved in the demo data
//! folder (`demo-devices.json`) whenever an account becomes active, and given
//! back to the simulator before the accounts restore. A demo phone with no
//! account, or whose account is logged out, new or expired, is linked again
//! by a simulated scan; then the demo campaigns (`demo_campaigns`). Only
//! `scripts/run.sh --demo` (no `--demo-port`, or `--demo-full`) fills it:
//! the end-to-end tests link their own accounts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flock_core::accounts::{AccountEvent, AccountManager, AccountState, LinkMethod};
use flock_core::paths::DataPaths;
use flock_sim::{LinkedDevice, SimHandle};
use tauri::{AppHandle, Manager, Wry};
use tokio::sync::broadcast;

use crate::state::AppState;

/// How long a demo link (or the restore of the accounts) may take before it
/// is left for the person to finish (a loaded machine starts browsers slowly).
const LINK_TIMEOUT: Duration = Duration::from_secs(120);

fn devices_file(paths: &DataPaths) -> PathBuf {
    paths.root().join("demo-devices.json")
}

/// Gives the simulator the devices linked in earlier demo runs.
pub fn restore_devices(sim: &SimHandle, paths: &DataPaths) {
    let file = devices_file(paths);
    let Ok(text) = std::fs::read_to_string(&file) else { return };
    match serde_json::from_str::<Vec<LinkedDevice>>(&text) {
        Ok(devices) => {
            let n = sim.restore_devices(&devices);
            tracing::info!(devices = n, "demo: linked devices restored");
        }
        Err(e) => tracing::warn!(file = %file.display(), error = %e, "demo: the saved devices are unreadable; the accounts link again"),
    }
}

fn save_devices(sim: &SimHandle, file: &Path) {
    let devices = sim.linked_devices();
    let saved = serde_json::to_vec_pretty(&devices).map_err(std::io::Error::other).and_then(|bytes| {
        let tmp = file.with_extension("json.tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, file)
    });
    if let Err(e) = saved {
        tracing::warn!(file = %file.display(), error = %e, "demo: cannot save the linked devices");
    }
}

/// Starts filling the demo (in the background; the window opens at once).
pub fn start(app: &AppHandle<Wry>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Some(sim) = state.demo.as_ref() else { return };
        let Ok(accounts) = state.accounts().await else { return };
        let file = devices_file(&state.paths);
        let events = accounts.subscribe();
        // A login this run's simulator does not know ends as logged_out: wait for the restore to say so.
        wait_restored(&accounts).await;
        if let Err(e) = fill(sim, &accounts, &file).await {
            tracing::warn!(error = %e, "demo: could not link every demo phone");
        }
        save_devices(sim, &file);
        if let (Ok(db), true) = (state.db().await, wait_active(&accounts).await) {
            if groups_empty(&db).await {
                let synced = flock_core::groups::sync_groups(&accounts, &db, None, |_| {}).await;
                match synced {
                    Ok(s) => tracing::info!(accounts = s.len(), "demo: groups synced"),
                    Err(e) => tracing::warn!(error = %e, "demo: group sync failed"),
                }
            }
        }
        let saver = keep_saving(sim, events, &file);
        let campaigns = async {
            if let Ok(db) = state.db().await {
                if let Err(e) = crate::demo_campaigns::seed(&db, &state.paths, sim).await {
                    tracing::warn!(error = %e, "demo: the demo campaigns were not made");
                }
            }
        };
        tokio::join!(saver, campaigns);
    });
}

/// Links every demo phone that has no usable account.
async fn fill(sim: &SimHandle, accounts: &AccountManager, file: &Path) -> Result<(), flock_core::accounts::AccountError> {
    let list = accounts.list().await?;
    let mut used: Vec<i64> = Vec::new();
    for (i, phone) in sim.phones().await.iter().enumerate() {
        let existing = list.iter().find(|a| a.phone.as_deref() == Some(phone.phone.as_str()));
        let id = match existing {
            Some(a) if !needs_link(a.state) => continue,
            Some(a) => a.id,
            // An account of an earlier run that was never linked is used before a new one is added.
            None => match list.iter().find(|a| a.phone.is_none() && needs_link(a.state) && !used.contains(&a.id)) {
                Some(a) => a.id,
                None => accounts.add(&format!("Sales {}", i + 1)).await?.id,
            },
        };
        used.push(id);
        match link_one(sim, accounts, id, &phone.phone).await {
            Ok(()) => save_devices(sim, file),
            Err(e) => tracing::warn!(account = id, error = %e, "demo: link failed"),
        }
    }
    Ok(())
}

fn needs_link(state: AccountState) -> bool {
    matches!(state, AccountState::LoggedOut | AccountState::New | AccountState::LinkExpired | AccountState::Failed)
}

async fn link_one(sim: &SimHandle, accounts: &AccountManager, id: i64, phone: &str) -> Result<(), String> {
    let mut rx = accounts.subscribe();
    accounts.link(id, LinkMethod::Qr).await.map_err(|e| e.to_string())?;
    let qr = tokio::time::timeout(LINK_TIMEOUT, async {
        loop {
            match rx.recv().await {
                Ok(AccountEvent::Qr { id: qid, payload, .. }) if qid == id => return Some(payload),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
    .ok_or("no QR code was shown")?;
    sim.scan(&qr, phone).await.map_err(|e| e.to_string())?;
    tracing::info!(account = id, "demo: phone scanned");
    Ok(())
}

/// Waits (up to the link timeout) until every account is active; false if not.
async fn wait_active(accounts: &AccountManager) -> bool {
    wait_until(accounts, false, |s| s == AccountState::Active).await
}

/// Waits until no account is still coming back from its profile.
async fn wait_restored(accounts: &AccountManager) -> bool {
    wait_until(accounts, true, |s| !matches!(s, AccountState::Syncing | AccountState::Reconnecting)).await
}

/// `empty_ok`: no account at all counts as done.
async fn wait_until(accounts: &AccountManager, empty_ok: bool, ok: impl Fn(AccountState) -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + LINK_TIMEOUT;
    let mut rx = accounts.subscribe();
    loop {
        match accounts.list().await {
            Ok(list) if (empty_ok || !list.is_empty()) && list.iter().all(|a| ok(a.state)) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        // The next account change (or the deadline): never a fixed poll.
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return false,
        }
    }
}

async fn groups_empty(db: &flock_core::db::Database) -> bool {
    flock_core::repo::groups::overview(db.conn()).await.map(|g| g.is_empty()).unwrap_or(false)
}

/// Saves the devices again whenever an account becomes active (a link made on the Accounts page).
async fn keep_saving(sim: &SimHandle, mut rx: broadcast::Receiver<AccountEvent>, file: &Path) {
    loop {
        match rx.recv().await {
            Ok(AccountEvent::Changed { account }) if account.state == AccountState::Active => save_devices(sim, file),
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
