//! The one start function. The app and `flockctl run` (and every
//! `flockctl` command that runs account sessions) start the core's running
//! services through `Services::start` and end them with `stop`:
//!
//! ```text
//! DataLock::acquire(data folder)          one process per data folder (lock.rs)
//!   └─ Services::start(&lock, db, config)
//!        ├─ claim the sessions            one Services per data folder in the process
//!        ├─ AccountManager                one worker per account (accounts/)
//!        ├─ heartbeat every lease/4       this workstation registered, its leases renewed (team/)
//!        ├─ restore_all                   the linked accounts whose profile is here and
//!        │                                whose lease no other workstation holds
//!        ├─ group resync every N minutes  settings.json `groups_resync_minutes`
//!        └─ Dispatcher                    sends the running campaigns (dispatch::service)
//!   Services::switch(db)  = stop (every browser closed) then start on the new database
//! ```
//!
//! The dispatcher runs where sessions are restored (the app, `flockctl
//! run`); one-shot commands start without it (`dispatch: None`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::accounts::{AccountError, AccountEvent, AccountManager, AccountSettings};
use crate::db::Database;
use crate::error::{ErrorReport, Report};
use crate::groups::{sync_groups, SyncError, SyncProgress};
use crate::lock::{DataLock, LockError, SessionsClaim};
use crate::paths::DataPaths;

/// What to start.
#[derive(Debug, Clone)]
pub struct ServicesConfig {
    pub paths: DataPaths,
    pub accounts: AccountSettings,
    /// Bring back the linked accounts held here (the app, `flockctl run`);
    /// off for one-shot commands.
    pub restore: bool,
    /// Resync every active account's groups this often; `None`: by hand only.
    pub groups_resync_every: Option<Duration>,
    /// Send the running campaigns; `None`: no dispatcher (one-shot commands).
    pub dispatch: Option<crate::dispatch::service::DispatchSettings>,
}

impl ServicesConfig {
    /// The user's choices from `settings.json`: account settings and the
    /// group resync interval; restoring on.
    pub fn from_settings(paths: &DataPaths) -> Self {
        let settings = crate::settings::SettingsStore::for_paths(paths).load_logged();
        Self {
            paths: paths.clone(),
            accounts: AccountSettings::load(paths),
            restore: true,
            groups_resync_every: settings.groups_resync_every(),
            dispatch: Some(crate::dispatch::service::DispatchSettings::from_settings(paths, &settings)),
        }
    }
}

/// Live progress of the scheduled group resync (the app turns it into an event).
pub type ResyncProgress = Arc<dyn Fn(SyncProgress) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot restore the linked accounts: {0}")]
    Restore(#[source] AccountError),
}

impl ServicesError {
    pub fn report(&self) -> ErrorReport {
        match self {
            ServicesError::Lock(e) => e.report(),
            ServicesError::Restore(e) => {
                let mut report = e.report();
                report.message = self.to_string();
                report
            }
        }
    }
}

impl Report for ServicesError {
    fn report(&self) -> ErrorReport {
        ServicesError::report(self)
    }
}

/// The running services of one database.
pub struct Services {
    db: Database,
    accounts: AccountManager,
    restoring: usize,
    start_events: Mutex<Option<broadcast::Receiver<AccountEvent>>>,
    resync: Option<JoinHandle<()>>,
    heartbeat: JoinHandle<()>,
    /// Team mode on PostgreSQL: other writers' changes, followed by the
    /// account manager and the dispatcher.
    _changes: Option<(crate::team::live::ChangeFeed, JoinHandle<()>)>,
    dispatcher: Option<crate::dispatch::Dispatcher>,
    _claim: SessionsClaim,
}

