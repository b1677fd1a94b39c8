//! The dispatcher engine. One [`Engine::tick`] is a round of work at the
//! clock's "now":
//!
//! 1. the accounts: which sessions run here and what each may send
//!    ([`super::lanes`]); timelocks that ended are lifted;
//! 2. the campaigns: scheduled ones whose start came are started, running
//!    ones with nothing left are completed, ones no account can send for are
//!    paused with the reason and resumed by themselves later
//!    ([`super::flow`], through `campaigns::store::transition`);
//! 3. reconcile: every `sending` row of an account whose session is active
//!    here and that this process is not sending right now is looked up in
//!    that session ([`super::reconcile`]);
//! 4. claims: the due pending rows of the running campaigns whose schedule
//!    allows now are routed to ready accounts ([`super::assign`]); each
//!    claimed row is sent by its own task ([`super::send`]), one at a time
//!    per account.
//!
//! `tick` returns when it should run again (the earliest pace, retry,
//! schedule or timelock time). The service ([`super::service`]) runs it in
//! a loop and feeds it the sessions' events; tests run it by hand with a
//! [`super::clock::ManualClock`] and a fake [`Gateway`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::gateway::{Gateway, GatewayEvent};
use super::lanes::AccountLane;
use super::progress::{CampaignProgress, ProgressHub};
use super::route::Mode;
use super::running::CampaignInfo;
use super::store::{accounts as account_store, claims};
use super::{assign, flow, reconcile, DispatchError, RetryPolicy};
use crate::accounts::AccountState;
use crate::campaigns::lifecycle::CampaignStatus;
use crate::db::Database;
use crate::paths::DataPaths;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Stored in `messages.claimed_by` (which dispatcher took a row).
    pub claimed_by: String,
    pub retry: RetryPolicy,
    /// The data folder (media files); `None`: media campaigns cannot send.
    pub paths: Option<DataPaths>,
    /// Time zone of a campaign without a schedule.
    pub zone: Tz,
    /// Look again this long after a lookup found a message still at the
    /// clock (ack 0) or could not be made.
    pub recheck: Duration,
    /// Wait this long after an unknown outcome before looking the message up.
    pub settle: Duration,
    /// Lock length when WhatsApp gives no end for a reachout timelock.
    pub default_timelock: Duration,
    /// Candidates read per page, and pages per round.
    pub batch: u64,
    pub pages: u32,
    /// `run --until-idle`: work within this long counts as work now.
    pub idle_horizon: Duration,
    pub progress_every: StdDuration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            claimed_by: default_claimed_by(),
            retry: RetryPolicy::default(),
            paths: None,
            zone: Tz::UTC,
            recheck: Duration::seconds(30),
            settle: Duration::seconds(5),
            default_timelock: Duration::hours(24),
            batch: 100,
            pages: 20,
            idle_horizon: Duration::minutes(10),
            progress_every: StdDuration::from_millis(500),
        }
    }
}

/// `<host>:<pid>`.
pub fn default_claimed_by() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    format!("{host}:{}", std::process::id())
}

pub(crate) struct Inner {
    pub db: Database,
    pub gateway: Arc<dyn Gateway>,
    pub clock: Arc<dyn Clock>,
    pub config: EngineConfig,
    /// Account → the row it is sending or looking up (one at a time).
    pub busy: Mutex<HashMap<i64, i64>>,
    /// Row → not before then (a lookup to repeat, a check that failed).
    pub not_before: Mutex<HashMap<i64, DateTime<Utc>>>,
    /// The campaigns as of the last tick (send tasks read their content).
    pub campaigns: Mutex<HashMap<i64, CampaignInfo>>,
    /// The accounts as of the last tick (progress ETAs).
    pub lanes: Mutex<Vec<AccountLane>>,
    pub tasks: Mutex<Vec<JoinHandle<()>>>,
    pub progress: ProgressHub,
    /// Replies as they are stored (the Inbox and Dashboard update from it).
    pub replies: broadcast::Sender<crate::inbox::desk::ReplyRecorded>,
    /// The replies this engine stored lately: their change notice (team
    /// mode, `live.rs`) is not published a second time.
    pub own_replies: Mutex<std::collections::VecDeque<i64>>,
    pub wake: Notify,
}

