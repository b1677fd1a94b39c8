//! The account service API (`AccountManager`): what the app and `flockctl`
//! call. Each running account has one worker (`worker.rs`) that owns its
//! session; the manager starts, addresses and stops the workers and builds
//! the views it publishes on a broadcast channel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::error::{phone_digits, AccountError};
use super::lifecycle::{Input, LinkKind};
use super::profile::{Holding, Profiles};
use super::settings::AccountSettings;
use super::state::AccountState;
use super::view::{AccountEvent, AccountView, Live};
use super::worker::{Worker, WorkerCmd, WorkerHandle};
use crate::db::Database;
use crate::paths::DataPaths;
use crate::repo::accounts::{self as repo, Transition};
use crate::repo::RepoError;

/// How to link an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum LinkMethod {
    Qr,
    /// An 8-character code typed on the phone; `phone` with its country code.
    PairingCode { phone: String },
}

/// What a running session knows about itself (tests, troubleshooting).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Diagnostics {
    pub pid: Option<u32>,
    /// Documents the bridge started in (one per page load).
    pub bridge_starts: u32,
    /// Pages loaded again because they grew over the memory limit.
    pub memory_reloads: u32,
    /// `window.__flockBridge.info()` of the current document.
    pub bridge: Option<serde_json::Value>,
    pub browser: Option<PathBuf>,
}

/// The account service. Cheap to clone; all clones share the workers.
#[derive(Clone)]
pub struct AccountManager {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) db: Database,
    pub(super) paths: DataPaths,
    pub(super) settings: AccountSettings,
    events: broadcast::Sender<AccountEvent>,
    /// Acks and inbound messages of every running session (`messages()`).
    pub(super) messages: broadcast::Sender<super::messaging::AccountMessage>,
    workers: Mutex<HashMap<i64, WorkerHandle>>,
    live: Mutex<HashMap<i64, Live>>,
    /// This database's own id (`flock_meta`), read once.
    database_id: OnceCell<String>,
    /// Team mode (`team.rs`): this installation, read once; when this
    /// manager started; the team's desks as the last heartbeat saw them.
    pub(super) workstation: OnceCell<crate::team::Workstation>,
    pub(super) started_at: chrono::DateTime<chrono::Utc>,
    pub(super) desks: Mutex<HashMap<String, crate::team::DeskInfo>>,
    /// When the last heartbeat ran: leases that ran out since are shown.
    pub(super) last_beat: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    /// Sends, lookups and checks running through each account's session
    /// now (`messaging.rs`): a page is never reloaded under one.
    pub(super) in_use: Mutex<HashMap<i64, u32>>,
}

