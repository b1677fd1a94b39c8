//! The session actor: one per account. It alone owns the browser process;
//! callers hold a cheap [`SessionHandle`] (see `handle.rs`) and read
//! [`SessionEvent`]s. The chromiumoxide handler ending means the browser
//! died: that is an event, never a panic.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use chromiumoxide::cdp::js_protocol::runtime::{AddBindingParams, EventBindingCalled};
use chromiumoxide::error::CdpError;
use chromiumoxide::Page;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::bridge;
use crate::capability::Capabilities;
use crate::error::{LaunchCause, NavigateCause, WaError};
use crate::events::{describe_error, describe_unreadable, BridgeEvent, MessageEvent, SessionEvent};
use crate::handle::SessionHandle;
use crate::launch::{launch_flags, major_version, user_agent, LaunchOptions};
use crate::locate::{find_browser, BrowserBinary, BrowserPreference};
use crate::state::SocketState;

/// Everything needed to start a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// For logs (e.g. `account 3`).
    pub label: String,
    /// WhatsApp Web (or the simulator).
    pub url: String,
    /// This account's own profile folder (created 0700).
    pub profile_dir: PathBuf,
    /// A browser path from the settings; `None` searches the usual places.
    pub browser_path: Option<PathBuf>,
    pub preference: BrowserPreference,
    /// Show a window (troubleshooting); headless otherwise.
    pub show_window: bool,
    /// Extra environment for the browser process (tests point HOME and the
    /// XDG folders at a temp folder: Chromium writes crash data there).
    pub env: Vec<(String, String)>,
    /// The bridge script ([`crate::bridge::load`]).
    pub bridge_js: String,
    /// Launch and first navigation must finish within this.
    pub launch_timeout: Duration,
}

/// Health of a running session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionHealth {
    pub pid: Option<u32>,
    /// PSS of the browser's process tree, KiB (Linux).
    pub pss_kib: Option<u64>,
    pub browser: BrowserBinary,
}

/// What the session knows about its page right now (from the bridge's
/// pushed events; never polled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// `Socket.state`; `None` until the current document reported one.
    pub state: Option<SocketState>,
    pub has_synced: bool,
    /// The features of the current document (`None` before its boot).
    pub capabilities: Option<Capabilities>,
    /// Documents the bridge started in (one per page load).
    pub documents: u32,
}

impl Status {
    /// Connected and past the first sync: usable.
    pub fn ready(&self) -> bool {
        self.state == Some(SocketState::Connected) && self.has_synced
    }
}

pub(crate) enum Command {
    Health { reply: oneshot::Sender<SessionHealth> },
    Close { reply: oneshot::Sender<()> },
}

/// State shared by the handle and the binding listener.
pub(crate) struct Shared {
    pub label: String,
    pub status: watch::Sender<Status>,
    /// Acks and incoming messages.
    pub messages: broadcast::Sender<MessageEvent>,
    /// Long bridge commands waiting for their `reply` event.
    pub pending: Mutex<HashMap<u64, oneshot::Sender<serde_json::Value>>>,
    pub next_call: AtomicU64,
}

impl Shared {
    fn drop_pending(&self) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub struct Session;

impl Session {
    /// Launches the browser with the account's profile, installs the
    /// binding and the bridge, and opens WhatsApp Web. Events (including
    /// the bridge's first `hello`) arrive on the returned receiver.
    pub async fn start(
        cfg: SessionConfig,
    ) -> Result<(SessionHandle, mpsc::UnboundedReceiver<SessionEvent>), WaError> {
        prepare_profile(&cfg.profile_dir)?;
        crate::stale::end_stale_browsers(&cfg.profile_dir);
        let binary = find_browser(cfg.browser_path.as_deref(), cfg.preference, cfg.show_window)?;
        let opts = LaunchOptions::detect(cfg.show_window);
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&binary.path)
            .user_data_dir(&cfg.profile_dir)
            .disable_default_args()
            .args(launch_flags(opts))
            .window_size(1280, 900)
            .viewport(None)
            .launch_timeout(cfg.launch_timeout)
            .request_timeout(Duration::from_secs(30));
        if !cfg.env.is_empty() {
            builder = builder.envs(cfg.env.iter().cloned());
        }
        if cfg.show_window {
            builder = builder.with_head();
        }
        if opts.as_root {
            builder = builder.no_sandbox();
        }
        let launch_err = |cause: LaunchCause| WaError::Launch { path: binary.path.clone(), cause };
        let config = builder.build().map_err(|c| launch_err(LaunchCause::Config(c)))?;
        let (mut browser, mut handler) = Browser::launch(config).await.map_err(|e| launch_err(LaunchCause::Cdp(e)))?;
        let pid = browser.get_mut_child().and_then(|c| c.as_mut_inner().id());
        tracing::info!(label = %cfg.label, browser = %binary.path.display(), ?pid, "browser started");

