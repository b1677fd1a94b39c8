//! One account's worker: a task that owns the account's session
//! (`flock_wa::Session`), feeds the session's events to the pure lifecycle,
//! persists every transition (`repo::accounts::set_state`) and carries out
//! the lifecycle's actions. The manager talks to it through `WorkerCmd`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use flock_wa::{BridgeEvent, Me, Session, SessionConfig, SessionEvent, SessionHandle, WaError};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::lifecycle::{self, Action, Input, LinkKind, Machine};
use super::manager::{Diagnostics, Inner};
use super::state::AccountState;
use super::view::{AccountEvent, Live, QrView};
use crate::entities::account;
use crate::repo::accounts::{self as repo, Transition};
use crate::repo::RepoError;

pub(super) struct WorkerHandle {
    pub(super) tx: mpsc::Sender<WorkerCmd>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

pub(super) enum WorkerCmd {
    Input(Input, Option<oneshot::Sender<()>>),
    ShowBrowser(bool),
    Diagnostics(oneshot::Sender<Diagnostics>),
    CheckHealth(oneshot::Sender<()>),
    /// The groups the running session sees (raw bridge JSON).
    ReadGroups(oneshot::Sender<Result<serde_json::Value, String>>),
    Stop(oneshot::Sender<()>),
}

/// One account's worker: owns its session and its lifecycle machine.
pub(super) struct Worker {
    id: i64,
    inner: Arc<Inner>,
    machine: Machine,
    show_browser: bool,
    session: Option<SessionHandle>,
    events: Option<mpsc::UnboundedReceiver<SessionEvent>>,
    deadline: Option<Instant>,
    restart_at: Option<Instant>,
    me: Option<Me>,
    bridge_starts: u32,
    queue: VecDeque<Input>,
    /// `Cmd` logout fired: decided after a short grace, because a ban also
    /// logs out and is told apart only by the `TOS_BLOCK` state that follows.
    pending_logout: Option<Instant>,
    /// Health checks in a row in which the page did not answer.
    unanswered: u32,
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
    pub(super) fn spawn(inner: Arc<Inner>, row: &account::Model) -> (mpsc::Sender<WorkerCmd>, tokio::task::JoinHandle<()>) {
        let state = AccountState::parse(&row.state).unwrap_or(AccountState::Failed);
        let (tx, rx) = mpsc::channel(32);
        let worker = Worker {
            id: row.id,
            machine: Machine::new(state, inner.settings.conflict),
            inner,
            show_browser: row.show_browser,
            session: None,
            events: None,
            deadline: None,
            restart_at: None,
            me: None,
            bridge_starts: 0,
            queue: VecDeque::new(),
            pending_logout: None,
            unanswered: 0,
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
                        self.feed(input).await;
                        if let Some(done) = done { let _ = done.send(()); }
                    }
                    Some(WorkerCmd::ShowBrowser(show)) => {
                        self.show_browser = show;
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
                            bridge,
                            browser: self.session.as_ref().map(|s| s.browser().path.clone()),
                        });
                    }
                    Some(WorkerCmd::CheckHealth(reply)) => {
                        self.health().await;
                        let _ = reply.send(());
                    }
                    Some(WorkerCmd::ReadGroups(reply)) => {
                        let groups = match &self.session {
                            Some(s) => s.groups().await.map_err(|e| e.to_string()),
                            None => Err("no browser is running for this account".into()),
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
                _ = health.tick() => self.health().await,
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
        });
    }

    async fn feed(&mut self, input: Input) {
        self.queue.push_back(input);
        self.drain().await;
    }

    /// Runs queued inputs through the lifecycle, persisting and acting.
    async fn drain(&mut self) {
        while let Some(input) = self.queue.pop_front() {
            let before = self.machine.state;
            let step = lifecycle::step(&mut self.machine, input, &self.inner.settings.timeouts);
            if let Some(to) = &step.to {
                self.persist(before, to).await;
            }
            for action in step.actions {
                self.act(action).await;
            }
        }
    }

    async fn persist(&mut self, before: AccountState, to: &lifecycle::Target) {
        let timeout = self.inner.settings.timeouts.deadline_for(to.state);
        self.deadline = timeout.map(|d| Instant::now() + d);
        let deadline = timeout.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| chrono::Utc::now() + d);
        if to.state != AccountState::WaitingForScan {
            self.inner.update_live(self.id, |l| {
                l.qr = None;
                l.pairing_code = None;
            });
        }
        tracing::info!(account = self.id, from = before.as_str(), to = to.state.as_str(), reason = %to.reason, "account state");
        let res = repo::set_state(
            self.inner.db.conn(),
            self.id,
            Transition { to: to.state, reason: Some(&to.reason), fix: to.fix.as_deref(), deadline },
        )
        .await;
        match res {
            Ok(row) => self.inner.publish(AccountEvent::Changed { account: self.inner.view_of(&row) }),
            Err(e) => tracing::error!(account = self.id, "cannot store the state change: {e}"),
        }
    }

    async fn act(&mut self, action: Action) {
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
            Action::StoreIdentity => self.store_identity().await,
            Action::LogoutSession => self.logout_session().await,
        }
    }

    async fn store_identity(&mut self) {
        let Some(me) = self.me.clone() else { return };
        let res = repo::set_identity(self.inner.db.conn(), self.id, &me.e164(), &me.wa_id(), me.pushname.as_deref()).await;
        match res {
            Ok(_) => self.queue.push_back(Input::IdentityStored),
            Err(RepoError::Conflict { message, fix }) => self.queue.push_back(Input::IdentityConflict { message, fix }),
            Err(e) => {
                tracing::error!(account = self.id, "cannot store the identity: {e}");
                self.queue.push_back(Input::IdentityConflict {
                    message: format!("Cannot store the account's number: {e}"),
                    fix: "Check the database, then click Link again".into(),
                });
            }
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
        let s = &self.inner.settings;
        let cfg = SessionConfig {
            label: format!("account {}", self.id),
            url: s.wa_url.clone(),
            profile_dir: self.inner.profile_dir(self.id),
            browser_path: s.browser_path.clone(),
            preference: s.browser_preference,
            show_window: self.show_browser,
            env: s.browser_env.clone(),
            bridge_js: flock_wa::bridge::load(Some(self.inner.paths.root())).into_owned(),
            launch_timeout: s.launch_timeout,
        };
        if let Err(e) = ensure_private_dir(&self.inner.paths.profiles_dir()) {
            tracing::warn!("cannot make the profiles folder private: {e}");
        }
        self.me = None;
        match Session::start(cfg).await {
            Ok((handle, events)) => {
                self.session = Some(handle);
                self.events = Some(events);
                self.inner.update_live(self.id, |l| l.running = true);
                self.inner.publish_current(self.id).await;
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

    async fn stop_session(&mut self) {
        self.restart_at = None;
        self.pending_logout = None;
        if let Some(s) = self.session.take() {
            s.close().await;
        }
        self.events = None;
        self.me = None;
        self.inner.update_live(self.id, |l| {
            l.running = false;
            l.qr = None;
            l.pairing_code = None;
            l.memory_kib = None;
        });
    }

    async fn on_bridge(&mut self, ev: BridgeEvent) {
        match ev {
            BridgeEvent::Hello { .. } => self.bridge_starts += 1,
            BridgeEvent::Boot { version, missing, optional_missing } => {
                if !optional_missing.is_empty() {
                    tracing::info!(account = self.id, ?version, "optional WhatsApp Web internals missing: {}", optional_missing.join(", "));
                }
                self.inner.update_live(self.id, |l| l.wa_version = version.clone());
                if missing.is_empty() {
                    self.inner.publish_current(self.id).await;
                } else {
                    self.feed(Input::Missing { version, names: missing }).await;
                }
            }
            BridgeEvent::State { state, has_synced, me } => {
                if self.pending_logout.is_some() && matches!(state.as_str(), "TOS_BLOCK" | "SMB_TOS_BLOCK") {
                    self.pending_logout = None;
                }
                let identity = me.is_some();
                if me.is_some() {
                    self.me = me;
                }
                self.feed(Input::Socket { state, has_synced, identity }).await;
            }
            BridgeEvent::Qr { payload } => {
                let linking_by_qr = self.machine.state == AccountState::WaitingForScan && self.machine.link == Some(LinkKind::Qr);
                if !linking_by_qr {
                    return;
                }
                let svg = flock_wa::qr::qr_svg(&payload).unwrap_or_default();
                let qr = QrView { payload: payload.clone(), svg: svg.clone() };
                self.inner.update_live(self.id, |l| l.qr = Some(qr));
                self.inner.publish(AccountEvent::Qr { id: self.id, payload, svg });
                self.inner.publish_current(self.id).await;
            }
            BridgeEvent::PairingCode { code } => {
                if self.machine.state != AccountState::WaitingForScan {
                    return;
                }
                self.inner.update_live(self.id, |l| l.pairing_code = Some(code.clone()));
                self.inner.publish(AccountEvent::PairingCode { id: self.id, code });
                self.inner.publish_current(self.id).await;
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

    async fn health(&mut self) {
        let Some(s) = self.session.clone() else { return };
        match s.health().await {
            Ok(h) => self.inner.update_live(self.id, |l| l.memory_kib = h.pss_kib),
            Err(e) => tracing::debug!(account = self.id, "health: {e}"),
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
            if let Err(e) = repo::touch_last_seen(self.inner.db.conn(), self.id).await {
                tracing::warn!(account = self.id, "cannot store last seen: {e}");
            }
        }
        self.inner.publish_current(self.id).await;
    }
}

fn ensure_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
