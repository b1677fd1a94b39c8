//! The Inbox page's commands (a few lines each over `flock_core::inbox::desk`)
//! and its live event: `reply-received`, forwarded from the dispatcher as it
//! stores each reply (a lag tells the windows to reload the Inbox).

use chrono::Utc;
use flock_core::inbox::desk::{self, InboxFilter, InboxItem, InboxPage, ReplyRecorded};
use flock_core::services::Services;
use flock_core::ErrorReport;
use serde::Serialize;
use tauri::{AppHandle, State, Wry};
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::events::{ResyncNeeded, ResyncWhat};
use crate::state::AppState;

/// A reply was stored (an opt-out keyword already put the person on the suppression list).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ReplyReceived(pub ReplyRecorded);

/// Replies newest first, filtered; with the unread count and the campaigns replies answer.
#[tauri::command]
#[specta::specta]
pub async fn list_inbox(state: State<'_, AppState>, filter: InboxFilter) -> Result<InboxPage, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::list(db.conn(), &filter).await?)
}

/// Marks replies read (`read: false`: unread again); returns how many changed.
#[tauri::command]
#[specta::specta]
pub async fn set_replies_read(state: State<'_, AppState>, ids: Vec<i64>, read: bool) -> Result<u64, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::set_read(db.conn(), &ids, read, Utc::now()).await?)
}

/// Marks every unread reply the filter shows read.
#[tauri::command]
#[specta::specta]
pub async fn mark_inbox_read(state: State<'_, AppState>, filter: InboxFilter) -> Result<u64, ErrorReport> {
    let db = state.db().await?;
    Ok(desk::mark_all_read(db.conn(), &filter, Utc::now()).await?)
}

/// Opts the person who wrote the reply out (or back in), by hand.
#[tauri::command]
#[specta::specta]
pub async fn set_reply_opt_out(
    state: State<'_, AppState>,
    id: i64,
    opted_out: bool,
    reason: Option<String>,
) -> Result<InboxItem, ErrorReport> {
    let db = state.db().await?;
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    Ok(desk::set_opt_out(db.conn(), id, opted_out, reason.as_deref(), "app").await?)
}

/// Forwards the dispatcher's stored replies to every window until it stops.
pub fn forward(app: &AppHandle<Wry>, services: &Services) {
    let Some(dispatcher) = services.dispatcher() else {
        return;
    };
    let rx = dispatcher.replies();
    let app = app.clone();
    tauri::async_runtime::spawn(run(rx, move |out| {
        let sent = match out {
            Some(reply) => ReplyReceived(reply).emit(&app),
            None => (ResyncNeeded { what: ResyncWhat::Inbox, missed: 1 }).emit(&app),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not emit reply-received");
        }
    }));
}

/// `None`: replies were lost on the way (the windows reload).
async fn run(mut rx: broadcast::Receiver<ReplyRecorded>, mut send: impl FnMut(Option<ReplyRecorded>)) {
    loop {
        match rx.recv().await {
            Ok(r) => send(Some(r)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "replies lagged: the windows reload the inbox");
                send(None);
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(id: i64) -> ReplyRecorded {
        ReplyRecorded { id, account_id: 1, contact_id: Some(7), reply_to: None, opted_out: id == 4, opted_in: false }
    }

    #[tokio::test]
    async fn replies_are_forwarded_in_order_and_a_lag_asks_for_a_reload() {
        let (tx, rx) = broadcast::channel(2);
        for id in 1..=4 {
            tx.send(reply(id)).unwrap();
        }
        drop(tx);
        let mut seen = Vec::new();
        run(rx, |r| seen.push(r.map(|r| r.id))).await;
        assert_eq!(seen, [None, Some(3), Some(4)]);
    }

    #[test]
    fn the_event_reaches_the_ui_in_its_typed_shape() {
        assert_eq!(
            serde_json::to_value(ReplyReceived(reply(4))).unwrap(),
            serde_json::json!({"id": 4, "accountId": 1, "contactId": 7, "replyTo": null, "optedOut": true, "optedIn": false})
        );
    }
}