        let (died_tx, died_rx) = oneshot::channel::<String>();
        let label = cfg.label.clone();
        let handler_task = tokio::spawn(async move {
            let reason = loop {
                match handler.next().await {
                    None => break "the browser closed its connection".to_string(),
                    Some(Ok(())) => {}
                    Some(Err(CdpError::Ws(e))) => break format!("the browser connection broke: {e}"),
                    Some(Err(e)) => tracing::debug!(%label, "browser handler: {e}"),
                }
            };
            let _ = died_tx.send(reason);
        });

        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            label: cfg.label.clone(),
            status: watch::channel(Status::default()).0,
            messages: broadcast::channel(4096).0,
            pending: Mutex::new(HashMap::new()),
            next_call: AtomicU64::new(1),
        });
        let page = match setup_page(&browser, &cfg, events_tx.clone(), shared.clone()).await {
            Ok(page) => page,
            Err(e) => {
                let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
                let _ = browser.kill().await;
                handler_task.abort();
                return Err(e);
            }
        };
        let (tx, rx) = mpsc::channel(16);
        let actor = Actor { label: cfg.label.clone(), browser, pid, binary: binary.clone(), events: events_tx, handler_task };
        tokio::spawn(actor.run(rx, died_rx));
        Ok((SessionHandle::new(tx, page, shared, pid, binary), events_rx))
    }
}

fn prepare_profile(dir: &std::path::Path) -> Result<(), WaError> {
    let err = |source| WaError::Profile { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

async fn setup_page(
    browser: &Browser,
    cfg: &SessionConfig,
    events: mpsc::UnboundedSender<SessionEvent>,
    shared: Arc<Shared>,
) -> Result<Page, WaError> {
    let page = browser.new_page("about:blank").await.map_err(WaError::cdp("opening a tab"))?;
    // A normal desktop user agent with the browser's real major version.
    let major = browser.version().await.ok().and_then(|v| major_version(&v.product)).unwrap_or(131);
    page.set_user_agent(user_agent(std::env::consts::OS, major)).await.map_err(WaError::cdp("setting the user agent"))?;

    // Page-to-host events: pushed through the binding, never polled.
    let mut calls = page.event_listener::<EventBindingCalled>().await.map_err(WaError::cdp("listening to the binding"))?;
    tokio::spawn(async move {
        while let Some(call) = calls.next().await {
            if call.name != bridge::BINDING {
                continue;
            }
            route(&shared, &events, &call.payload);
        }
        // The page is gone: nothing will answer the waiting commands.
        shared.drop_pending();
    });
    page.execute(AddBindingParams::new(bridge::BINDING)).await.map_err(WaError::cdp("adding the binding"))?;
    // Runs before the page's own scripts on every new document; the script
    // itself skips iframes and a second run in the same document.
    page.execute(AddScriptToEvaluateOnNewDocumentParams::new(cfg.bridge_js.clone()))
        .await
        .map_err(WaError::cdp("installing the bridge"))?;
    match tokio::time::timeout(cfg.launch_timeout, page.goto(cfg.url.as_str())).await {
        Ok(Ok(_)) => Ok(page),
        Ok(Err(e)) => Err(WaError::Navigate { url: cfg.url.clone(), cause: NavigateCause::Cdp(e) }),
        Err(_) => Err(WaError::Navigate { url: cfg.url.clone(), cause: NavigateCause::Timeout(cfg.launch_timeout) }),
    }
}

/// Handles one binding payload: a reply goes to its waiting command, an
/// event updates the status and goes to the owner (when it still listens;
/// replies and the status keep working without it).
fn route(shared: &Shared, events: &mpsc::UnboundedSender<SessionEvent>, payload: &str) {
    let label = &shared.label;
    let value: serde_json::Value = match serde_json::from_str(payload) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(%label, "unreadable bridge event ({}): {}", describe_unreadable(payload), describe_error(&e));
            return;
        }
    };
    if value["type"] == "reply" {
        let call = value["call"].as_u64().unwrap_or(0);
        let waiting = shared.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&call);
        match waiting {
            Some(tx) => {
                let mut value = value;
                let _ = tx.send(value["result"].take());
            }
            None => tracing::debug!(%label, call, "a bridge reply nobody waits for any more"),
        }
        return;
    }
    match value["type"].as_str() {
        Some("ack" | "message") => {
            match serde_json::from_value::<MessageEvent>(value) {
                Ok(ev) => {
                    tracing::trace!(%label, ?ev, "message event");
                    let _ = shared.messages.send(ev);
                }
                Err(e) => tracing::warn!(%label, "unreadable message event ({}): {}", describe_unreadable(payload), describe_error(&e)),
            }
            return;
        }
        Some("capabilities") => {
            match serde_json::from_value::<Capabilities>(value["capabilities"].clone()) {
                Ok(caps) => {
                    tracing::info!(%label, unavailable = ?caps.unavailable().iter().map(|c| c.capability.as_str()).collect::<Vec<_>>(), "WhatsApp Web features now");
                    shared.status.send_modify(|s| s.capabilities = Some(caps));
                }
                Err(e) => tracing::warn!(%label, "unreadable capabilities ({}): {}", describe_unreadable(payload), describe_error(&e)),
            }
            return;
        }
        _ => {}
    }
    let ev: BridgeEvent = match serde_json::from_value(value) {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!(%label, "unreadable bridge event ({}): {}", describe_unreadable(payload), describe_error(&e));
            return;
        }
    };
    tracing::debug!(%label, ?ev, "bridge event");
    shared.status.send_modify(|s| match &ev {
        BridgeEvent::Hello { .. } => {
            // A new document: the old one's state and features are gone,
            // and so are the commands it was running.
            *s = Status { documents: s.documents + 1, ..Status::default() };
        }
        BridgeEvent::Boot { capabilities, .. } => s.capabilities = Some(capabilities.clone()),
        BridgeEvent::State { state, has_synced, .. } => {
            s.state = Some(state.clone());
            s.has_synced = *has_synced;
        }
        _ => {}
    });
    if matches!(ev, BridgeEvent::Hello { .. }) {
        shared.drop_pending();
    }
    let _ = events.send(SessionEvent::Bridge(ev));
}

