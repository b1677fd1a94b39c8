//! One actor per open page (one WebSocket on `/_wa/ws`): the server side of
//! a WhatsApp Web session. It owns the login phase and its timers; the
//! control API talks to it through [`SessionCmd`].

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;
use uuid::Uuid;

use crate::api::{LedgerEntry, SessionInfo};
use crate::error::{SimError, SimResult};
use crate::ids;
use crate::qr;
use crate::world::{e164, HistMsg, SessionCmd, SessionEntry, SharedRef, Device};

/// The login phase of a page. Pure data; the actor drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Socket open, waiting for the page's hello.
    Opening,
    /// Showing QR ref number `shown` (1-based) until `expires`.
    Qr { shown: u32, payload: String, expires: Instant },
    /// Too many refs: `UNPAIRED_IDLE` until `Cmd.refreshQR()`.
    Idle,
    /// Showing a pairing code requested for `digits`.
    Code { code: String, digits: String, expires: Instant },
    /// Scanned; `step` 0 = PAIRING, 1 = OPENING; CONNECTED at `until`.
    Linking { digits: String, step: u8, until: Instant, fresh: bool },
    /// CONNECTED, history sync running: progress ticks until `done`.
    Syncing { digits: String, tick: u32, next: Instant },
    /// CONNECTED and synced.
    Ready { digits: String },
    /// Connection lost (`TIMEOUT`).
    Timeout { digits: String },
    /// Opened elsewhere (`CONFLICT`).
    Conflict { digits: String },
    /// Banned (`TOS_BLOCK`).
    Blocked,
}

impl Phase {
    /// `Socket.state` for this phase.
    pub fn socket_state(&self) -> &'static str {
        match self {
            Phase::Opening => "OPENING",
            Phase::Qr { .. } | Phase::Code { .. } => "UNPAIRED",
            Phase::Idle => "UNPAIRED_IDLE",
            Phase::Linking { step: 0, .. } => "PAIRING",
            Phase::Linking { .. } => "OPENING",
            Phase::Syncing { .. } | Phase::Ready { .. } => "CONNECTED",
            Phase::Timeout { .. } => "TIMEOUT",
            Phase::Conflict { .. } => "CONFLICT",
            Phase::Blocked => "TOS_BLOCK",
        }
    }

    fn deadline(&self) -> Option<Instant> {
        match self {
            Phase::Qr { expires, .. } | Phase::Code { expires, .. } => Some(*expires),
            Phase::Linking { until, .. } => Some(*until),
            Phase::Syncing { next, .. } => Some(*next),
            _ => None,
        }
    }

    fn digits(&self) -> Option<&str> {
        match self {
            Phase::Linking { digits, .. }
            | Phase::Syncing { digits, .. }
            | Phase::Ready { digits }
            | Phase::Timeout { digits }
            | Phase::Conflict { digits } => Some(digits),
            _ => None,
        }
    }
}

const SYNC_TICKS: u32 = 5;

#[derive(Deserialize)]
struct Keys {
    noise: String,
    identity: String,
    adv: String,
}

#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum FromPage {
    Hello { keys: Keys, #[serde(default)] auth: Option<String> },
    RefreshQr,
    AltLink { rid: u64, phone: String },
    Send { rid: u64, msg: OutMsg },
    QueryExists { rid: u64, wid: String },
    LinkPreview { rid: u64, url: String },
    Takeover,
    Logout,
}

#[derive(Deserialize)]
struct OutMsg {
    id: String,
    to: String,
    #[serde(rename = "type", default = "chat_type")]
    kind: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default, rename = "directPath")]
    direct_path: Option<String>,
}

fn chat_type() -> String {
    "chat".into()
}

struct Actor {
    id: Uuid,
    shared: SharedRef,
    out: mpsc::UnboundedSender<String>,
    phase: Phase,
    keys: Option<Keys>,
    token: Option<String>,
    fresh: bool,
    sync_progress: u32,
}

