//! Events pushed to every window. Each is a typed tauri-specta event.

use serde::Serialize;

use crate::state::DatabaseStatus;

/// The database in use changed (switched in Settings, or failed).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DatabaseChanged {
    pub status: DatabaseStatus,
}
