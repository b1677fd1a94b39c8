//! One actor per open page (one WebSocket on `/_wa/ws`): the server side of
//! a WhatsApp Web session. It owns the login phase and its timers; the
//! control API talks to it through [`SessionCmd`]. What the server answers
//! to a page's requests (send, existence, previews) is in `requests.rs`.

mod phase;
mod requests;

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;
use uuid::Uuid;

use crate::api::SessionInfo;
use crate::error::{SimError, SimResult};
use crate::ids;
use crate::messages::OutMsg;
use crate::qr;
use crate::world::{e164, Device, SessionCmd, SessionEntry, SharedRef};

pub(crate) use phase::Phase;

const SYNC_TICKS: u32 = 5;

#[derive(Deserialize)]
struct Keys {
    noise: String,
    identity: String,
    adv: String,
}

/// The fifth field of the QR: WhatsApp Web's `DEVICE_PLATFORM` ("1" = Chrome).
fn default_platform() -> String {
    "1".into()
}

#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum FromPage {
    Hello {
        keys: Keys,
        #[serde(default = "default_platform")]
        platform: String,
        #[serde(default)]
        auth: Option<String>,
    },
    RefreshQr,
    AltLink {
        rid: u64,
        phone: String,
    },
    Send {
        rid: u64,
        msg: OutMsg,
    },
    QueryExists {
        rid: u64,
        wid: String,
    },
    LinkPreview {
        rid: u64,
        url: String,
    },
    FetchTimelock {
        rid: u64,
    },
    GroupMetadata {
        rid: u64,
        id: String,
    },
    Takeover,
    Logout,
}

struct Actor {
    id: Uuid,
    shared: SharedRef,
    out: mpsc::UnboundedSender<String>,
    phase: Phase,
    keys: Option<Keys>,
    platform: String,
    token: Option<String>,
    fresh: bool,
    sync_progress: u32,
    wire: mpsc::UnboundedSender<(u64, OutMsg)>,
}

/// Runs one page session until its socket closes.
pub(crate) async fn run(shared: SharedRef, socket: WebSocket) {
    let id = Uuid::now_v7();
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<SessionCmd>();
    // Sends on the wire (`send_latency_ms`): they arrive here after the delay.
    let (wire_tx, mut wire_rx) = mpsc::unbounded_channel::<(u64, OutMsg)>();
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
    let mut actor = Actor {
        id,
        shared: shared.clone(),
        out: out_tx,
        phase: Phase::Opening,
        keys: None,
        platform: default_platform(),
        token: None,
        fresh: false,
        sync_progress: 0,
        wire: wire_tx,
    };
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
            Some((rid, msg)) = wire_rx.recv() => {
                let res = actor.accept_send(msg);
                actor.reply(rid, res);
            }
            _ = sleep_until_opt(deadline) => actor.on_timer(),
        }
    }
    {
        let mut w = shared.lock();
        w.sessions.remove(&id);
        w.note_session_counts();
    }
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
            Err(e) => self.send(
                json!({"t": "res", "rid": rid, "ok": false, "error": {"kind": e.kind(), "message": e.to_string()}}),
            ),
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
        w.note_session_counts();
    }

    fn show_qr(&mut self, shown: u32) {
        let Some(keys) = &self.keys else { return };
        let (ttl, reference) = {
            let mut w = self.shared.lock();
            let ttl = if shown <= 1 { w.config.first_qr_ttl_ms } else { w.config.next_qr_ttl_ms };
            (ttl, format!("2@{}", ids::random_b64(&mut w.rng, 45)))
        };
        let payload = format!("{reference},{},{},{},{}", keys.noise, keys.identity, keys.adv, self.platform);
        let matrix = qr::matrix(&payload).unwrap_or_default();
        self.send(json!({"t": "qr", "ref": reference, "ttl": ttl, "matrix": matrix}));
        self.enter(Phase::Qr { shown, payload, expires: Instant::now() + Duration::from_millis(ttl) });
    }

    fn on_page(&mut self, m: FromPage) {
        match m {
            FromPage::Hello { keys, platform, auth } => {
                self.keys = Some(keys);
                self.platform = platform;
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
                        self.enter(Phase::Linking {
                            digits,
                            step: 1,
                            until: Instant::now() + Duration::from_millis(ms),
                            fresh: false,
                        });
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
                let latency = self.shared.lock().config.send_latency_ms;
                if latency == 0 {
                    let res = self.accept_send(msg);
                    self.reply(rid, res);
                } else {
                    // Judged when it arrives, in the phase of that moment;
                    // lost with the socket if the page goes first.
                    let wire = self.wire.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(latency)).await;
                        let _ = wire.send((rid, msg));
                    });
                }
            }
            FromPage::QueryExists { rid, wid } => {
                let res = self.query_exists(&wid);
                self.reply(rid, res);
            }
            FromPage::LinkPreview { rid, url } => {
                let res = requests::link_preview(&url);
                self.reply(rid, res);
            }
            FromPage::FetchTimelock { rid } => {
                let res = self.fetch_timelock();
                self.reply(rid, res);
            }
            FromPage::GroupMetadata { rid, id } => {
                let res = self.group_metadata(&id);
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
            let payload = w.sync_payload(&digits, self.token.as_deref());
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
            w.devices.insert(tok.clone(), Device { digits: digits.clone(), device, known_lids: Default::default() });
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
                    Phase::Qr { payload, expires, .. }
                        if crate::qr::payload_matches(payload, &qr) && Instant::now() < *expires =>
                    {
                        self.link(digits)
                    }
                    _ => Err(SimError::Conflict("this QR code is no longer valid".into())),
                };
                let _ = reply.send(res);
            }
            SessionCmd::Paired { code, digits, reply } => {
                let res = match &self.phase {
                    Phase::Code { code: c, digits: d, expires }
                        if *c == code && *d == digits && Instant::now() < *expires =>
                    {
                        self.link(digits)
                    }
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
                    let payload = w.sync_payload(&digits, self.token.as_deref());
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
