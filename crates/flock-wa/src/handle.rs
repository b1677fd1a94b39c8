//! [`SessionHandle`]: what callers hold on a running session. Cheap to
//! clone; when every clone is dropped the actor closes the browser.
//! Quick bridge commands are evaluated directly; long ones (send, exists,
//! lookup) start in the page and answer through the binding.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chromiumoxide::Page;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::bridge;
use crate::capability::{Capabilities, Capability};
use crate::error::WaError;
use crate::events::{describe_error, json_kind};
use crate::groups::GroupInfo;
use crate::ids::{MessageId, WaId};
use crate::locate::BrowserBinary;
use crate::send::Lookup;
use crate::session::{Command, SessionHealth, Shared, Status};

/// How long a quick bridge command may take.
const QUICK: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Command>,
    pub(crate) page: Page,
    pub(crate) shared: Arc<Shared>,
    pid: Option<u32>,
    browser: BrowserBinary,
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle").field("label", &self.shared.label).field("pid", &self.pid).finish_non_exhaustive()
    }
}

/// The reachout timelock as the page reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timelock {
    pub active: bool,
    /// When WhatsApp lifts it, when the page knows.
    pub until: Option<DateTime<Utc>>,
}

impl SessionHandle {
    pub(crate) fn new(tx: mpsc::Sender<Command>, page: Page, shared: Arc<Shared>, pid: Option<u32>, browser: BrowserBinary) -> Self {
        Self { tx, page, shared, pid, browser }
    }