impl Services {
    /// Starts the services on `db` (opened and migrated). Refused while
    /// another `Services` of this data folder runs in this process.
    pub async fn start(
        lock: &DataLock,
        db: Database,
        config: ServicesConfig,
        progress: Option<ResyncProgress>,
    ) -> Result<Self, ServicesError> {
        let claim = lock.claim_sessions()?;
        let accounts = AccountManager::new(db.clone(), config.paths.clone(), config.accounts);
        let start_events = accounts.subscribe();
        // Registered before anything starts, so the leases it takes name a known desk.
        if let Err(e) = accounts.heartbeat().await {
            tracing::warn!("team heartbeat: {e}");
        }
        let heartbeat = schedule_heartbeat(accounts.clone(), accounts.settings().lease / 4);
        let restoring = if config.restore {
            match accounts.restore_all().await {
                Ok(n) => n,
                Err(e) => {
                    heartbeat.abort();
                    accounts.shutdown().await;
                    return Err(ServicesError::Restore(e));
                }
            }
        } else {
            0
        };
        tracing::info!(database = %db.target().redacted(), restoring, "services started");
        let resync = config.groups_resync_every.map(|every| schedule_group_resync(accounts.clone(), db.clone(), every, progress));
        let mut dispatcher = config.dispatch.map(|d| d.start(db.clone(), accounts.clone()));
        let changes = crate::team::live::ChangeFeed::start(&db).map(|feed| {
            if let Some(d) = dispatcher.as_mut() {
                d.follow(feed.subscribe());
            }
            let follower = accounts.follow_changes(feed.subscribe());
            (feed, follower)
        });
        Ok(Self { db, accounts, restoring, start_events: Mutex::new(Some(start_events)), resync, heartbeat, _changes: changes, dispatcher, _claim: claim })
    }

    /// Stops everything: the resync, then every account's browser (profiles
    /// kept). Returns the database, for the caller to close or keep.
    pub async fn stop(mut self) -> Database {
        // No new sends first; those in flight finish (or are reconciled next time).
        if let Some(d) = self.dispatcher.take() {
            d.stop().await;
        }
        if let Some(task) = &self.resync {
            task.abort();
        }
        // Every session stopped (and its lease given back) before the heartbeat ends.
        self.accounts.shutdown().await;
        self.heartbeat.abort();
        if let Some((_, follower)) = self._changes.take() {
            follower.abort();
        }
        tracing::info!(database = %self.db.target().redacted(), "services stopped");
        // The sessions claim goes with `self`, after every browser closed.
        self.db.clone()
    }

    /// Switches to another database: the old sessions stop before any new
    /// one starts. Returns the old database (to close) and the new services.
    pub async fn switch(
        self,
        lock: &DataLock,
        db: Database,
        config: ServicesConfig,
        progress: Option<ResyncProgress>,
    ) -> Result<(Database, Services), ServicesError> {
        let old = self.stop().await;
        let new = Services::start(lock, db, config, progress).await?;
        Ok((old, new))
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn accounts(&self) -> &AccountManager {
        &self.accounts
    }

    /// The dispatcher, when these services run one.
    pub fn dispatcher(&self) -> Option<&crate::dispatch::Dispatcher> {
        self.dispatcher.as_ref()
    }

    /// How many linked accounts `start` began to restore.
    pub fn restoring(&self) -> usize {
        self.restoring
    }

    /// The account events since `start` began (settled states included),
    /// once; later callers use `accounts().subscribe()`.
    pub fn take_start_events(&self) -> Option<broadcast::Receiver<AccountEvent>> {
        self.start_events.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Every `every`, the team heartbeat (a failure is logged; the next one tries again).
fn schedule_heartbeat(accounts: AccountManager, every: Duration) -> JoinHandle<()> {
    let every = every.max(Duration::from_millis(500));
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            tokio::time::sleep(every).await;
            match accounts.heartbeat().await {
                Ok(()) if failing => {
                    tracing::info!("team heartbeat: the database answers again");
                    failing = false;
                }
                Ok(()) => {}
                Err(e) if !failing => {
                    tracing::warn!(
                        "team heartbeat failed (leases renew when the database answers): {e}"
                    );
                    failing = true;
                }
                Err(_) => {}
            }
        }
    })
}

/// Every `every`, resyncs the groups of the active accounts.
fn schedule_group_resync(
    accounts: AccountManager,
    db: Database,
    every: Duration,
    progress: Option<ResyncProgress>,
) -> JoinHandle<()> {
    tracing::info!(minutes = every.as_secs() / 60, "scheduled group resync on");
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let report = |p: SyncProgress| {
                if let Some(f) = &progress {
                    f(p);
                }
            };
            match sync_groups(&accounts, &db, None, report).await {
                Ok(summaries) => tracing::info!(accounts = summaries.len(), "scheduled group resync done"),
                Err(SyncError::NoActiveAccount) => tracing::info!("scheduled group resync: no active account"),
                Err(e) => tracing::warn!(error = %e, "scheduled group resync failed"),
            }
        }
    })
}
