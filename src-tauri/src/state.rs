//! What the shell keeps between commands.

use std::sync::Arc;

use flock_core::accounts::AccountManager;
use flock_core::config::resolve_database;
use flock_core::db::{Database, DatabaseInfo, DatabaseTarget, DatabaseUrl};
use flock_core::lock::DataLock;
use flock_core::paths::DataPaths;
use flock_core::services::{ResyncProgress, Services, ServicesConfig};
use flock_core::{CoreError, ErrorKind, ErrorReport};
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

/// The core's services on the open database (`flock_core::services`, the
/// same start function `flockctl run` uses), or why there are none.
enum DbSlot {
    Connected(Services),
    Failed(ErrorReport),
}

pub struct AppState {
    pub paths: DataPaths,
    pub demo: Option<flock_sim::SimHandle>,
    /// This process's hold on the data folder (`flock.lock`); `None` when
    /// another process has it (the slot then says who).
    lock: Option<DataLock>,
    db: RwLock<DbSlot>,
    /// Where the team database's password is kept (Settings shows it).
    pub password_store: std::sync::Mutex<Option<flock_core::secrets::PasswordStore>>,
    _log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl AppState {
    pub async fn start(app: &AppHandle<Wry>, options: &LaunchOptions) -> Result<Self, Box<dyn std::error::Error>> {
        let paths = DataPaths::new(options.data_root());
        paths.ensure()?;
        let log_guard = flock_core::logging::init(&paths.log_dir(), "flock", true);
        tracing::info!(data_dir = %paths.root().display(), demo = options.demo, "Flock starting");

        // One process per data folder: a `flockctl run` (or another Flock)
        // holding it is shown as the reason there is no database.
        let lock = match DataLock::acquire(&paths, "Flock") {
            Ok(lock) => lock,
            Err(e) => {
                tracing::error!(error = %e, "data folder in use");
                let slot = DbSlot::Failed(e.report());
                let password_store = std::sync::Mutex::new(None);
                return Ok(Self { paths, demo: None, lock: None, db: RwLock::new(slot), password_store, _log_guard: log_guard });
            }
        };
        let demo = match options.demo {
            true => {
                let sim = start_demo(options.demo_port.unwrap_or(0)).await?;
                // Before the accounts restore: the logins their profiles keep are known again.
                crate::demo::restore_devices(&sim, &paths);
                Some(sim)
            }
            false => None,
        };
        let slot = match open(options.database_url.as_deref(), &paths).await {
            Ok(db) => start_services(app, Some(&lock), db, &paths, demo.as_ref()).await,
            Err(report) => {
                tracing::error!(error = %report, "database unavailable");
                DbSlot::Failed(report)
            }
        };
        let password_store = std::sync::Mutex::new(flock_core::config::password_store(options.database_url.as_deref(), &paths));
        Ok(Self { paths, demo, lock: Some(lock), db: RwLock::new(slot), password_store, _log_guard: log_guard })
    }

    pub async fn database_status(&self) -> DatabaseStatus {
        match &*self.db.read().await {
            DbSlot::Connected(services) => match services.db().info().await {
                Ok(info) => DatabaseStatus::Connected { info: self.with_password(info) },
                Err(e) => DatabaseStatus::Failed { error: e.report() },
            },
            DbSlot::Failed(report) => DatabaseStatus::Failed { error: report.clone() },
        }
    }

    /// The dispatcher's health now (all well when no dispatcher runs).
    pub async fn dispatcher_health(&self) -> flock_core::dispatch::DispatcherHealth {
        match &*self.db.read().await {
            DbSlot::Connected(services) => services.dispatcher().map(|d| d.health().borrow().clone()).unwrap_or_default(),
            DbSlot::Failed(_) => Default::default(),
        }
    }

    pub async fn database_info(&self) -> Result<DatabaseInfo, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => services.db().info().await.map(|i| self.with_password(i)).map_err(|e| e.report()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    fn with_password(&self, mut info: DatabaseInfo) -> DatabaseInfo {
        info.password = self.password_store.lock().unwrap_or_else(|e| e.into_inner()).clone();
        info
    }

    /// The open database, or why there is none.
    pub async fn db(&self) -> Result<Database, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => Ok(services.db().clone()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    /// The account service, or why it is not available (no database).
    pub async fn accounts(&self) -> Result<AccountManager, ErrorReport> {
        match &*self.db.read().await {
            DbSlot::Connected(services) => Ok(services.accounts().clone()),
            DbSlot::Failed(report) => Err(report.clone()),
        }
    }

    /// Closes every account's browser (profiles kept for the next start).
    pub async fn shutdown(&self) {
        let slot = std::mem::replace(&mut *self.db.write().await, DbSlot::Failed(stopped()));
        if let DbSlot::Connected(services) = slot {
            let _ = services.stop().await.close().await;
        }
    }

    /// Tests the new database (connect and migrate) before switching to it and
    /// remembering it; on failure the current database stays in use. The
    /// switch itself stops every old session before the new database's
    /// accounts start (the same order as `Services::switch`).
    pub async fn switch_database(&self, app: &AppHandle<Wry>, url: Option<String>) -> Result<DatabaseInfo, ErrorReport> {
        let url = url.map(|u| DatabaseUrl::new(u.trim())).filter(|u| !u.is_empty());
        let target = match &url {
            Some(url) => DatabaseTarget::parse(url).map_err(|e| e.report())?,
            None => DatabaseTarget::sqlite_file(self.paths.sqlite_file()),
        };
        let db = Database::open(target).await.map_err(|e| e.report())?;
        let mut info = db.info().await.map_err(|e| e.report())?;
        // The URL goes to settings.json without its password (keychain, else a private file).
        let kept = flock_core::secrets::save_database_url(&self.paths, url.as_ref()).map_err(|e| flock_core::CoreError::from(e).report())?;
        *self.password_store.lock().unwrap_or_else(|e| e.into_inner()) = kept.clone();
        info.password = kept;
        let mut slot = self.db.write().await;
        if let DbSlot::Connected(old) = std::mem::replace(&mut *slot, DbSlot::Failed(stopped())) {
            // Every old browser is closed before a new one starts.
            let _ = old.stop().await.close().await;
        }
        *slot = start_services(app, self.lock.as_ref(), db, &self.paths, self.demo.as_ref()).await;
        let result = match &*slot {
            DbSlot::Connected(_) => Ok(info),
            DbSlot::Failed(report) => Err(report.clone()),
        };
        tracing::info!(ok = result.is_ok(), "switched database");
        result
    }
}

async fn open(explicit_url: Option<&str>, paths: &DataPaths) -> Result<Database, ErrorReport> {
    let (target, _) = resolve_database(explicit_url, paths)?;
    Database::open(target).await.map_err(|e| CoreError::from(e).report())
}

/// Starts the core's services on `db` (`Services::start`: accounts restored,
/// scheduled group resync with live progress) and forwards their events to
/// every window.
async fn start_services(
    app: &AppHandle<Wry>,
    lock: Option<&DataLock>,
    db: Database,
    paths: &DataPaths,
    demo: Option<&flock_sim::SimHandle>,
) -> DbSlot {
    let Some(lock) = lock else { return DbSlot::Failed(stopped()) };
    let mut config = ServicesConfig::from_settings(paths);
    if let Some(sim) = demo {
        config.accounts.wa_url = format!("{}/", sim.base_url());
    }
    let progress_app = app.clone();
    let progress: ResyncProgress = Arc::new(move |p| {
        use tauri_specta::Event;
        let _ = crate::events::GroupsSyncProgress(p).emit(&progress_app);
    });
    match Services::start(lock, db, config, Some(progress)).await {
        Ok(services) => {
            let events = services.take_start_events().unwrap_or_else(|| services.accounts().subscribe());
            crate::events::forward_account_events(app.clone(), events);
            crate::campaign_events::forward(app, &services);
            crate::inbox::forward(app, &services);
            crate::events::forward_dispatcher_health(app, &services);
            tracing::info!(accounts = services.restoring(), "restoring linked accounts");
            DbSlot::Connected(services)
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start the services");
            DbSlot::Failed(e.report())
        }
    }
}

/// What the slot says while the services stop, or when they cannot run.
fn stopped() -> ErrorReport {
    ErrorReport {
        kind: ErrorKind::Internal,
        message: "Flock's services are stopped".into(),
        fix: Some("Restart Flock".into()),
    }
}

async fn start_demo(port: u16) -> Result<flock_sim::SimHandle, Box<dyn std::error::Error>> {
    let sim = flock_sim::Simulator::start(flock_sim::SimConfig { port, ..Default::default() }).await?;
    sim.load(&flock_sim::demo_scenario()).await?;
    tracing::info!(url = %sim.base_url(), "demo simulator started");
    Ok(sim)
}
