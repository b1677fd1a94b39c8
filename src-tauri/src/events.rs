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

/// Forwards the account service's events to every window until it stops.
pub fn forward_account_events(app: AppHandle<Wry>, mut rx: broadcast::Receiver<AccountEvent>) {
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    if let Err(e) = AccountChanged(event).emit(&app) {
                        tracing::warn!(error = %e, "could not emit account-changed");
                    }
                }
                // A slow window missed some events: the next list refresh catches up.
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "account events lagged");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// A group sync recorded `done` of `total` groups of one account.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct GroupsSyncProgress(pub flock_core::groups::SyncProgress);
