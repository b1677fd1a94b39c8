//! The Campaigns pages' live events:
//! - `campaign-progressed`: the dispatcher's progress (counts by status and
//!   the ETA), forwarded as it publishes it (a few a second per campaign at
//!   most, coalesced by the dispatcher);
//! - `campaign-changed`: a campaign's status changed (or a draft was saved).
//!   The commands announce the changes a person makes here; the changes
//!   the dispatcher makes (completed, paused because no account can send,
//!   resumed by itself, started at its time) are found when its progress
//!   event for that campaign arrives, by reading the campaign's status
//!   (the dispatcher marks a campaign it moved for a progress event).
//!
//! A finish or a pause the person did not make here is a desktop
//! notification (`notifications::campaign_moved`).

use std::collections::HashMap;
use std::sync::Mutex;

use flock_core::campaigns::lifecycle::CampaignStatus;
use flock_core::campaigns::store;
use flock_core::dispatch::CampaignProgress;
use flock_core::services::Services;
use serde::Serialize;
use tauri::{AppHandle, Manager, Wry};
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::events::{ResyncNeeded, ResyncWhat};

/// The dispatcher's progress of one campaign.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CampaignProgressed(pub CampaignProgress);

/// A campaign changed: its status (with the reason), or a draft was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct CampaignChanged {
    pub id: i64,
    pub status: CampaignStatus,
    pub reason: Option<String>,
}

/// The status each campaign had when the windows last heard of it.
#[derive(Debug, Default)]
pub struct CampaignWatch {
    last: Mutex<HashMap<i64, CampaignStatus>>,
}

impl CampaignWatch {
    /// Records `status`; returns the one before (`None`: first seen).
    pub fn note(&self, id: i64, status: CampaignStatus) -> Option<CampaignStatus> {
        self.last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, status)
    }

    fn seed(&self, statuses: impl IntoIterator<Item = (i64, CampaignStatus)>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        for (id, s) in statuses {
            last.entry(id).or_insert(s);
        }
    }
}

/// A change made here: remembered (so the progress that follows is no
/// news) and told to every window.
pub fn announce(
    app: &AppHandle<Wry>,
    watch: &CampaignWatch,
    id: i64,
    status: CampaignStatus,
    reason: Option<String>,
) {
    watch.note(id, status);
    if let Err(e) = (CampaignChanged { id, status, reason }).emit(app) {
        tracing::warn!(error = %e, "could not emit campaign-changed");
    }
}

/// What one progress event calls for, given the campaign's stored status.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// Same status as before: the progress alone.
    Progress,
    /// The status changed (`from: None`: first seen, no notification).
    Moved { from: Option<CampaignStatus> },
}

pub fn on_status(watch: &CampaignWatch, id: i64, status: CampaignStatus) -> Seen {
    match watch.note(id, status) {
        Some(before) if before == status => Seen::Progress,
        from => Seen::Moved { from },
    }
}

/// Forwards the dispatcher's progress to every window (and the status
/// changes found with it) until the dispatcher stops.
pub fn forward(app: &AppHandle<Wry>, services: &Services) {
    let Some(dispatcher) = services.dispatcher() else {
        return;
    };
    let rx = dispatcher.progress();
    let db = services.db().clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let (Some(watch), Ok(rows)) = (
            app.try_state::<CampaignWatch>(),
            store::list(db.conn()).await,
        ) {
            watch.seed(rows.iter().map(|r| (r.id, r.status)));
        }
        run(rx, |p| forward_one(&app, &db, p)).await;
    });
}

async fn run<F, Fut>(mut rx: broadcast::Receiver<CampaignProgress>, mut each: F)
where
    F: FnMut(Option<CampaignProgress>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    loop {
        match rx.recv().await {
            Ok(p) => each(Some(p)).await,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "campaign progress lagged: the windows reload the campaigns"
                );
                each(None).await;
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// `None`: events were lost, the windows reload.
async fn forward_one(
    app: &AppHandle<Wry>,
    db: &flock_core::db::Database,
    progress: Option<CampaignProgress>,
) {
    let Some(p) = progress else {
        let _ = (ResyncNeeded {
            what: ResyncWhat::Campaigns,
            missed: 1,
        })
        .emit(app);
        return;
    };
    let id = p.campaign_id;
    if let Err(e) = CampaignProgressed(p).emit(app) {
        tracing::warn!(error = %e, "could not emit campaign-progressed");
    }
    let Some(watch) = app.try_state::<CampaignWatch>() else {
        return;
    };
    let c = match store::load(db.conn(), id).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(campaign = id, error = %e, "cannot read the campaign's status");
            return;
        }
    };
    let (status, row) = (c.state.status, c.row);
    if let Seen::Moved { from } = on_status(&watch, id, status) {
        if let Some(from) = from {
            crate::notifications::campaign_moved(
                app,
                &row.name,
                from,
                status,
                row.status_reason.as_deref(),
            );
        }
        let _ = (CampaignChanged {
            id,
            status,
            reason: row.status_reason,
        })
        .emit(app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flock_core::campaigns::CampaignCounts;

    #[test]
    fn a_status_the_windows_know_is_no_news_a_new_one_is() {
        let watch = CampaignWatch::default();
        assert_eq!(
            on_status(&watch, 7, CampaignStatus::Running),
            Seen::Moved { from: None }
        );
        assert_eq!(
            on_status(&watch, 7, CampaignStatus::Running),
            Seen::Progress
        );
        assert_eq!(
            on_status(&watch, 7, CampaignStatus::Completed),
            Seen::Moved {
                from: Some(CampaignStatus::Running)
            }
        );
        // A pause the person made here was noted by the command first: no notification follows.
        watch.note(7, CampaignStatus::Paused);
        assert_eq!(on_status(&watch, 7, CampaignStatus::Paused), Seen::Progress);
    }

    #[tokio::test]
    async fn progress_is_forwarded_in_order_and_a_lag_asks_for_a_reload() {
        let (tx, rx) = broadcast::channel(2);
        let p = |id| CampaignProgress {
            campaign_id: id,
            counts: CampaignCounts::default(),
            eta: None,
            finishes_at: None,
        };
        for id in 1..=4 {
            tx.send(p(id)).unwrap();
        }
        drop(tx);
        let mut seen = Vec::new();
        run(rx, |p| {
            seen.push(p.map(|p| p.campaign_id));
            async {}
        })
        .await;
        assert_eq!(seen, [None, Some(3), Some(4)]);
    }

    #[test]
    fn events_reach_the_ui_in_their_typed_shape() {
        let e = CampaignChanged {
            id: 3,
            status: CampaignStatus::Paused,
            reason: Some("all 3 accounts restricted".into()),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"id": 3, "status": "paused", "reason": "all 3 accounts restricted"})
        );
    }
}
