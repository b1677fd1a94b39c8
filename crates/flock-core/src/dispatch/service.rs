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

use super::engine::Engine;
use super::gateway::GatewayEvent;
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

pub struct Dispatcher {
    engine: Engine,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    grace: Duration,
}

impl Dispatcher {
    pub fn start(engine: Engine, options: DispatcherOptions) -> Self {
        let (stop, stopped) = watch::channel(false);
        let matcher = Arc::new(KeywordMatcher::new(&options.keywords));
        let events = tokio::spawn(event_loop(engine.clone(), matcher, stopped.clone()));
        let ticks = tokio::spawn(tick_loop(engine.clone(), options.max_sleep, stopped.clone()));
        let progress = tokio::spawn(progress_loop(engine.clone(), stopped));
        tracing::info!(claimed_by = %engine.config().claimed_by, "dispatcher started");
        Self { engine, stop, tasks: vec![events, ticks, progress], grace: options.stop_grace }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn progress(&self) -> broadcast::Receiver<CampaignProgress> {
        self.engine.progress()
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

async fn tick_loop(engine: Engine, max_sleep: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let sleep = match engine.tick().await {
            Ok(next) => {
                let now = chrono::Utc::now();
                next.and_then(|t| (t - now).to_std().ok()).unwrap_or(max_sleep).min(max_sleep)
            }
            Err(e) => {
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

async fn event_loop(engine: Engine, matcher: Arc<KeywordMatcher>, mut stopped: watch::Receiver<bool>) {
    let mut rx = engine.inner.gateway.subscribe();
    loop {
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            _ = stopped.changed() => return,
        };
        match ev {
            Ok(ev) => {
                let what = match &ev {
                    GatewayEvent::Ack { .. } => "ack",
                    GatewayEvent::Inbound { .. } => "inbound message",
                    GatewayEvent::Account { .. } => "account change",
                };
                if let Err(e) = engine.on_event(ev, &matcher).await {
                    tracing::warn!("dispatcher: cannot record an {what}: {e}");
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(lost = n, "dispatcher fell behind the sessions' events; acks of sent messages may stay unrecorded");
                engine.wake();
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
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
