//! What the shell keeps between commands.

use flock_core::accounts::{AccountManager, AccountSettings};
use flock_core::config::resolve_database;
use flock_core::db::{Database, DatabaseInfo, DatabaseTarget, DatabaseUrl};
use flock_core::paths::DataPaths;
use flock_core::settings::SettingsStore;
use flock_core::{CoreError, ErrorReport};
use serde::Serialize;
use tauri::{AppHandle, Wry};
use tokio::sync::RwLock;

use crate::launch::LaunchOptions;

/// The database as the UI sees it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum DatabaseStatus {
    Connected { info: DatabaseInfo },
    Failed { error: ErrorReport },
}

/// The services that need the database; rebuilt when the database changes.
pub struct Services {
    pub db: Database,
    pub accounts: AccountManager,
    /// The scheduled group resync (settings: `groups_resync_minutes`).
    resync: Option<tauri::async_runtime::JoinHandle<()>>,
}

enum DbSlot {
    Connected(Services),
    Failed(ErrorReport),
}

pub struct AppState {
    pub paths: DataPaths,
    pub demo: Option<flock_sim::SimHandle>,
    db: RwLock<DbSlot>,
    _log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl AppState {
    pub async fn start(app: &AppHandle<Wry>, options: &LaunchOptions) -> Result<Self, Box<dyn std::error::Error>> {
        let mut root = options.data_dir.clone().unwrap_or_else(DataPaths::default_root);
        if options.demo {
            // Demo data never mixes with the real accounts and contacts.
            root = root.join("demo");
        }
        let paths = DataPaths::new(root);
        paths.ensure()?;
        let log_guard = flock_core::logging::init(&paths.log_dir(), "flock", true);
        tracing::info!(data_dir = %paths.root().display(), demo = options.demo, "Flock starting");

        let demo = if options.demo { Some(start_demo(options.demo_port.unwrap_or(0)).await?) } else { None };
        let slot = match open(options.database_url.as_deref(), &paths).await {
            Ok(db) => DbSlot::Connected(start_services(app, db, &paths, demo.as_ref())),
            Err(report) => {
                tracing::error!(error = %report, "database unavailable");
                DbSlot::Failed(report)
            }
        };
        Ok(Self { paths, demo, db: RwLock::new(slot), _log_guard: log_guard })
    }

    pub async fn database_status(&self) -> DatabaseStatus {
        match &*self.db.read().await {
            DbSlot::Connected(services) => match services.db.info().await {
                Ok(info) => DatabaseStatus::Connected { info },
                Err(e) => DatabaseStatus::Failed { error: e.report() },
            },
            DbSlot::Failed(report) => DatabaseStatus::Failed { error: report.clone() },
        }
    }

    pub async fn database_info(&self) -> Result<DatabaseInfo, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => services.db.info().await.map_err(|e| e.report()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    /// The open database, or why there is none.
    pub async fn db(&self) -> Result<Database, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => Ok(services.db.clone()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    /// The account service, or why it is not available (no database).
    pub async fn accounts(&self) -> Result<AccountManager, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => Ok(services.accounts.clone()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    /// Closes every account's browser (profiles kept for the next start).
    pub async fn shutdown(&self) {
        if let DbSlot::Connected(services) = &*self.db.read().await {
            services.accounts.shutdown().await;
        }
    }

    /// Tests the new database (connect and migrate) before switching to it and
    /// remembering it; on failure the current database stays in use.
    pub async fn switch_database(&self, app: &AppHandle<Wry>, url: Option<String>) -> Result<DatabaseInfo, ErrorReport> {
        let url = url.map(|u| DatabaseUrl::new(u.trim())).filter(|u| !u.is_empty());
        let target = match &url {
            Some(url) => DatabaseTarget::parse(url).map_err(|e| e.report())?,
            None => DatabaseTarget::sqlite_file(self.paths.sqlite_file()),
        };
        let db = Database::open(target).await.map_err(|e| e.report())?;
        let info = db.info().await.map_err(|e| e.report())?;
        SettingsStore::for_paths(&self.paths).set_database_url(url.as_ref())?;
        let services = start_services(app, db, &self.paths, self.demo.as_ref());
        let old = std::mem::replace(&mut *self.db.write().await, DbSlot::Connected(services));
        if let DbSlot::Connected(old) = old {
            if let Some(task) = &old.resync {
                task.abort();
            }
            old.accounts.shutdown().await;
            let _ = old.db.close().await;
        }
        tracing::info!(url = %info.url, "switched database");
        Ok(info)
    }
}

async fn open(explicit_url: Option<&str>, paths: &DataPaths) -> Result<Database, ErrorReport> {
    let (target, _) = resolve_database(explicit_url, paths)?;
    Database::open(target).await.map_err(|e| CoreError::from(e).report())
}

/// Starts the account service on `db`: forwards its events to every window
/// and restores the linked accounts in the background.
fn start_services(app: &AppHandle<Wry>, db: Database, paths: &DataPaths, demo: Option<&flock_sim::SimHandle>) -> Services {
    let mut settings = AccountSettings::load(paths);
    if let Some(sim) = demo {
        settings.wa_url = format!("{}/", sim.base_url());
    }
    let accounts = AccountManager::new(db.clone(), paths.clone(), settings);
    crate::events::forward_account_events(app.clone(), accounts.subscribe());
    let restoring = accounts.clone();
    tauri::async_runtime::spawn(async move {
        match restoring.restore_all().await {
            Ok(n) => tracing::info!(accounts = n, "restoring linked accounts"),
            Err(e) => tracing::error!(error = %e, "cannot restore the linked accounts"),
        }
    });
    let resync = SettingsStore::for_paths(paths)
        .load_logged()
        .groups_resync_every()
        .map(|every| schedule_group_resync(app.clone(), accounts.clone(), db.clone(), every));
    Services { db, accounts, resync }
}

/// Every `every`, resyncs the groups of the active accounts, with live progress.
fn schedule_group_resync(
    app: AppHandle<Wry>,
    accounts: AccountManager,
    db: Database,
    every: std::time::Duration,
) -> tauri::async_runtime::JoinHandle<()> {
    tracing::info!(minutes = every.as_secs() / 60, "scheduled group resync on");
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let progress = |p| {
                use tauri_specta::Event;
                let _ = crate::events::GroupsSyncProgress(p).emit(&app);
            };
            match flock_core::groups::sync_groups(&accounts, &db, None, progress).await {
                Ok(summaries) => tracing::info!(accounts = summaries.len(), "scheduled group resync done"),
                Err(flock_core::groups::SyncError::NoActiveAccount) => {
                    tracing::info!("scheduled group resync: no active account")
                }
                Err(e) => tracing::warn!(error = %e, "scheduled group resync failed"),
            }
        }
    })
}

async fn start_demo(port: u16) -> Result<flock_sim::SimHandle, Box<dyn std::error::Error>> {
    let sim = flock_sim::Simulator::start(flock_sim::SimConfig { port, ..Default::default() }).await?;
    sim.load(&flock_sim::demo_scenario()).await?;
    tracing::info!(url = %sim.base_url(), "demo simulator started");
    Ok(sim)
}