impl AccountManager {
    pub fn new(db: Database, paths: DataPaths, settings: AccountSettings) -> Self {
        let (events, _) = broadcast::channel(256);
        let (messages, _) = broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                db,
                paths,
                settings,
                events,
                messages,
                workers: Mutex::new(HashMap::new()),
                live: Mutex::new(HashMap::new()),
                database_id: OnceCell::new(),
                workstation: OnceCell::new(),
                started_at: chrono::Utc::now(),
                desks: Mutex::new(HashMap::new()),
                last_beat: Mutex::new(None),
                in_use: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The database the service records into.
    pub fn database(&self) -> &Database {
        &self.inner.db
    }

    pub fn settings(&self) -> &AccountSettings {
        &self.inner.settings
    }

    /// Every account change, as it happens.
    pub fn subscribe(&self) -> broadcast::Receiver<AccountEvent> {
        self.inner.events.subscribe()
    }

    pub async fn add(&self, name: &str) -> Result<AccountView, AccountError> {
        if name.trim().is_empty() {
            return Err(AccountError::EmptyName);
        }
        let row = repo::create(self.inner.db.conn(), name).await?;
        let view = self.inner.view_of(&row);
        self.inner.publish(AccountEvent::Changed { account: view.clone() });
        Ok(view)
    }

    pub async fn list(&self) -> Result<Vec<AccountView>, AccountError> {
        let rows = repo::list(self.inner.db.conn()).await?;
        Ok(rows.iter().map(|r| self.inner.view_of(r)).collect())
    }

    pub async fn get(&self, id: i64) -> Result<AccountView, AccountError> {
        let row = repo::get(self.inner.db.conn(), id).await?;
        Ok(self.inner.view_of(&row))
    }

    /// Starts linking: a live QR (events `Qr`) or a pairing code (event
    /// `PairingCode`). A profile that is still logged in comes back without
    /// either. Returns at once; follow the events.
    pub async fn link(&self, id: i64, method: LinkMethod) -> Result<(), AccountError> {
        let row = repo::get(self.inner.db.conn(), id).await?;
        if row.state == AccountState::Restricted.as_str() {
            return Err(AccountError::Restricted { name: row.name });
        }
        let kind = match method {
            LinkMethod::Qr => LinkKind::Qr,
            LinkMethod::PairingCode { phone } => LinkKind::PairingCode { phone_digits: phone_digits(&phone)? },
        };
        self.send_input(id, Input::Link(kind), true).await
    }

    /// Unlinks the device (in WhatsApp too, when its session runs) and
    /// wipes the profile. The account stays, `logged_out`.
    pub async fn logout(&self, id: i64) -> Result<(), AccountError> {
        repo::get(self.inner.db.conn(), id).await?;
        self.send_input(id, Input::UserLogout, true).await?;
        self.stop_worker(id).await;
        let row = repo::get(self.inner.db.conn(), id).await?;
        self.inner.profiles().await?.wipe(&row)?;
        Ok(())
    }

    /// Wipes the profile and forgets the number: back to `new`.
    pub async fn reset(&self, id: i64) -> Result<AccountView, AccountError> {
        repo::get(self.inner.db.conn(), id).await?;
        self.stop_worker(id).await;
        let row = repo::get(self.inner.db.conn(), id).await?;
        self.inner.profiles().await?.wipe(&row)?;
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        let row = repo::clear_identity(self.inner.db.conn(), id, row.version).await?;
        let row = repo::set_state(
            self.inner.db.conn(),
            id,
            row.version,
            Transition { to: AccountState::New, reason: Some("Reset: the browser profile was wiped"), fix: None, deadline: None },
        )
        .await?;
        let view = self.inner.view_of(&row);
        self.inner.publish(AccountEvent::Changed { account: view.clone() });
        Ok(view)
    }

    pub async fn remove(&self, id: i64) -> Result<(), AccountError> {
        repo::get(self.inner.db.conn(), id).await?;
        self.stop_worker(id).await;
        let row = repo::get(self.inner.db.conn(), id).await?;
        self.inner.profiles().await?.wipe(&row)?;
        repo::remove(self.inner.db.conn(), id).await?;
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        self.inner.publish(AccountEvent::Removed { id });
        Ok(())
    }

    /// Shows (or hides) this account's browser window; a running session
    /// restarts with the new setting.
    pub async fn set_show_browser(&self, id: i64, show: bool) -> Result<AccountView, AccountError> {
        let row = repo::set_show_browser(self.inner.db.conn(), id, show).await?;
        let tx = self.worker_tx(id);
        if let Some(tx) = tx {
            let _ = tx.send(WorkerCmd::ShowBrowser(show)).await;
        }
        let view = self.inner.view_of(&row);
        self.inner.publish(AccountEvent::Changed { account: view.clone() });
        Ok(view)
    }

    /// A send failed with a server code; 463 (reachout timelock) puts the
    /// account in `restricted` (sending paused, session kept).
    pub async fn report_send_error(&self, id: i64, code: i32) -> Result<(), AccountError> {
        if self.worker_tx(id).is_none() {
            return Ok(());
        }
        self.send_input(id, Input::SendRejected { code }, false).await
    }

    /// At start: brings back every linked account whose browser profile
    /// this data folder holds, from that profile, without a QR, one every
    /// `restore_stagger`. Accounts held here that a previous run left in a
    /// transitional state are settled first. An account whose profile is
    /// not here (it runs on another workstation) is left alone: no session,
    /// no write. Returns how many accounts are being restored.
    pub async fn restore_all(&self) -> Result<usize, AccountError> {
        let profiles = self.inner.profiles().await?;
        let rows = repo::list(self.inner.db.conn()).await?;
        let mut restore = Vec::new();
        for row in rows {
            if self.worker_tx(row.id).is_some() {
                continue;
            }
            match profiles.holding(&row) {
                Holding::Held | Holding::Claimable => {}
                Holding::None | Holding::Foreign => continue,
            }
            if let Some(desk) = self.leased_elsewhere(&row).await? {
                tracing::info!(account = row.id, desk = %desk, "not restored: its session runs on another workstation");
                continue;
            }
            let state = AccountState::parse(&row.state).unwrap_or(AccountState::Failed);
            let linked = row.phone.is_some();
            let settle = match state {
                AccountState::Active | AccountState::Reconnecting | AccountState::Syncing | AccountState::Failed if linked => {
                    restore.push(row.id);
                    None
                }
                AccountState::WaitingForScan => Some((AccountState::LinkExpired, "Flock stopped while linking", "Click Link to try again")),
                AccountState::Syncing | AccountState::Reconnecting => {
                    Some((AccountState::Failed, "Flock stopped before the account was linked", "Click Link to try again"))
                }
                _ => None,
            };
            if let Some((to, reason, fix)) = settle {
                let transition = Transition { to, reason: Some(reason), fix: Some(fix), deadline: None };
                match repo::set_state(self.inner.db.conn(), row.id, row.version, transition).await {
                    Ok(row) => self.inner.publish(AccountEvent::Changed { account: self.inner.view_of(&row) }),
                    // Changed meanwhile by whoever runs it: theirs stands.
                    Err(RepoError::Stale { .. } | RepoError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let count = restore.len();
        let me = self.clone();
        let stagger = self.inner.settings.restore_stagger;
        tokio::spawn(async move {
            for (i, id) in restore.into_iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(stagger).await;
                }
                if let Err(e) = me.send_input(id, Input::Restore, false).await {
                    tracing::warn!(account = id, "cannot restore: {e}");
                }
            }
        });
        Ok(count)
    }

    /// Runs the health check of a running account now (state, last seen,
    /// memory); the periodic one runs every `health_interval`.
    pub async fn check_health(&self, id: i64) -> Result<AccountView, AccountError> {
        if let Some(tx) = self.worker_tx(id) {
            let (reply, rx) = oneshot::channel();
            if tx.send(WorkerCmd::CheckHealth(reply)).await.is_ok() {
                let _ = rx.await;
            }
        }
        self.get(id).await
    }

    /// Every group an active account is in, with participants, read from
    /// its WhatsApp Web session through the bridge.
    pub async fn read_groups(&self, id: i64) -> Result<Vec<crate::groups::GroupSnapshot>, AccountError> {
        let view = self.get(id).await?;
        let tx = match self.worker_tx(id) {
            Some(tx) if view.state == AccountState::Active => tx,
            _ => return Err(AccountError::NotActive { name: view.name, state: view.state.as_str().into() }),
        };
        let (reply, rx) = oneshot::channel();
        tx.send(WorkerCmd::ReadGroups(reply)).await.map_err(|_| AccountError::Stopped)?;
        let groups = rx.await.map_err(|_| AccountError::Stopped)?;
        let groups = groups.map_err(|source| AccountError::Session { name: view.name, source })?;
        Ok(groups.into_iter().map(crate::groups::GroupSnapshot::from).collect())
    }

    /// The running session's process and bridge (None when not running).
    pub async fn diagnostics(&self, id: i64) -> Option<Diagnostics> {
        let tx = self.worker_tx(id)?;
        let (reply, rx) = oneshot::channel();
        tx.send(WorkerCmd::Diagnostics(reply)).await.ok()?;
        rx.await.ok()
    }

    /// Closes every browser (profiles kept; linked accounts come back with
    /// `restore_all` on the next start).
    pub async fn shutdown(&self) {
        let ids: Vec<i64> = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        let stops = ids.into_iter().map(|id| self.stop_worker(id));
        futures::future::join_all(stops).await;
    }

    /// The accounts whose worker runs here.
    pub(super) fn running_ids(&self) -> Vec<i64> {
        let workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers
            .iter()
            .filter(|(_, w)| !w.task.is_finished())
            .map(|(id, _)| *id)
            .collect()
    }

    pub(super) fn worker_tx(&self, id: i64) -> Option<mpsc::Sender<WorkerCmd>> {
        let workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.get(&id).filter(|w| !w.task.is_finished()).map(|w| w.tx.clone())
    }

    /// Sends an input to the account's worker, starting one if needed;
    /// `wait`: until the worker has carried it out (and say whether its
    /// change was stored).
    pub(super) async fn send_input(&self, id: i64, input: Input, wait: bool) -> Result<(), AccountError> {
        let tx = match self.worker_tx(id) {
            Some(tx) => tx,
            None => self.spawn_worker(id).await?,
        };
        let (done, rx) = oneshot::channel();
        tx.send(WorkerCmd::Input(input, Some(done))).await.map_err(|_| AccountError::Stopped)?;
        if wait {
            rx.await.map_err(|_| AccountError::Stopped)??;
        }
        Ok(())
    }

    async fn spawn_worker(&self, id: i64) -> Result<mpsc::Sender<WorkerCmd>, AccountError> {
        let row = repo::get(self.inner.db.conn(), id).await?;
        let profiles = self.inner.profiles().await?;
        // No session without the account's lease: it never runs on two workstations.
        self.take_lease(&row).await?;
        // The worker starts from the row with its lease.
        let row = repo::get(self.inner.db.conn(), id).await?;
        let (tx, task) = Worker::spawn(self.inner.clone(), profiles, row);
        let mut workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = workers.get(&id).filter(|w| !w.task.is_finished()) {
            // Another caller started one meanwhile: use it, drop ours.
            task.abort();
            return Ok(existing.tx.clone());
        }
        workers.insert(id, WorkerHandle { tx: tx.clone(), task });
        Ok(tx)
    }

    pub(super) async fn stop_worker(&self, id: i64) {
        let handle = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        if let Some(h) = handle {
            let (reply, rx) = oneshot::channel();
            if h.tx.send(WorkerCmd::Stop(reply)).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(20), rx).await;
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), h.task).await;
            // The browser has closed: another workstation may take the account now.
            self.give_back_lease(id).await;
        }
    }
}

impl Inner {
    /// The profile folders of this data folder, for this database.
    pub(super) async fn profiles(&self) -> Result<Profiles, AccountError> {
        let id = self.database_id.get_or_try_init(|| repo::database_id(self.db.conn())).await?;
        Ok(Profiles::new(&self.paths, id.clone()))
    }

    pub(super) fn live_database_error(&self, id: i64) -> Option<String> {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.get(&id).and_then(|l| l.database_error.clone())
    }

    pub(super) fn view_of(&self, row: &crate::entities::account::Model) -> AccountView {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        AccountView::from_row(row, live.get(&row.id), self.desk_of(row))
    }

    pub(super) fn publish(&self, ev: AccountEvent) {
        // No subscriber is fine.
        let _ = self.events.send(ev);
    }

    pub(super) fn update_live(&self, id: i64, f: impl FnOnce(&mut Live)) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        f(live.entry(id).or_default());
    }
}