impl Inner {
    pub fn is_busy(&self, account_id: i64) -> bool {
        lock(&self.busy).contains_key(&account_id)
    }

    pub fn row_in_flight(&self, row_id: i64) -> bool {
        lock(&self.busy).values().any(|r| *r == row_id)
    }

    /// Takes the account for work on `row_id`; false when it is busy.
    pub fn take(&self, account_id: i64, row_id: i64) -> bool {
        let mut busy = lock(&self.busy);
        if busy.contains_key(&account_id) {
            return false;
        }
        busy.insert(account_id, row_id);
        true
    }

    pub fn release(&self, account_id: i64, campaign_id: Option<i64>) {
        lock(&self.busy).remove(&account_id);
        if let Some(c) = campaign_id {
            self.progress.mark(c);
        }
        self.wake.notify_one();
    }

    pub fn defer(&self, row_id: i64, until: DateTime<Utc>) {
        lock(&self.not_before).insert(row_id, until);
    }

    pub fn spawn(self: &Arc<Self>, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(fut);
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    pub fn campaign(&self, id: i64) -> Option<CampaignInfo> {
        lock(&self.campaigns).get(&id).cloned()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The engine: cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    pub fn new(db: Database, gateway: Arc<dyn Gateway>, clock: Arc<dyn Clock>, config: EngineConfig) -> Self {
        let progress = ProgressHub::new(config.progress_every);
        Self {
            inner: Arc::new(Inner {
                db,
                gateway,
                clock,
                config,
                busy: Mutex::new(HashMap::new()),
                not_before: Mutex::new(HashMap::new()),
                campaigns: Mutex::new(HashMap::new()),
                lanes: Mutex::new(Vec::new()),
                tasks: Mutex::new(Vec::new()),
                progress,
                replies: broadcast::channel(256).0,
                own_replies: Mutex::new(std::collections::VecDeque::new()),
                wake: Notify::new(),
            }),
        }
    }

    pub fn database(&self) -> &Database {
        &self.inner.db
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Progress events of every campaign.
    pub fn progress(&self) -> broadcast::Receiver<CampaignProgress> {
        self.inner.progress.subscribe()
    }

    /// Every reply stored from now on (not a second delivery of one).
    pub fn replies(&self) -> broadcast::Receiver<crate::inbox::desk::ReplyRecorded> {
        self.inner.replies.subscribe()
    }

    /// Sends and lookups in flight in this process.
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.busy).len()
    }

    /// Waits until every send and lookup started so far has finished.
    pub async fn settle(&self) {
        loop {
            let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.inner.tasks));
            if tasks.is_empty() {
                return;
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    }

    /// Resolves when a send or lookup finished (or an event asks for a tick).
    pub async fn woken(&self) {
        self.inner.wake.notified().await
    }

    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// One round of work (see the module doc); returns when to run again.
    pub async fn tick(&self) -> Result<Option<DateTime<Utc>>, DispatchError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let sessions = inner.gateway.sessions().await;
        let mut locks = account_store::reachout_locks(inner.db.conn()).await?;
        // Timelocks that ended: the account is active again by itself.
        for (&id, &until) in locks.clone().iter() {
            if until > now {
                continue;
            }
            account_store::set_reachout_until(inner.db.conn(), id, None).await?;
            locks.remove(&id);
            let restricted = sessions.iter().any(|s| s.account_id == id && s.state == AccountState::Restricted);
            if restricted {
                if let Err(e) = inner.gateway.lift_restriction(id).await {
                    tracing::warn!(account = id, "cannot lift the ended timelock: {e}");
                }
            }
            tracing::info!(account = id, "reachout timelock ended");
        }
        let lanes = super::lanes::build(inner, &sessions, &locks, now).await?;
        *lock(&inner.lanes) = lanes.clone();
        let zone = inner.config.zone;
        let mut campaigns = super::running::load(inner.db.conn(), inner.config.paths.as_ref(), zone).await?;
        if flow::advance(inner, &campaigns, &lanes, &sessions, &locks, now).await? {
            campaigns = super::running::load(inner.db.conn(), inner.config.paths.as_ref(), zone).await?;
        }
        *lock(&inner.campaigns) = campaigns.iter().map(|c| (c.id, c.clone())).collect();
        reconcile::start(&self.inner, &lanes, now).await?;
        reconcile::park_elsewhere(&self.inner, &lanes, now).await?;
        assign::claim_round(&self.inner, &lanes, &campaigns, now).await?;
        self.next_wake(&lanes, &campaigns, &locks, now).await
    }