    /// The browser's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn browser(&self) -> &BrowserBinary {
        &self.browser
    }

    /// What the page reported last (state, synced, features).
    pub fn status(&self) -> Status {
        self.shared.status.borrow().clone()
    }

    /// Follows [`Self::status`] as it changes.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.shared.status.subscribe()
    }

    /// Acks of this account's messages and new messages from others, as
    /// they happen (pushed by the page). A receiver that falls behind by
    /// thousands loses the oldest: reconcile those with [`Self::lookup`].
    pub fn messages(&self) -> broadcast::Receiver<crate::events::MessageEvent> {
        self.shared.messages.subscribe()
    }

    /// The features of the current document, once WhatsApp Web booted.
    pub fn capabilities(&self) -> Option<Capabilities> {
        self.shared.status.borrow().capabilities.clone()
    }

    /// Waits until the session is connected and synced, up to `deadline`.
    pub async fn wait_ready(&self, deadline: Duration) -> Result<Status, WaError> {
        let mut rx = self.watch_status();
        let started = tokio::time::Instant::now();
        let waited = tokio::time::timeout(deadline, rx.wait_for(Status::ready)).await;
        match waited {
            Ok(Ok(s)) => Ok(s.clone()),
            Ok(Err(_)) => Err(WaError::Stopped),
            Err(_) => Err(WaError::NotConnected { state: self.status().state, waited: started.elapsed() }),
        }
    }

    /// Ready, and `cap` available in this WhatsApp Web.
    async fn ready_for(&self, cap: Capability, deadline: Duration) -> Result<(), WaError> {
        let status = self.wait_ready(deadline).await?;
        let caps = status.capabilities.unwrap_or_default();
        caps.require(cap)?;
        Ok(())
    }

    /// Evaluates a quick bridge command and reads its JSON answer.
    pub(crate) async fn quick(&self, command: &'static str, args: &[Value]) -> Result<Value, WaError> {
        let js = bridge::call(command, args);
        let res = tokio::time::timeout(QUICK, self.page.evaluate_expression(js)).await;
        let raw = match res {
            Ok(Ok(v)) => v.into_value::<Value>().unwrap_or(Value::Null),
            Ok(Err(source)) => return Err(WaError::Cdp { during: command, source }),
            Err(_) => return Err(WaError::PageTimeout { during: command, after: QUICK }),
        };
        let text = raw.as_str().ok_or_else(|| WaError::Bridge { command, problem: format!("not a JSON string but {}", json_kind(&raw)) })?;
        serde_json::from_str(text).map_err(|e| WaError::Bridge { command, problem: describe_error(&e) })
    }

    /// A quick command whose answer must say `ok`.
    async fn quick_ok(&self, command: &'static str, args: &[Value]) -> Result<Value, WaError> {
        let v = self.quick(command, args).await?;
        if v["ok"] == true {
            Ok(v)
        } else {
            Err(bridge_failure(command, &v))
        }
    }

    /// Starts a long command and waits for its reply (up to `deadline`).
    /// `Err(None)` when no reply came (timeout, page reloaded, browser
    /// gone): the caller decides what that means.
    pub(crate) async fn long(&self, command: &'static str, args: &[Value], deadline: Duration) -> Result<Value, LongError> {
        let call = self.shared.next_call.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.shared.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(call, tx);
        let forget = || {
            self.shared.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&call);
        };
        let js = bridge::start(command, call, args);
        let started = match tokio::time::timeout(QUICK, self.page.evaluate_expression(js)).await {
            Ok(Ok(v)) => v.into_value::<Value>().unwrap_or(Value::Null),
            Ok(Err(source)) => {
                forget();
                return Err(LongError::Unsure(WaError::Cdp { during: command, source }));
            }
            Err(_) => {
                forget();
                return Err(LongError::Unsure(WaError::PageTimeout { during: command, after: QUICK }));
            }
        };
        let answer: Value = started.as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
        if answer["started"] != true {
            forget();
            return Err(LongError::NotStarted(bridge_failure(command, &answer)));
        }
        match tokio::time::timeout(deadline, rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(LongError::Unsure(WaError::Bridge { command, problem: "the page reloaded or closed before answering".into() })),
            Err(_) => {
                forget();
                Err(LongError::Unsure(WaError::PageTimeout { during: command, after: deadline }))
            }
        }
    }

    /// Asks for a pairing code for `phone_digits`; it arrives as
    /// [`crate::BridgeEvent::PairingCode`] (or `PairingError`).
    pub async fn request_pairing_code(&self, phone_digits: &str) -> Result<(), WaError> {
        self.quick_ok("pairingCode", &[Value::String(phone_digits.to_string())]).await.map(|_| ())
    }

    /// Reclaims a session opened elsewhere (`Socket.takeover()`).
    pub async fn takeover(&self) -> Result<(), WaError> {
        self.quick_ok("takeover", &[]).await.map(|_| ())
    }

    /// Unlinks this device (`Socket.logout()`).
    pub async fn logout(&self) -> Result<(), WaError> {
        self.quick_ok("logout", &[]).await.map(|_| ())
    }

    /// Asks WhatsApp Web for a fresh QR (`Cmd.refreshQR()`).
    pub async fn refresh_qr(&self) -> Result<(), WaError> {
        self.quick_ok("refreshQr", &[]).await.map(|_| ())
    }

    /// What the bridge knows about itself in the current document:
    /// `{duplicates, version, booted, missing, href, routes, media}`.
    pub async fn bridge_info(&self) -> Result<Value, WaError> {
        self.quick("info", &[]).await
    }

    /// Every group the account is in, with participants.
    pub async fn groups(&self) -> Result<Vec<GroupInfo>, WaError> {
        let status = self.status();
        if let Some(caps) = &status.capabilities {
            caps.require(Capability::Groups)?;
        }
        let mut v = self.quick_ok("groups", &[]).await?;
        serde_json::from_value(v["groups"].take()).map_err(|e| WaError::Bridge { command: "groups", problem: describe_error(&e) })
    }

    /// The groups as JSON (the shape of [`GroupInfo`]), for callers not yet
    /// on the typed value.
    pub async fn groups_json(&self) -> Result<Value, WaError> {
        Ok(serde_json::to_value(self.groups().await?).unwrap_or(Value::Null))
    }

    /// Does this number have WhatsApp (`queryWidExists`, once; the page
    /// caches hits 5 minutes)? The WhatsApp id it has, or `None`.
    pub async fn exists(&self, who: &WaId) -> Result<Option<WaId>, WaError> {
        self.ready_for(Capability::Exists, Duration::from_secs(30)).await?;
        let v = self.long("exists", &[Value::String(who.to_string())], Duration::from_secs(40)).await.map_err(LongError::into_error)?;
        if v["ok"] != true {
            return Err(bridge_failure("exists", &v));
        }
        match v["wid"].as_str() {
            None => Ok(None),
            Some(w) => WaId::parse(w).map(Some).map_err(|e| WaError::Bridge { command: "exists", problem: e.to_string() }),
        }
    }

    /// Finds a message again by id (the `Msg` collection, the chat's loaded
    /// messages, then the local history of `chat`). What the dispatcher uses
    /// after a crash to tell "sent" from "never sent".
    pub async fn lookup(&self, id: &MessageId, chat: Option<&WaId>) -> Result<Lookup, WaError> {
        self.ready_for(Capability::Lookup, Duration::from_secs(60)).await?;
        let hint = chat.map(|c| Value::String(c.to_string())).unwrap_or(Value::Null);
        let v = self.long("lookup", &[Value::String(id.to_string()), hint], Duration::from_secs(120)).await.map_err(LongError::into_error)?;
        if v["ok"] != true {
            return Err(bridge_failure("lookup", &v));
        }
        let problem = |e: String| WaError::Bridge { command: "lookup", problem: e };
        if v["found"] == true {
            let chat = v["chat"].as_str().map(WaId::parse).transpose().map_err(|e| problem(e.to_string()))?;
            let chat = chat.or_else(|| v["key"].as_str().and_then(crate::ids::chat_of_key)).ok_or_else(|| problem("no chat".into()))?;
            Ok(Lookup::Found {
                ack: crate::send::Ack::from_code(v["ack"].as_i64().unwrap_or(0)),
                key: v["key"].as_str().unwrap_or_default().to_string(),
                chat,
            })
        } else {
            Ok(Lookup::NotFound { searched: v["searched"].as_u64().unwrap_or(0) as u32 })
        }
    }

    /// The reachout timelock (463) as WhatsApp Web reads it.
    pub async fn timelock(&self) -> Result<Timelock, WaError> {
        self.ready_for(Capability::Timelock, Duration::from_secs(30)).await?;
        let v = self.long("timelock", &[], Duration::from_secs(20)).await.map_err(LongError::into_error)?;
        if v["ok"] != true {
            return Err(bridge_failure("timelock", &v));
        }
        let until = v["until"].as_i64().and_then(DateTime::from_timestamp_millis);
        Ok(Timelock { active: v["active"] == true, until })
    }

    /// Asks the page's JavaScript engine to collect its garbage now (for
    /// memory measurements that should show what is kept, not what is
    /// merely not collected yet).
    pub async fn collect_garbage(&self) -> Result<(), WaError> {
        use chromiumoxide::cdp::js_protocol::heap_profiler::CollectGarbageParams;
        self.page.execute(CollectGarbageParams::default()).await.map_err(WaError::cdp("collecting garbage"))?;
        Ok(())
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

/// Why a long command has no answer.
#[derive(Debug)]
pub(crate) enum LongError {
    /// The page did not run it (no bridge, refused at once).
    NotStarted(WaError),
    /// It may have run; no answer came.
    Unsure(WaError),
}

impl LongError {
    pub(crate) fn into_error(self) -> WaError {
        match self {
            LongError::NotStarted(e) | LongError::Unsure(e) => e,
        }
    }
}

/// A bridge answer that is not `ok`, as an error.
fn bridge_failure(command: &'static str, v: &Value) -> WaError {
    if v["error"] == "no_bridge" {
        return WaError::NotConnected { state: None, waited: Duration::ZERO };
    }
    let detail = v["result"].as_str().or_else(|| v["reason"].as_str()).unwrap_or_default();
    WaError::Bridge { command, problem: format!("{} {detail}", v["error"].as_str().unwrap_or("no answer")).trim().to_string() }
}
