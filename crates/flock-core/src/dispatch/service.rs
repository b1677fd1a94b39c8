//! The dispatcher as a running service: started by `Services::start` (the
//! app and `flockctl run` alike), it runs the engine's ticks in a loop,
//! feeds it the sessions' acks and inbound messages, and publishes progress.
//!
//! The loop sleeps until the earliest time the last tick named, at most
//! `max_sleep` (new campaigns, account changes and other workstations'
//! writes are seen within it), and wakes early when a send finishes or an
//! event arrives.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::backlog::{describe, Backlog};
use super::engine::Engine;
use super::progress::CampaignProgress;
use crate::inbox::{KeywordMatcher, KeywordSettings};

#[derive(Debug, Clone)]
pub struct DispatcherOptions {
    pub keywords: KeywordSettings,
    pub max_sleep: Duration,
    /// How long `stop` waits for sends in flight (then they are left to reconcile).
    pub stop_grace: Duration,
}

impl Default for DispatcherOptions {
    fn default() -> Self {
        Self { keywords: KeywordSettings::default(), max_sleep: Duration::from_secs(1), stop_grace: Duration::from_secs(30) }
    }
}

/// Whether the dispatcher can do its work: pushed to every screen (and
/// `flockctl run`) when it changes, so a database outage is a visible,
/// named state, not a log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DispatcherHealth {
    /// The last database error, while the database does not answer
    /// (sending waits; nothing is lost).
    pub database_error: Option<String>,
    /// Acks and replies waiting to be recorded once the database answers.
    pub unrecorded_events: u32,
}

/// The two loops' views of the health, merged into one value.
#[derive(Clone)]
struct Health(Arc<watch::Sender<DispatcherHealth>>);

impl Health {
    fn set(&self, f: impl FnOnce(&mut DispatcherHealth)) {
        self.0.send_if_modified(|h| {
            let before = h.clone();
            f(h);
            *h != before
        });
    }
}

pub struct Dispatcher {
    engine: Engine,
    health: watch::Receiver<DispatcherHealth>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    grace: Duration,
}

impl Dispatcher {
    pub fn start(engine: Engine, options: DispatcherOptions) -> Self {
        let (stop, stopped) = watch::channel(false);
        let matcher = Arc::new(KeywordMatcher::new(&options.keywords));
        let (health_tx, health) = watch::channel(DispatcherHealth::default());
        let health_tx = Health(Arc::new(health_tx));
        let events = tokio::spawn(event_loop(engine.clone(), matcher, health_tx.clone(), stopped.clone()));
        let ticks = tokio::spawn(tick_loop(engine.clone(), options.max_sleep, health_tx, stopped.clone()));
        let progress = tokio::spawn(progress_loop(engine.clone(), stopped));
        tracing::info!(claimed_by = %engine.config().claimed_by, "dispatcher started");
        Self { engine, health, stop, tasks: vec![events, ticks, progress], grace: options.stop_grace }
    }

    /// The dispatcher's health now and as it changes.
    pub fn health(&self) -> watch::Receiver<DispatcherHealth> {
        self.health.clone()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn progress(&self) -> broadcast::Receiver<CampaignProgress> {
        self.engine.progress()
    }

    /// Follows another workstation's writes (team mode) until stopped.
    pub fn follow(&mut self, mut changes: broadcast::Receiver<crate::team::live::Change>) {
        let engine = self.engine.clone();
        let mut stopped = self.stop.subscribe();
        self.tasks.push(tokio::spawn(async move {
            loop {
                let change = tokio::select! {
                    c = changes.recv() => c,
                    _ = stopped.changed() => return,
                };
                let change = match change {
                    Ok(c) => c,
                    Err(broadcast::error::RecvError::Lagged(_)) => crate::team::live::Change::Resync,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if let Err(e) = engine.on_change(change).await {
                    tracing::debug!("live change: {e}");
                }
            }
        }));
    }

    /// Replies as the dispatcher stores them.
    pub fn replies(&self) -> broadcast::Receiver<crate::inbox::desk::ReplyRecorded> {
        self.engine.replies()
    }

    /// Stops claiming, waits (up to the grace) for sends in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        if tokio::time::timeout(self.grace, self.engine.settle()).await.is_err() {
            tracing::warn!("dispatcher stopped with sends in flight: they are reconciled on the next start");
        }
        tracing::info!("dispatcher stopped");
    }
}

