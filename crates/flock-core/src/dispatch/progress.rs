//! Live progress per campaign: counts by status and the ETA, pushed on a
//! broadcast at most once per `min_interval` per campaign (changes in
//! between are coalesced into the next one, so a fast campaign gives a
//! steady few events a second, and a quiet one none).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::campaigns::model::CampaignCounts;

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignProgress {
    pub campaign_id: i64,
    pub counts: CampaignCounts,
    /// "about 14:20 Thursday with 3 accounts at today's limits" (while
    /// something is left to send).
    pub eta: Option<String>,
    pub finishes_at: Option<DateTime<Utc>>,
}

pub struct ProgressHub {
    tx: broadcast::Sender<CampaignProgress>,
    dirty: Mutex<HashSet<i64>>,
    last: Mutex<HashMap<i64, Instant>>,
    min_interval: Duration,
}

impl ProgressHub {
    pub fn new(min_interval: Duration) -> Self {
        let (tx, _) = broadcast::channel(256);
        Self { tx, dirty: Mutex::new(HashSet::new()), last: Mutex::new(HashMap::new()), min_interval }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CampaignProgress> {
        self.tx.subscribe()
    }

    pub fn min_interval(&self) -> Duration {
        self.min_interval
    }

    /// Something in the campaign changed.
    pub fn mark(&self, campaign_id: i64) {
        self.dirty.lock().unwrap_or_else(|e| e.into_inner()).insert(campaign_id);
    }

    /// The changed campaigns whose last event is at least `min_interval`
    /// old (taken off the dirty set).
    pub fn due(&self, now: Instant) -> Vec<i64> {
        let mut dirty = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due: Vec<i64> = dirty
            .iter()
            .copied()
            .filter(|id| last.get(id).is_none_or(|t| now.duration_since(*t) >= self.min_interval))
            .collect();
        for id in &due {
            dirty.remove(id);
        }
        due
    }

    pub fn publish(&self, p: CampaignProgress, at: Instant) {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).insert(p.campaign_id, at);
        let _ = self.tx.send(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_coalesced_to_one_event_per_interval() {
        let hub = ProgressHub::new(Duration::from_millis(500));
        let t0 = Instant::now();
        hub.mark(1);
        hub.mark(1);
        hub.mark(2);
        let mut due = hub.due(t0);
        due.sort();
        assert_eq!(due, vec![1, 2]);
        let p = |id| CampaignProgress { campaign_id: id, counts: CampaignCounts::default(), eta: None, finishes_at: None };
        hub.publish(p(1), t0);
        hub.mark(1);
        assert!(hub.due(t0 + Duration::from_millis(100)).is_empty());
        assert_eq!(hub.due(t0 + Duration::from_millis(500)), vec![1]);
        assert!(hub.due(t0 + Duration::from_millis(900)).is_empty(), "nothing changed since");
    }
}
