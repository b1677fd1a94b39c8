//! Events pushed to every window. Each is a typed tauri-specta event.

use flock_core::accounts::AccountEvent;
use serde::Serialize;
use tauri::{AppHandle, Wry};
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::state::DatabaseStatus;

/// The database in use changed (switched in Settings, or failed).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DatabaseChanged {
    pub status: DatabaseStatus,
}

/// An account changed: state, number, QR code, pairing code, or removed.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct AccountChanged(pub AccountEvent);

/// What a window must load again because events about it were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ResyncWhat {
    Accounts,
    /// Campaign progress was lost: the Campaigns pages load again.
    Campaigns,
    /// Replies were lost: the Inbox loads again.
    Inbox,
}

/// Events were lost on the way to the windows (the core's channel lagged
/// behind a burst): every window reloads `what` instead of showing stale rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, tauri_specta::Event)]
pub struct ResyncNeeded {
    pub what: ResyncWhat,
    /// How many events were lost.
    pub missed: u64,
}

/// One thing the account forwarder sends to the windows.
#[derive(Debug, Clone)]
enum Outgoing {
    Account(AccountEvent),
    Resync(ResyncNeeded),
}

/// Forwards the account service's events to every window until it stops.
pub fn forward_account_events(app: AppHandle<Wry>, rx: broadcast::Receiver<AccountEvent>) {
    tauri::async_runtime::spawn(forward(rx, move |out| {
        let (name, sent) = match out {
            Outgoing::Account(event) => {
                crate::notifications::account_event(&app, &event);
                ("account-changed", AccountChanged(event).emit(&app))
            }
            Outgoing::Resync(resync) => ("resync-needed", resync.emit(&app)),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, event = name, "could not emit to the windows");
        }
    }));
}

/// The forwarding loop, apart from Tauri so that a test can drive it.
async fn forward(mut rx: broadcast::Receiver<AccountEvent>, mut send: impl FnMut(Outgoing)) {
    loop {
        match rx.recv().await {
            Ok(event) => send(Outgoing::Account(event)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "account events lagged: the windows reload the accounts");
                send(Outgoing::Resync(ResyncNeeded { what: ResyncWhat::Accounts, missed }));
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// A group sync recorded `done` of `total` groups of one account.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct GroupsSyncProgress(pub flock_core::groups::SyncProgress);

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(id: i64) -> AccountEvent {
        AccountEvent::Removed { id }
    }

    #[tokio::test]
    async fn a_lagged_channel_tells_the_windows_to_reload_the_accounts() {
        let (tx, rx) = broadcast::channel(2);
        // A burst the forwarder has not read yet: the two oldest of four are lost.
        for id in 1..=4 {
            tx.send(removed(id)).unwrap();
        }
        drop(tx);
        let mut out = Vec::new();
        forward(rx, |o| out.push(o)).await;
        let shown: Vec<String> = out
            .iter()
            .map(|o| match o {
                Outgoing::Account(AccountEvent::Removed { id }) => format!("removed {id}"),
                Outgoing::Account(other) => format!("{other:?}"),
                Outgoing::Resync(r) => format!("resync {:?} missed {}", r.what, r.missed),
            })
            .collect();
        assert_eq!(shown, ["resync Accounts missed 2", "removed 3", "removed 4"]);
    }

    #[test]
    fn resync_needed_reaches_the_ui_in_its_typed_shape() {
        let event = ResyncNeeded { what: ResyncWhat::Accounts, missed: 7 };
        assert_eq!(serde_json::to_value(&event).unwrap(), serde_json::json!({"what": "accounts", "missed": 7}));
    }
}

/// The dispatcher's health changed: the database stopped or started
/// answering it, or acks and replies wait to be recorded.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DispatcherHealthChanged(pub flock_core::dispatch::DispatcherHealth);

/// Forwards the dispatcher's health to every window until it stops.
pub fn forward_dispatcher_health(app: &AppHandle<Wry>, services: &flock_core::services::Services) {
    let Some(dispatcher) = services.dispatcher() else { return };
    let mut rx = dispatcher.health();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            // Not logged here: the dispatcher's tick already logs each failure.
            let health = rx.borrow_and_update().clone();
            if let Err(e) = DispatcherHealthChanged(health).emit(&app) {
                tracing::warn!(error = %e, event = "dispatcher-health-changed", "could not emit to the windows");
            }
        }
    });
}
