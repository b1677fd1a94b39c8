//! The session actor: one per account. It alone owns the browser; callers
//! hold a cheap [`SessionHandle`] (commands over a bounded channel, one-shot
//! replies) and read [`SessionEvent`]s. The chromiumoxide handler ending
//! means the browser died: that is an event, never a panic.

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use chromiumoxide::cdp::js_protocol::runtime::{AddBindingParams, EventBindingCalled};
use chromiumoxide::error::CdpError;
use chromiumoxide::Page;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::bridge;
use crate::error::WaError;
use crate::events::{BridgeEvent, SessionEvent};
use crate::launch::{launch_flags, major_version, user_agent, LaunchOptions};
use crate::locate::{find_browser, BrowserBinary, BrowserPreference};

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

enum Command {
    Eval { js: String, reply: oneshot::Sender<Result<serde_json::Value, WaError>> },
    Health { reply: oneshot::Sender<SessionHealth> },
    Close { reply: oneshot::Sender<()> },
}

/// A cheap, cloneable handle on a running session. When every handle is
/// dropped, the actor closes the browser.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Command>,
    pid: Option<u32>,
    browser: BrowserBinary,
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
        let config = builder.build().map_err(|cause| WaError::Launch { path: binary.path.clone(), cause })?;
        let (mut browser, mut handler) = Browser::launch(config)
            .await
            .map_err(|e| WaError::Launch { path: binary.path.clone(), cause: e.to_string() })?;
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
        let page = match setup_page(&browser, &cfg, events_tx.clone()).await {
            Ok(page) => page,
            Err(e) => {
                let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
                let _ = browser.kill().await;
                handler_task.abort();
                return Err(e);
            }
        };
        let (tx, rx) = mpsc::channel(16);
        let actor = Actor { label: cfg.label.clone(), browser, page, pid, binary: binary.clone(), events: events_tx, handler_task };
        tokio::spawn(actor.run(rx, died_rx));
        Ok((SessionHandle { tx, pid, browser: binary }, events_rx))
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
) -> Result<Page, WaError> {
    let page = browser.new_page("about:blank").await?;
    // A normal desktop user agent with the browser's real major version.
    let major = browser.version().await.ok().and_then(|v| major_version(&v.product)).unwrap_or(131);
    page.set_user_agent(user_agent(std::env::consts::OS, major)).await?;

    // Page-to-host events: pushed through the binding, never polled.
    let mut calls = page.event_listener::<EventBindingCalled>().await?;
    let label = cfg.label.clone();
    tokio::spawn(async move {
        while let Some(call) = calls.next().await {
            if call.name != bridge::BINDING {
                continue;
            }
            match BridgeEvent::parse(&call.payload) {
                Ok(ev) => {
                    tracing::debug!(%label, ?ev, "bridge event");
                    if events.send(SessionEvent::Bridge(ev)).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::warn!(%label, "unreadable bridge event {:?}: {e}", call.payload),
            }
        }
    });
    page.execute(AddBindingParams::new(bridge::BINDING)).await?;
    // Runs before the page's own scripts on every new document; the script
    // itself skips iframes and a second run in the same document.
    page.execute(AddScriptToEvaluateOnNewDocumentParams::new(cfg.bridge_js.clone())).await?;
    match tokio::time::timeout(cfg.launch_timeout, page.goto(cfg.url.as_str())).await {
        Ok(Ok(_)) => Ok(page),
        Ok(Err(e)) => Err(WaError::Navigate { url: cfg.url.clone(), cause: e.to_string() }),
        Err(_) => Err(WaError::Navigate { url: cfg.url.clone(), cause: format!("no answer within {:?}", cfg.launch_timeout) }),
    }
}

struct Actor {
    label: String,
    browser: Browser,
    page: Page,
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
                    Some(Command::Eval { js, reply }) => {
                        let res = match tokio::time::timeout(Duration::from_secs(20), self.page.evaluate_expression(js)).await {
                            Ok(Ok(v)) => Ok(v.into_value::<serde_json::Value>().unwrap_or(serde_json::Value::Null)),
                            Ok(Err(e)) => Err(WaError::from(e)),
                            Err(_) => Err(WaError::Cdp("the page did not answer within 20 s".into())),
                        };
                        let _ = reply.send(res);
                    }
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

impl SessionHandle {
    /// The browser's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn browser(&self) -> &BrowserBinary {
        &self.browser
    }

    async fn eval(&self, js: String) -> Result<serde_json::Value, WaError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Eval { js, reply }).await.map_err(|_| WaError::Stopped)?;
        rx.await.map_err(|_| WaError::Stopped)?
    }

    async fn bridge_call(&self, command: &str, args: &[serde_json::Value]) -> Result<(), WaError> {
        match self.eval(bridge::call(command, args)).await? {
            serde_json::Value::String(s) if s == "ok" => Ok(()),
            other => Err(WaError::Cdp(format!("bridge {command}: {other}"))),
        }
    }

    /// Asks for a pairing code for `phone_digits`; it arrives as
    /// [`BridgeEvent::PairingCode`] (or `PairingError`).
    pub async fn request_pairing_code(&self, phone_digits: &str) -> Result<(), WaError> {
        self.bridge_call("pairingCode", &[serde_json::Value::String(phone_digits.to_string())]).await
    }

    /// Reclaims a session opened elsewhere (`Socket.takeover()`).
    pub async fn takeover(&self) -> Result<(), WaError> {
        self.bridge_call("takeover", &[]).await
    }

    /// Unlinks this device (`Socket.logout()`).
    pub async fn logout(&self) -> Result<(), WaError> {
        self.bridge_call("logout", &[]).await
    }

    /// Asks WhatsApp Web for a fresh QR (`Cmd.refreshQR()`).
    pub async fn refresh_qr(&self) -> Result<(), WaError> {
        self.bridge_call("refreshQr", &[]).await
    }

    /// What the bridge knows about itself in the current document:
    /// `{duplicates, version, booted, missing, href}`.
    pub async fn bridge_info(&self) -> Result<serde_json::Value, WaError> {
        let v = self.eval(bridge::call("info", &[])).await?;
        match v {
            serde_json::Value::String(s) => serde_json::from_str(&s).map_err(|e| WaError::Cdp(e.to_string())),
            other => Err(WaError::Cdp(format!("bridge info: {other}"))),
        }
    }

    /// Every group the account is in, with participants, as the bridge
    /// reads them: `[{waId, subject, description, lidAddressing, participants:
    /// [{wid, isAdmin, isSuperAdmin, phoneE164, name}]}]`.
    pub async fn groups(&self) -> Result<serde_json::Value, WaError> {
        let v = self.eval(bridge::call("groups", &[])).await?;
        let text = match v {
            serde_json::Value::String(s) => s,
            other => return Err(WaError::Cdp(format!("bridge groups: {other}"))),
        };
        let mut parsed: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| WaError::Cdp(format!("bridge groups: {e}")))?;
        if parsed["ok"] != serde_json::Value::Bool(true) {
            return Err(WaError::Cdp(format!("bridge groups: {}", parsed["error"])));
        }
        Ok(parsed["groups"].take())
    }

    pub async fn health(&self) -> Result<SessionHealth, WaError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Health { reply }).await.map_err(|_| WaError::Stopped)?;
        rx.await.map_err(|_| WaError::Stopped)
    }

    /// Closes the browser (profile kept) and ends the actor.
    pub async fn close(&self) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Close { reply }).await.is_ok() {
            let _ = rx.await;
        }
    }
}