#[cfg(test)]
#[path = "session_props.rs"]
mod props;

struct Actor {
    label: String,
    browser: Browser,
    pid: Option<u32>,
    binary: BrowserBinary,
    events: mpsc::UnboundedSender<SessionEvent>,
    handler_task: tokio::task::JoinHandle<()>,
}

impl Actor {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>, mut died: oneshot::Receiver<String>) {
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => { self.close().await; return; }
                    Some(Command::Health { reply }) => {
                        let pid = self.pid;
                        let pss_kib = match pid {
                            Some(p) => tokio::task::spawn_blocking(move || crate::memory::process_tree_pss_kib(p)).await.ok().flatten(),
                            None => None,
                        };
                        let _ = reply.send(SessionHealth { pid, pss_kib, browser: self.binary.clone() });
                    }
                    Some(Command::Close { reply }) => {
                        self.close().await;
                        let _ = reply.send(());
                        return;
                    }
                },
                reason = &mut died => {
                    let reason = reason.unwrap_or_else(|_| "the browser handler stopped".into());
                    // Reap the process (it may still be exiting).
                    let status = match tokio::time::timeout(Duration::from_secs(3), self.browser.wait()).await {
                        Ok(Ok(Some(status))) => format!(" ({status})"),
                        _ => {
                            let _ = self.browser.kill().await;
                            String::new()
                        }
                    };
                    tracing::warn!(label = %self.label, "browser exited: {reason}{status}");
                    let _ = self.events.send(SessionEvent::Exited { reason: format!("{reason}{status}") });
                    return;
                }
            }
        }
    }

    async fn close(&mut self) {
        let closed = tokio::time::timeout(Duration::from_secs(5), self.browser.close()).await;
        let exited = match closed {
            Ok(Ok(_)) => matches!(tokio::time::timeout(Duration::from_secs(5), self.browser.wait()).await, Ok(Ok(_))),
            _ => false,
        };
        if !exited {
            let _ = self.browser.kill().await;
        }
        self.handler_task.abort();
        tracing::info!(label = %self.label, "browser closed");
    }
}