/// Runs one page session until its socket closes.
pub(crate) async fn run(shared: SharedRef, socket: WebSocket) {
    let id = Uuid::now_v7();
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<SessionCmd>();
    let writer = tokio::spawn(async move {
        while let Some(frame) = out_rx.recv().await {
            if sink.send(Message::Text(frame.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    {
        let mut w = shared.lock();
        let info = SessionInfo {
            id,
            state: "OPENING".into(),
            has_synced: false,
            qr: None,
            qr_refs_shown: 0,
            qr_expires_at: None,
            pairing_code: None,
            pairing_phone: None,
            phone: None,
            sync_progress: 0,
            opened_at: Utc::now(),
        };
        w.sessions.insert(id, SessionEntry { info, cmd: cmd_tx, out: out_tx.clone() });
    }
    tracing::debug!(%id, "page session opened");
    let mut actor = Actor { id, shared: shared.clone(), out: out_tx, phase: Phase::Opening, keys: None, token: None, fresh: false, sync_progress: 0 };
    loop {
        let deadline = actor.phase.deadline();
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<FromPage>(t.as_str()) {
                    Ok(m) => actor.on_page(m),
                    Err(e) => tracing::warn!(%id, "bad frame from page: {e}"),
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            Some(cmd) = cmd_rx.recv() => {
                if matches!(cmd, SessionCmd::Close) {
                    break;
                }
                actor.on_cmd(cmd)
            }
            _ = sleep_until_opt(deadline) => actor.on_timer(),
        }
    }
    shared.lock().sessions.remove(&id);
    writer.abort();
    tracing::debug!(%id, "page session closed");
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl Actor {
    fn send(&self, v: Value) {
        let _ = self.out.send(v.to_string());
    }

    fn reply(&self, rid: u64, res: SimResult<Value>) {
        match res {
            Ok(data) => self.send(json!({"t": "res", "rid": rid, "ok": true, "data": data})),
            Err(e) => self.send(json!({"t": "res", "rid": rid, "ok": false, "error": {"kind": e.kind(), "message": e.to_string()}})),
        }
    }

    /// Enters a phase: tells the page its new `Socket.state` and publishes it.
    fn enter(&mut self, phase: Phase) {
        let old = self.phase.socket_state();
        self.phase = phase;
        let new = self.phase.socket_state();
        if old != new {
            self.send(json!({"t": "state", "state": new}));
        }
        self.publish();
    }

    fn publish(&self) {
        let mut w = self.shared.lock();
        let cfg_phone = self.phase.digits().map(e164);
        let Some(entry) = w.session_mut(self.id) else { return };
        let i = &mut entry.info;
        i.state = self.phase.socket_state().to_owned();
        i.has_synced = matches!(self.phase, Phase::Ready { .. } | Phase::Timeout { .. } | Phase::Conflict { .. });
        i.phone = cfg_phone;
        i.sync_progress = self.sync_progress;
        i.qr = None;
        i.qr_expires_at = None;
        i.pairing_code = None;
        i.pairing_phone = None;
        match &self.phase {
            Phase::Qr { shown, payload, expires } => {
                i.qr = Some(payload.clone());
                i.qr_refs_shown = *shown;
                let left = expires.saturating_duration_since(Instant::now());
                i.qr_expires_at = chrono::Duration::from_std(left).ok().map(|d| Utc::now() + d);
            }
            Phase::Code { code, digits, .. } => {
                i.pairing_code = Some(code.clone());
                i.pairing_phone = Some(e164(digits));
            }
            Phase::Idle => {}
            _ => i.qr_refs_shown = 0,
        }
    }

    fn show_qr(&mut self, shown: u32) {
        let Some(keys) = &self.keys else { return };
        let (ttl, reference) = {
            let mut w = self.shared.lock();
            let ttl = if shown <= 1 { w.config.first_qr_ttl_ms } else { w.config.next_qr_ttl_ms };
            (ttl, format!("2@{}", ids::random_b64(&mut w.rng, 45)))
        };
        let payload = format!("{reference},{},{},{}", keys.noise, keys.identity, keys.adv);
        let matrix = qr::matrix(&payload).unwrap_or_default();
        self.send(json!({"t": "qr", "ref": reference, "ttl": ttl, "matrix": matrix}));
        self.enter(Phase::Qr { shown, payload, expires: Instant::now() + Duration::from_millis(ttl) });
    }

    fn on_page(&mut self, m: FromPage) {
        match m {
            FromPage::Hello { keys, auth } => {
                self.keys = Some(keys);
                self.sync_progress = 0;
                let had_auth = auth.is_some();
                let resumed = auth.and_then(|tok| {
                    let w = self.shared.lock();
                    let d = w.devices.get(&tok)?;
                    let p = w.phones.get(&d.digits)?;
                    (!p.banned).then(|| (tok.clone(), d.digits.clone(), d.device, p.lid.clone()))
                });
                match resumed {
                    Some((tok, digits, device, lid)) => {
                        self.token = Some(tok.clone());
                        self.fresh = false;
                        self.send(json!({"t": "paired", "token": tok, "pn": digits, "device": device, "lid": lid, "fresh": false}));
                        let ms = self.shared.lock().config.pairing_ms / 2;
                        self.enter(Phase::Linking { digits, step: 1, until: Instant::now() + Duration::from_millis(ms), fresh: false });
                    }
                    None if had_auth => {
                        // A stored login the server no longer knows: the page
                        // forgets its keys and says hello again without them.
                        self.token = None;
                        self.send(json!({"t": "logout", "reason": "invalid"}));
                        self.enter(Phase::Opening);
                    }
                    None => self.show_qr(1),
                }
            }
            FromPage::RefreshQr => {
                if matches!(self.phase, Phase::Idle | Phase::Qr { .. } | Phase::Code { .. }) {
                    self.show_qr(1);
                }
            }
            FromPage::AltLink { rid, phone } => {
                let res = self.alt_link(&phone);
                self.reply(rid, res);
            }
            FromPage::Send { rid, msg } => {
                let res = self.accept_send(msg);
                self.reply(rid, res);
            }
            FromPage::QueryExists { rid, wid } => {
                let res = self.query_exists(&wid);
                self.reply(rid, res);
            }
            FromPage::LinkPreview { rid, url } => {
                let res = link_preview(&url);
                self.reply(rid, res);
            }
            FromPage::Takeover => {
                if let Phase::Conflict { digits } = &self.phase {
                    let digits = digits.clone();
                    self.enter(Phase::Ready { digits });
                }
            }
            FromPage::Logout => {
                if let Some(tok) = self.token.take() {
                    self.shared.lock().devices.remove(&tok);
                }
                self.send(json!({"t": "logout", "reason": "user"}));
                self.enter(Phase::Opening);
            }
        }
    }

    fn alt_link(&mut self, phone: &str) -> SimResult<Value> {
        if !matches!(self.phase, Phase::Qr { .. } | Phase::Idle | Phase::Code { .. }) {
            return Err(SimError::Conflict(format!("cannot link in state {}", self.phase.socket_state())));
        }
        let digits = ids::phone_digits(phone)?;
        let (code, ttl) = {
            let mut w = self.shared.lock();
            (ids::pairing_code(&mut w.rng), w.config.pairing_code_ttl_ms)
        };
        self.send(json!({"t": "code", "code": code}));
        self.enter(Phase::Code { code: code.clone(), digits, expires: Instant::now() + Duration::from_millis(ttl) });
        Ok(Value::String(code))
    }

    fn query_exists(&self, wid: &str) -> SimResult<Value> {
        if !matches!(self.phase, Phase::Ready { .. } | Phase::Syncing { .. }) {
            return Err(SimError::Conflict("not connected".into()));
        }
        if wid.ends_with("@g.us") || wid.ends_with("@lid") {
            return Ok(json!({"wid": wid}));
        }
        let digits = ids::phone_digits(wid)?;
        let w = self.shared.lock();
        if w.not_on_whatsapp(&digits) {
            Ok(Value::Null)
        } else {
            let lid = w.phones.get(&digits).map(|p| format!("{}@lid", p.lid));
            Ok(json!({"wid": ids::user_wid(&digits), "lid": lid}))
        }
    }

    fn accept_send(&mut self, msg: OutMsg) -> SimResult<Value> {
        let (Phase::Ready { digits } | Phase::Syncing { digits, .. }) = &self.phase else {
            return Err(SimError::Conflict(format!("not connected ({})", self.phase.socket_state())));
        };
        let digits = digits.clone();
        let now = Utc::now();
        let mut w = self.shared.lock();
        let Some(me) = w.phones.get(&digits) else {
            return Err(SimError::NotFound("phone gone".into()));
        };
        let chat = msg.to.clone();
        if chat.ends_with("@g.us") {
            let g = w.groups.get(&chat).ok_or_else(|| SimError::NotFound(format!("group {chat}")))?;
            if !g.members.contains(&digits) {
                return Ok(json!({"messageSendResult": "ERROR", "error": {"code": 403, "text": "not-a-participant"}}));
            }
        } else {
            let to = ids::phone_digits(&chat)?;
            if w.not_on_whatsapp(&to) {
                return Ok(json!({"messageSendResult": "ERROR", "error": {"code": 404, "text": "item-not-found"}}));
            }
            if me.restricted && !me.wrote_to_us.contains(&to) {
                return Ok(json!({"messageSendResult": "ERROR", "error": {"code": 463, "text": "reachout-timelock"}}));
            }
        }
        let media = match &msg.direct_path {
            Some(p) => Some(w.media.get(p).ok_or_else(|| SimError::NotFound(format!("media {p} was never uploaded")))?.info.clone()),
            None => None,
        };
        let me_wid = ids::user_wid(&digits);
        let hist = HistMsg {
            id: msg.id.clone(),
            from_me: true,
            chat: chat.clone(),
            author: chat.ends_with("@g.us").then(|| me_wid.clone()),
            body: msg.body.clone().or(msg.caption.clone()).unwrap_or_default(),
            kind: msg.kind.clone(),
            t: now.timestamp(),
            ack: 1,
            notify_name: None,
        };
        let serialized = hist.serialized();
        w.ledger.push(LedgerEntry {
            id: msg.id.clone(),
            serialized: serialized.clone(),
            from: e164(&digits),
            chat,
            kind: msg.kind,
            text: msg.body.or(msg.caption),
            media,
            time: now,
            ack: 1,
            session: self.id,
        });
        w.history.entry(digits.clone()).or_default().push(hist);
        let policy = w.config.auto_ack.clone();
        drop(w);
        let shared = self.shared.clone();
        let key = msg.id;
        tokio::spawn(async move {
            let start = Instant::now();
            for (after, ack) in [(policy.delivered_after_ms, 2), (policy.read_after_ms, 3)] {
                if let Some(ms) = after {
                    tokio::time::sleep_until(start + Duration::from_millis(ms)).await;
                    let _ = shared.lock().apply_ack(&key, ack);
                }
            }
        });
        // Server ack (one tick) follows the send result.
        self.send(json!({"t": "ack", "id": serialized, "ack": 1}));
        Ok(json!({"messageSendResult": "OK", "t": now.timestamp()}))
    }

    fn on_timer(&mut self) {
        let now = Instant::now();
        match self.phase.clone() {
            Phase::Qr { shown, expires, .. } if now >= expires => {
                let max = self.shared.lock().config.max_qr_refs;
                if shown < max {
                    self.show_qr(shown + 1);
                } else {
                    self.send(json!({"t": "qr_idle"}));
                    self.enter(Phase::Idle);
                }
            }
            Phase::Code { expires, .. } if now >= expires => {
                self.send(json!({"t": "qr_idle"}));
                self.enter(Phase::Idle);
            }
            Phase::Linking { digits, step: 0, fresh, .. } => {
                let ms = self.shared.lock().config.pairing_ms / 2;
                self.enter(Phase::Linking { digits, step: 1, until: now + Duration::from_millis(ms), fresh });
            }
            Phase::Linking { digits, fresh, .. } => self.connect(digits, fresh),
            Phase::Syncing { digits, tick, .. } => {
                let tick = tick + 1;
                self.sync_progress = tick * 100 / SYNC_TICKS;
                self.send(json!({"t": "sync_progress", "progress": self.sync_progress}));
                if tick >= SYNC_TICKS {
                    let reload = if self.fresh { self.shared.lock().config.self_reload_ms } else { None };
                    self.send(json!({"t": "synced", "self_reload_ms": reload}));
                    self.enter(Phase::Ready { digits });
                } else {
                    let step = self.sync_step();
                    self.phase = Phase::Syncing { digits, tick, next: now + step };
                    self.publish();
                }
            }
            _ => {}
        }
    }

    fn sync_step(&self) -> Duration {
        let w = self.shared.lock();
        let total = if self.fresh { w.config.sync_ms } else { w.config.resume_sync_ms };
        Duration::from_millis(total / u64::from(SYNC_TICKS))
    }

    /// CONNECTED: sends the history and starts the sync ticks.
    fn connect(&mut self, digits: String, fresh: bool) {
        self.fresh = fresh;
        self.sync_progress = 0;
        let step = self.sync_step();
        self.send(json!({"t": "state", "state": "CONNECTED"}));
        // Publish CONNECTED and queue the history under one lock, so that a
        // push from the control API can neither be lost nor overtake it.
        {
            let mut w = self.shared.lock();
            let payload = w.sync_payload(&digits);
            let _ = self.out.send(payload.to_string());
            if let Some(e) = w.session_mut(self.id) {
                e.info.state = "CONNECTED".into();
                e.info.phone = Some(e164(&digits));
            }
        }
        self.phase = Phase::Syncing { digits, tick: 0, next: Instant::now() + step };
        self.publish();
    }

    /// Links this page to `digits` (after a valid scan or pairing code).
    fn link(&mut self, digits: String) -> SimResult<()> {
        let (tok, device, lid, ms) = {
            let mut w = self.shared.lock();
            let tok = ids::random_b64(&mut w.rng, 24);
            let p = w.phones.get_mut(&digits).ok_or_else(|| SimError::NotFound(format!("phone +{digits}")))?;
            if p.banned {
                return Err(SimError::Conflict(format!("+{digits} is banned")));
            }
            let device = p.next_device;
            p.next_device += 1;
            let lid = p.lid.clone();
            w.devices.insert(tok.clone(), Device { digits: digits.clone(), device });
            (tok, device, lid, w.config.pairing_ms / 2)
        };
        self.token = Some(tok.clone());
        self.send(json!({"t": "paired", "token": tok, "pn": digits, "device": device, "lid": lid, "fresh": true}));
        self.enter(Phase::Linking { digits, step: 0, until: Instant::now() + Duration::from_millis(ms), fresh: true });
        Ok(())
    }

    fn on_cmd(&mut self, cmd: SessionCmd) {
        match cmd {
            SessionCmd::Scanned { qr, digits, reply } => {
                let res = match &self.phase {
                    Phase::Qr { payload, expires, .. } if *payload == qr && Instant::now() < *expires => self.link(digits),
                    _ => Err(SimError::Conflict("this QR code is no longer valid".into())),
                };
                let _ = reply.send(res);
            }
            SessionCmd::Paired { code, digits, reply } => {
                let res = match &self.phase {
                    Phase::Code { code: c, digits: d, expires } if *c == code && *d == digits && Instant::now() < *expires => self.link(digits),
                    _ => Err(SimError::Conflict("this pairing code is no longer valid".into())),
                };
                let _ = reply.send(res);
            }
            SessionCmd::LoggedOut => {
                self.token = None;
                self.send(json!({"t": "logout", "reason": "phone"}));
                self.enter(Phase::Opening);
            }
            SessionCmd::Banned => {
                self.token = None;
                self.send(json!({"t": "banned"}));
                self.enter(Phase::Blocked);
            }
            SessionCmd::Offline => {
                if let Some(d) = self.phase.digits() {
                    if !matches!(self.phase, Phase::Linking { .. }) {
                        let digits = d.to_owned();
                        self.enter(Phase::Timeout { digits });
                    }
                }
            }
            SessionCmd::Online => {
                if let Phase::Timeout { digits } = &self.phase {
                    let digits = digits.clone();
                    self.send(json!({"t": "state", "state": "OPENING"}));
                    let mut w = self.shared.lock();
                    let payload = w.sync_payload(&digits);
                    let _ = self.out.send(payload.to_string());
                    if let Some(e) = w.session_mut(self.id) {
                        e.info.state = "CONNECTED".into();
                    }
                    drop(w);
                    self.send(json!({"t": "state", "state": "CONNECTED"}));
                    self.phase = Phase::Ready { digits };
                    self.publish();
                }
            }
            SessionCmd::Conflict => {
                if let Phase::Ready { digits } | Phase::Syncing { digits, .. } = &self.phase {
                    let digits = digits.clone();
                    self.enter(Phase::Conflict { digits });
                }
            }
            SessionCmd::Reload => self.send(json!({"t": "reload"})),
            SessionCmd::Close => {}
        }
    }
}

/// A synthetic preview: no internet here, so title and description come
/// from the URL itself.
fn link_preview(url: &str) -> SimResult<Value> {
    let parsed = url::Url::parse(url).map_err(|e| SimError::InvalidInput(format!("{url}: {e}")))?;
    let host = parsed.host_str().unwrap_or("link").to_owned();
    Ok(json!({"data": {
        "title": host, "description": format!("Preview of {url}"),
        "canonicalUrl": url, "matchedText": url, "richPreviewType": 0, "doNotPlayInline": true,
    }}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_map_to_socket_states() {
        let now = Instant::now();
        assert_eq!(Phase::Opening.socket_state(), "OPENING");
        assert_eq!(Phase::Idle.socket_state(), "UNPAIRED_IDLE");
        assert_eq!(Phase::Linking { digits: "1".into(), step: 0, until: now, fresh: true }.socket_state(), "PAIRING");
        assert_eq!(Phase::Ready { digits: "1".into() }.socket_state(), "CONNECTED");
        assert_eq!(Phase::Blocked.socket_state(), "TOS_BLOCK");
        assert!(Phase::Ready { digits: "1".into() }.deadline().is_none());
    }
}
