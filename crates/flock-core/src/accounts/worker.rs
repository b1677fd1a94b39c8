//! One account's worker: a task that owns the account's session
//! (`flock_wa::Session`), feeds the session's events to the pure lifecycle,
//! persists every transition (`persist.rs`) and carries out the lifecycle's
//! actions. The manager talks to it through `WorkerCmd`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use flock_wa::{BridgeEvent, Me, Session, SessionConfig, SessionEvent, SessionHandle, WaError};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::error::AccountError;
use super::lifecycle::{Action, Input, LinkKind, Machine};
use super::manager::{Diagnostics, Inner};
use super::persist::{Pending, RETRY_FIRST};
use super::profile::Profiles;
use super::state::AccountState;
use super::view::{AccountEvent, CapabilitiesView, Live, QrView};
use crate::entities::account;
use crate::repo::accounts as repo;

pub(super) struct WorkerHandle {
    pub(super) tx: mpsc::Sender<WorkerCmd>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

pub(super) enum WorkerCmd {
    /// An input for the lifecycle; the reply says whether its state change
    /// was stored.
    Input(Input, Option<oneshot::Sender<Result<(), AccountError>>>),
    ShowBrowser(bool),
    Diagnostics(oneshot::Sender<Diagnostics>),
    CheckHealth(oneshot::Sender<()>),
    /// The running session and the state the worker holds (for sends,
    /// lookups and checks, made by the caller, so that a long send never
    /// holds up the account's lifecycle).
    Session(oneshot::Sender<Option<(SessionHandle, AccountState)>>),
    /// The groups the running session sees.
    ReadGroups(oneshot::Sender<Result<Vec<flock_wa::GroupInfo>, WaError>>),
    Stop(oneshot::Sender<()>),
}

/// One account's worker: owns its session and its lifecycle machine.
pub(super) struct Worker {
    pub(super) id: i64,
    pub(super) inner: Arc<Inner>,
    pub(super) profiles: Profiles,
    pub(super) machine: Machine,
    /// The account's row as last stored (or read): its version is what the
    /// next compare-and-set write expects; views are built from it when the
    /// database does not answer.
    pub(super) row: account::Model,
    pub(super) session: Option<SessionHandle>,
    pub(super) events: Option<mpsc::UnboundedReceiver<SessionEvent>>,
    pub(super) deadline: Option<Instant>,
    pub(super) restart_at: Option<Instant>,
    pub(super) me: Option<Me>,
    /// This session showed a QR or pairing code: a login it reports was
    /// made here, now (and may be undone here).
    pub(super) showed_code: bool,
    pub(super) bridge_starts: u32,
    pub(super) queue: VecDeque<Input>,
    /// `Cmd` logout fired: decided after a short grace, because a ban also
    /// logs out and is told apart only by the `TOS_BLOCK` state that follows.
    pub(super) pending_logout: Option<Instant>,
    /// Health checks in a row in which the page did not answer.
    pub(super) unanswered: u32,
    /// Work whose change the database did not take, in order; tried again
    /// at `retry_at` until it does.
    pub(super) unstored: VecDeque<Pending>,
    pub(super) retry_at: Option<Instant>,
    pub(super) retry_delay: Duration,
    /// The account was removed elsewhere: the worker ends.
    pub(super) removed: bool,
    /// The profile reported another number: a provisional (legacy) claim
    /// is given back when the browser has closed.
    pub(super) give_back: bool,
    /// Forwards the session's acks and inbound messages to the manager's
    /// `messages()` channel.
    pub(super) forward: Option<tokio::task::JoinHandle<()>>,
    /// Pages loaded again for their memory (`reload_for_memory`).
    pub(super) memory_reloads: u32,
}

/// How long a logout waits for a following `TOS_BLOCK` (a ban).
const LOGOUT_GRACE: Duration = Duration::from_millis(1_500);

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn next_event(rx: &mut Option<mpsc::UnboundedReceiver<SessionEvent>>) -> Option<SessionEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Worker {
    /// Starts the worker of `row`'s account; it runs until `Stop` or until
    /// every sender is dropped.
    pub(super) fn spawn(
        inner: Arc<Inner>,
        profiles: Profiles,
        row: account::Model,
    ) -> (mpsc::Sender<WorkerCmd>, tokio::task::JoinHandle<()>) {
        let state = AccountState::parse(&row.state).unwrap_or(AccountState::Failed);
        let (tx, rx) = mpsc::channel(32);
        let worker = Worker {
            id: row.id,
            machine: Machine::new(state, inner.settings.conflict),
            inner,
            profiles,
            row,
            session: None,
            events: None,
            deadline: None,
            restart_at: None,
            me: None,
            showed_code: false,
            bridge_starts: 0,
            queue: VecDeque::new(),
            pending_logout: None,
            unanswered: 0,
            unstored: VecDeque::new(),
            retry_at: None,
            retry_delay: RETRY_FIRST,
            removed: false,
            give_back: false,
            forward: None,
            memory_reloads: 0,
        };
        (tx, tokio::spawn(worker.run(rx)))
    }

    async fn run(mut self, mut rx: mpsc::Receiver<WorkerCmd>) {
        let mut health = tokio::time::interval(self.inner.settings.health_interval);
        health.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        health.tick().await;
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => { self.stop_session().await; break; }
                    Some(WorkerCmd::Stop(reply)) => {
                        self.stop_session().await;
                        let _ = reply.send(());
                        break;
                    }
                    Some(WorkerCmd::Input(input, done)) => {
                        let stored = self.feed_reporting(input).await;
                        if let Some(done) = done { let _ = done.send(stored); }
                    }
                    Some(WorkerCmd::ShowBrowser(show)) => {
                        self.row.show_browser = show;
                        if self.session.is_some() {
                            self.stop_session().await;
                            self.start_session().await;
                            self.drain().await;
                        }
                    }
                    Some(WorkerCmd::Diagnostics(reply)) => {
                        let bridge = match &self.session {
                            Some(s) => s.bridge_info().await.ok(),
                            None => None,
                        };
                        let _ = reply.send(Diagnostics {
                            pid: self.session.as_ref().and_then(|s| s.pid()),
                            bridge_starts: self.bridge_starts,
                            memory_reloads: self.memory_reloads,
                            bridge,
                            browser: self.session.as_ref().map(|s| s.browser().path.clone()),
                        });
                    }
                    Some(WorkerCmd::Session(reply)) => {
                        let _ = reply.send(self.session.clone().map(|s| (s, self.machine.state)));
                    }
                    Some(WorkerCmd::CheckHealth(reply)) => {
                        self.health().await;
                        let _ = reply.send(());
                    }
                    Some(WorkerCmd::ReadGroups(reply)) => {
                        let groups = match &self.session {
                            Some(s) => s.groups().await,
                            None => Err(WaError::Stopped),
                        };
                        let _ = reply.send(groups);
                    }
                },
                ev = next_event(&mut self.events) => match ev {
                    Some(SessionEvent::Bridge(b)) => self.on_bridge(b).await,
                    Some(SessionEvent::Exited { reason }) => {
                        self.session_gone();
                        self.feed(Input::BrowserExited { reason }).await;
                    }
                    None => {
                        self.session_gone();
                        self.feed(Input::BrowserExited { reason: "the session ended".into() }).await;
                    }
                },
                _ = sleep_until_opt(self.deadline) => {
                    self.deadline = None;
                    self.feed(Input::Deadline).await;
                }
                _ = sleep_until_opt(self.pending_logout) => {
                    self.pending_logout = None;
                    self.feed(Input::LoggedOut).await;
                }
                _ = sleep_until_opt(self.restart_at) => {
                    self.restart_at = None;
                    self.start_session().await;
                    self.drain().await;
                }
                _ = sleep_until_opt(self.retry_at) => {
                    self.retry_at = None;
                    self.retry_unstored().await;
                }
                _ = health.tick() => self.health().await,
            }
            if self.removed {
                break;
            }
        }
        self.inner.update_live(self.id, |l| *l = Live::default());
    }

    fn session_gone(&mut self) {
        self.session = None;
        self.events = None;
        self.inner.update_live(self.id, |l| {
            l.running = false;
            l.qr = None;
            l.pairing_code = None;
            l.memory_kib = None;
            l.capabilities = None;
        });
    }

    pub(super) async fn act(&mut self, action: Action) {
        match action {
            Action::StartSession => {
                if self.session.is_none() {
                    self.start_session().await;
                }
            }
            Action::StopSession => self.stop_session().await,
            Action::RestartAfter(delay) => {
                self.stop_session().await;
                self.restart_at = Some(Instant::now() + delay);
            }
            Action::Takeover => {
                if let Some(s) = &self.session {
                    if let Err(e) = s.takeover().await {
                        tracing::warn!(account = self.id, "takeover: {e}");
                    }
                }
            }
            Action::RequestPairingCode => {
                let digits = match &self.machine.link {
                    Some(LinkKind::PairingCode { phone_digits }) => phone_digits.clone(),
                    _ => return,
                };
                if let Some(s) = &self.session {
                    if let Err(e) = s.request_pairing_code(&digits).await {
                        self.queue.push_back(Input::PairingFailed { message: e.to_string() });
                    }
                }
            }
            Action::StoreIdentity => {
                // A failure is kept and shown in the view; nothing to add here.
                let _ = self.store_identity(true).await;
            }
            Action::LogoutSession => self.logout_session().await,
        }
    }

    async fn logout_session(&mut self) {
        let Some(s) = self.session.clone() else { return };
        if let Err(e) = s.logout().await {
            tracing::warn!(account = self.id, "logout in the page: {e}");
            return;
        }
        // Let the unlink reach WhatsApp before the browser closes: wait for
        // the page's `Cmd` logout (bounded).
        let Some(rx) = self.events.as_mut() else { return };
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(ev) = rx.recv().await {
                if matches!(ev, SessionEvent::Bridge(BridgeEvent::Logout) | SessionEvent::Exited { .. }) {
                    break;
                }
            }
        })
        .await;
    }

    async fn start_session(&mut self) {
        // Only a profile made for this account of this database is opened.
        let profile_dir = match self.profiles.prepare(&self.row) {
            Ok(dir) => dir,
            Err(e) => {
                tracing::warn!(account = self.id, "profile refused: {e}");
                let fix = e.fix().to_string();
                self.queue.push_back(Input::ProfileRefused { reason: e.to_string(), fix });
                return;
            }
        };
        let s = &self.inner.settings;
        let cfg = SessionConfig {
            label: format!("account {}", self.id),
            url: s.wa_url.clone(),
            profile_dir,
            browser_path: s.browser_path.clone(),
            preference: s.browser_preference,
            show_window: self.row.show_browser,
            env: s.browser_env.clone(),
            bridge_js: flock_wa::bridge::load(Some(self.inner.paths.root())).into_owned(),
            launch_timeout: s.launch_timeout,
        };
        self.me = None;
        self.showed_code = false;
        match Session::start(cfg).await {
            Ok((handle, events)) => {
                self.forward = Some(self.inner.forward_messages(self.id, handle.messages()));
                self.session = Some(handle);
                self.events = Some(events);
                self.inner.update_live(self.id, |l| l.running = true);
                self.publish_current().await;
            }
            Err(e) => {
                tracing::warn!(account = self.id, "cannot start the session: {e}");
                let fix = match &e {
                    WaError::BrowserNotFound { .. } => "Install Google Chrome or Chromium, or set the browser path in the settings",
                    WaError::BrowserPathMissing { .. } => "Fix or clear the browser path in the settings",
                    WaError::Navigate { .. } => "Check the internet connection",
                    _ => "Try again; if it keeps failing, send the log file to support",
                };
                self.queue.push_back(Input::LaunchFailed { reason: e.to_string(), fix: fix.into() });
            }
        }
    }

    pub(super) async fn stop_session(&mut self) {
        self.restart_at = None;
        self.pending_logout = None;
        let was_running = self.session.is_some();
        if let Some(s) = self.session.take() {
            s.close().await;
        }
        if let Some(task) = self.forward.take() {
            task.abort();
        }
        if std::mem::take(&mut self.give_back) {
            match self.profiles.release_if_provisional(&self.row) {
                Ok(true) => tracing::info!(account = self.id, "the legacy profile was another number's; given back"),
                Ok(false) => {}
                Err(e) => tracing::warn!(account = self.id, "cannot give the legacy profile back: {e}"),
            }
        }
        self.events = None;
        self.me = None;
        self.inner.update_live(self.id, |l| {
            l.running = false;
            l.qr = None;
            l.pairing_code = None;
            l.memory_kib = None;
            l.capabilities = None;
        });
        if was_running {
            self.publish_current().await;
        }
    }

    async fn on_bridge(&mut self, ev: BridgeEvent) {
        match ev {
            BridgeEvent::Hello { .. } => self.bridge_starts += 1,
            BridgeEvent::Boot { version, missing, optional_missing, capabilities } => {
                if !optional_missing.is_empty() {
                    tracing::info!(account = self.id, ?version, "optional WhatsApp Web internals missing: {}", optional_missing.join(", "));
                }
                self.remember_capabilities(&capabilities).await;
                self.inner.update_live(self.id, |l| {
                    l.wa_version = version.clone();
                    l.capabilities = Some(capabilities);
                });
                if missing.is_empty() {
                    self.publish_current().await;
                } else {
                    self.feed(Input::Missing { version, names: missing }).await;
                }
            }
            BridgeEvent::State { state, has_synced, me } => {
                if self.pending_logout.is_some() && state.is_banned() {
                    self.pending_logout = None;
                }
                let identity = me.is_some();
                if me.is_some() {
                    self.me = me;
                }
                self.feed(Input::Socket { state, has_synced, identity }).await;
            }
            BridgeEvent::Qr { payload, .. } => {
                let linking_by_qr = self.machine.state == AccountState::WaitingForScan && self.machine.link == Some(LinkKind::Qr);
                if !linking_by_qr {
                    return;
                }
                self.showed_code = true;
                let svg = flock_wa::qr::qr_svg(&payload).unwrap_or_default();
                let qr = QrView { payload: payload.clone(), svg: svg.clone() };
                self.inner.update_live(self.id, |l| l.qr = Some(qr));
                self.inner.publish(AccountEvent::Qr { id: self.id, payload, svg });
                self.publish_current().await;
            }
            BridgeEvent::PairingCode { code } => {
                if self.machine.state != AccountState::WaitingForScan {
                    return;
                }
                self.showed_code = true;
                self.inner.update_live(self.id, |l| l.pairing_code = Some(code.clone()));
                self.inner.publish(AccountEvent::PairingCode { id: self.id, code });
                self.publish_current().await;
            }
            BridgeEvent::PairingError { message } => self.feed(Input::PairingFailed { message }).await,
            BridgeEvent::Logout => {
                self.me = None;
                self.pending_logout = Some(Instant::now() + LOGOUT_GRACE);
            }
            BridgeEvent::SyncProgress { .. } => {}
            BridgeEvent::Error { message } => tracing::warn!(account = self.id, "bridge: {message}"),
        }
    }

    /// Stores what this WhatsApp Web can do when it changed, so that every
    /// process (`accounts list`, another workstation) can show it.
    async fn remember_capabilities(&mut self, caps: &flock_wa::Capabilities) {
        let Ok(json) = serde_json::to_string(&CapabilitiesView::from(caps)) else { return };
        if self.row.capabilities.as_deref() == Some(json.as_str()) {
            return;
        }
        match repo::set_capabilities(self.inner.db.conn(), self.id, &json).await {
            Ok(()) => self.row.capabilities = Some(json),
            Err(e) => tracing::warn!(account = self.id, "cannot store the capabilities: {e}"),
        }
    }

    /// Active, idle (nothing sent or looked up through it now) and above the
    /// memory limit: WhatsApp Web keeps the media it sent in the page.
    fn over_memory(&self, pss: Option<u64>) -> bool {
        let (Some(limit), Some(pss)) = (self.inner.settings.memory_limit_kib, pss) else { return false };
        let idle = !self.inner.in_use.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&self.id);
        pss > limit && idle && self.machine.state == AccountState::Active
    }

    /// Loads the page again from its profile (no QR: the login is kept), as
    /// showing or hiding the browser does; the memory it held is freed.
    async fn reload_for_memory(&mut self, pss: u64) {
        tracing::info!(
            account = self.id,
            memory_mb = pss / 1024,
            limit_mb = self.inner.settings.memory_limit_kib.unwrap_or_default() / 1024,
            "the account's page grew over the memory limit while idle: loading it again"
        );
        self.memory_reloads += 1;
        self.stop_session().await;
        self.start_session().await;
        self.drain().await;
    }

    async fn health(&mut self) {
        let Some(s) = self.session.clone() else { return };
        // Modules that load late are found again once ready: the handle has the latest.
        if let Some(caps) = s.capabilities() {
            self.remember_capabilities(&caps).await;
            self.inner.update_live(self.id, |l| l.capabilities = Some(caps));
        }
        let pss = match s.health().await {
            Ok(h) => {
                self.inner.update_live(self.id, |l| l.memory_kib = h.pss_kib);
                h.pss_kib
            }
            Err(e) => {
                tracing::debug!(account = self.id, "health: {e}");
                None
            }
        };
        if self.over_memory(pss) {
            self.reload_for_memory(pss.unwrap_or_default()).await;
            return;
        }
        // A page that stops answering (a hung renderer) is treated like a
        // crash once it missed two checks in a row while active.
        if self.machine.state == AccountState::Active {
            match s.bridge_info().await {
                Ok(_) => self.unanswered = 0,
                Err(e) => {
                    self.unanswered += 1;
                    tracing::warn!(account = self.id, "health: the page did not answer ({e})");
                    if self.unanswered >= 2 {
                        self.unanswered = 0;
                        self.feed(Input::BrowserExited { reason: format!("the page stopped answering: {e}") }).await;
                        return;
                    }
                }
            }
        }
        if self.machine.state == AccountState::Active {
            match repo::touch_last_seen(self.inner.db.conn(), self.id).await {
                Ok(row) => self.row.last_seen_at = row.last_seen_at,
                Err(e) => tracing::warn!(account = self.id, "cannot store last seen: {e}"),
            }
        }
        self.publish_current().await;
    }
}