    async fn next_wake(
        &self,
        lanes: &[AccountLane],
        campaigns: &[CampaignInfo],
        locks: &HashMap<i64, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DispatchError> {
        let inner = &self.inner;
        let mut times: Vec<DateTime<Utc>> = Vec::new();
        let running: Vec<&CampaignInfo> = campaigns.iter().filter(|c| c.status == CampaignStatus::Running && c.broken.is_none()).collect();
        if !running.is_empty() {
            times.extend(lanes.iter().filter(|l| l.mode != Mode::Off && !inner.is_busy(l.account_id)).map(|l| l.decision.at()));
            let ids: Vec<i64> = running.iter().map(|c| c.id).collect();
            times.extend(claims::next_due(inner.db.conn(), &ids, now).await?);
            times.extend(running.iter().map(|c| c.schedule.next_allowed(now)));
        }
        times.extend(campaigns.iter().filter(|c| c.status == CampaignStatus::Scheduled).filter_map(|c| c.schedule.start_at));
        times.extend(lock(&inner.not_before).values().copied());
        times.extend(locks.values().copied());
        Ok(times.into_iter().filter(|t| *t > now).min())
    }

    /// Handles one event from the sessions (acks, inbound messages).
    pub async fn on_event(&self, ev: GatewayEvent, keywords: &crate::inbox::KeywordMatcher) -> Result<(), DispatchError> {
        match ev {
            GatewayEvent::Ack { account_id, id, ack } => super::acks::on_ack(&self.inner, account_id, &id, ack).await,
            GatewayEvent::Inbound { account_id, message } => {
                let now = self.inner.clock.now();
                let r = crate::inbox::record::record(self.inner.db.conn(), account_id, &message, keywords, now).await?;
                if let Some(id) = r.id {
                    super::live::note_own_reply(&self.inner, id);
                    // No receiver (no window, flockctl) is fine.
                    let _ = self.inner.replies.send(crate::inbox::desk::ReplyRecorded {
                        id,
                        account_id,
                        contact_id: r.contact_id,
                        reply_to: r.reply_to,
                        opted_out: r.opted_out,
                        opted_in: r.opted_in,
                    });
                }
                self.wake();
                Ok(())
            }
            GatewayEvent::Account { .. } => {
                self.wake();
                Ok(())
            }
        }
    }

    /// The progress of one campaign now (counts from the outbox, ETA from
    /// the accounts as of the last tick).
    pub async fn progress_of(&self, campaign_id: i64) -> Result<CampaignProgress, DispatchError> {
        super::eta::progress_of(&self.inner, campaign_id).await
    }

    /// Publishes the progress of campaigns that changed (at most one event
    /// per campaign per `progress_every`).
    pub async fn publish_progress(&self) -> Result<(), DispatchError> {
        let now = std::time::Instant::now();
        for id in self.inner.progress.due(now) {
            let p = self.progress_of(id).await?;
            self.inner.progress.publish(p, now);
        }
        Ok(())
    }
}