fn unreachable(e: &super::DispatchError) -> String {
    format!("cannot reach the database: {e}; sending waits until it answers")
}

async fn tick_loop(engine: Engine, max_sleep: Duration, health: Health, mut stopped: watch::Receiver<bool>) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let sleep = match engine.tick().await {
            Ok(next) => {
                health.set(|h| h.database_error = None);
                let now = chrono::Utc::now();
                next.and_then(|t| (t - now).to_std().ok()).unwrap_or(max_sleep).min(max_sleep)
            }
            Err(e) => {
                if e.is_database() {
                    health.set(|h| h.database_error = Some(unreachable(&e)));
                }
                tracing::warn!("dispatcher tick: {e}");
                max_sleep
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = engine.woken() => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Records the sessions' acks and inbound messages. One the database does
/// not take is held in the [`Backlog`] and tried again every
/// `RETRY_EVERY` (and before any newer event), so an outage delays it and
/// loses nothing.
async fn event_loop(engine: Engine, matcher: Arc<KeywordMatcher>, health: Health, mut stopped: watch::Receiver<bool>) {
    const RETRY_EVERY: Duration = Duration::from_secs(1);
    let mut rx = engine.inner.gateway.subscribe();
    let mut backlog = Backlog::default();
    loop {
        let retry = async {
            if backlog.is_empty() {
                std::future::pending::<()>().await
            }
            tokio::time::sleep(RETRY_EVERY).await
        };
        let fresh = tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => Some(ev),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(lost = n, "dispatcher fell behind the sessions' events; acks of sent messages may stay unrecorded");
                    engine.wake();
                    None
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = retry => None,
            _ = stopped.changed() => return,
        };
        let now = std::time::Instant::now();
        if let Some(ev) = fresh {
            backlog.hold(ev, now);
            // What came while the last try waited for the database.
            while let Ok(ev) = rx.try_recv() {
                backlog.hold(ev, now);
            }
        }
        let mut due = backlog.take(now).into_iter();
        while let Some((ev, since)) = due.next() {
            let Err(e) = engine.on_event(ev.clone(), &matcher).await else { continue };
            if e.is_database() {
                // It does not answer: the rest waits for the next try
                // instead of each waiting out its own timeout. Named here
                // too: with its accounts busy sending, a tick may only read
                // (a locked SQLite file still serves readers) and never fail.
                health.set(|h| h.database_error = Some(unreachable(&e)));
                backlog.put_back(ev, since);
                due.by_ref().for_each(|(ev, since)| backlog.put_back(ev, since));
                break;
            }
            tracing::warn!("dispatcher: cannot record the {}: {e}", describe(&ev));
        }
        let waiting = u32::try_from(backlog.len()).unwrap_or(u32::MAX);
        if waiting > 0 {
            tracing::debug!(waiting, "session events wait for the database");
        }
        health.set(|h| h.unrecorded_events = waiting);
    }
}

async fn progress_loop(engine: Engine, mut stopped: watch::Receiver<bool>) {
    let every = (engine.config().progress_every / 2).max(Duration::from_millis(50));
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = engine.publish_progress().await {
                    tracing::debug!("progress: {e}");
                }
            }
            _ = stopped.changed() => return,
        }
    }
}

/// What `Services::start` needs to run the dispatcher.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    pub engine: super::EngineConfig,
    pub options: DispatcherOptions,
    /// Deadlines of each send (connect, ack, upload).
    pub send: flock_wa::SendOptions,
}

impl DispatchSettings {
    /// From the data folder (media files) and `settings.json`; the
    /// workstation's time zone for campaigns without a schedule.
    pub fn from_settings(paths: &crate::paths::DataPaths, _settings: &crate::settings::Settings) -> Self {
        let engine = super::EngineConfig {
            paths: Some(paths.clone()),
            zone: crate::campaigns::store::local_time_zone(),
            ..super::EngineConfig::default()
        };
        Self { engine, options: DispatcherOptions::default(), send: flock_wa::SendOptions::default() }
    }

    /// Starts the dispatcher over the account manager's sessions.
    pub fn start(self, db: crate::db::Database, accounts: crate::accounts::AccountManager) -> Dispatcher {
        let gateway = super::adapter::AccountGateway::new(accounts, self.send);
        let engine = Engine::new(db, gateway, Arc::new(super::clock::SystemClock), self.engine);
        Dispatcher::start(engine, self.options)
    }
}
