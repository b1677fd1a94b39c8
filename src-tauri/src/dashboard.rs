//! The Dashboard's one command over `flock_core::dashboard`. The page stays
//! live by loading again on the account, campaign and reply events.

use chrono::Utc;
use flock_core::campaigns::store::local_time_zone;
use flock_core::dashboard::{self, Dashboard};
use flock_core::ErrorReport;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(state: State<'_, AppState>) -> Result<Dashboard, ErrorReport> {
    let db = state.db().await?;
    Ok(dashboard::dashboard(db.conn(), Utc::now(), local_time_zone()).await?)
}
