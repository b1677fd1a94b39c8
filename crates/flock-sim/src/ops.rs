//! The control operations, shared by the HTTP API and [`crate::SimHandle`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::api::*;
use crate::config::{ConfigPatch, SimConfig};
use crate::error::{SimError, SimResult};
use crate::ids;
use crate::world::{e164, MediaRec, SessionCmd, SharedRef};

pub(crate) fn add_phone(s: &SharedRef, req: NewPhone) -> SimResult<PhoneInfo> {
    s.lock().add_phone(req)
}

pub(crate) fn phones(s: &SharedRef) -> Vec<PhoneInfo> {
    let w = s.lock();
    w.phones.values().map(|p| w.phone_info(p)).collect()
}

pub(crate) fn add_group(s: &SharedRef, req: NewGroup) -> SimResult<GroupInfo> {
    s.lock().add_group(req)
}

pub(crate) fn groups(s: &SharedRef) -> Vec<GroupInfo> {
    s.lock().groups.values().map(|g| g.info.clone()).collect()
}

pub(crate) fn patch_group(s: &SharedRef, id: &str, patch: GroupPatch) -> SimResult<GroupInfo> {
    s.lock().patch_group(id, patch)
}

pub(crate) fn sessions(s: &SharedRef) -> Vec<SessionInfo> {
    s.lock().sessions.values().map(|e| e.info.clone()).collect()
}

pub(crate) async fn scan(s: &SharedRef, req: ScanRequest) -> SimResult<SessionInfo> {
    let (digits, cmd, id) = {
        let w = s.lock();
        let digits = w.registered(&req.phone)?;
        if w.phones.get(&digits).is_some_and(|p| p.banned) {
            return Err(SimError::Conflict(format!("{} is banned", req.phone)));
        }
        let e = w
            .sessions
            .values()
            .find(|e| e.info.qr.as_deref().is_some_and(|shown| crate::qr::payload_matches(shown, &req.qr)))
            .ok_or_else(|| SimError::Conflict("this QR code is expired or unknown".into()))?;
        (digits, e.cmd.clone(), e.info.id)
    };
    let (tx, rx) = oneshot::channel();
    cmd.send(SessionCmd::Scanned { qr: req.qr, digits, reply: tx })
        .map_err(|_| SimError::Conflict("the page has closed".into()))?;
    rx.await.map_err(|_| SimError::Conflict("the page has closed".into()))??;
    session(s, id)
}

pub(crate) async fn pair(s: &SharedRef, req: PairRequest) -> SimResult<SessionInfo> {
    let code = req.code.trim().replace('-', "").to_ascii_uppercase();
    let (digits, cmd, id) = {
        let w = s.lock();
        let digits = w.registered(&req.phone)?;
        let phone = e164(&digits);
        let e = w
            .sessions
            .values()
            .find(|e| {
                e.info.pairing_code.as_deref() == Some(code.as_str())
                    && e.info.pairing_phone.as_deref() == Some(phone.as_str())
            })
            .ok_or_else(|| SimError::Conflict("no page shows this pairing code for this phone".into()))?;
        (digits, e.cmd.clone(), e.info.id)
    };
    let (tx, rx) = oneshot::channel();
    cmd.send(SessionCmd::Paired { code, digits, reply: tx })
        .map_err(|_| SimError::Conflict("the page has closed".into()))?;
    rx.await.map_err(|_| SimError::Conflict("the page has closed".into()))??;
    session(s, id)
}

fn session(s: &SharedRef, id: uuid::Uuid) -> SimResult<SessionInfo> {
    s.lock().sessions.get(&id).map(|e| e.info.clone()).ok_or_else(|| SimError::NotFound(format!("session {id}")))
}

/// Default length of a reachout timelock.
pub(crate) const RESTRICT_DEFAULT_SECONDS: u64 = 3_600;

/// `restrict_seconds` only matters for [`PhoneEvent::Restrict`].
pub(crate) fn phone_event(
    s: &SharedRef,
    phone: &str,
    ev: PhoneEvent,
    restrict_seconds: Option<u64>,
) -> SimResult<PhoneInfo> {
    let mut w = s.lock();
    let digits = w.registered(phone)?;
    let targets = w.sessions_of(&digits);
    let cmd = match ev {
        PhoneEvent::Logout | PhoneEvent::Ban => {
            w.devices.retain(|_, d| d.digits != digits);
            if let Some(p) = w.phones.get_mut(&digits) {
                p.banned |= ev == PhoneEvent::Ban;
            }
            Some(if ev == PhoneEvent::Ban { SessionCmd::Banned } else { SessionCmd::LoggedOut })
        }
        PhoneEvent::Offline | PhoneEvent::Online => {
            if let Some(p) = w.phones.get_mut(&digits) {
                p.online = ev == PhoneEvent::Online;
            }
            None
        }
        PhoneEvent::Restrict => {
            let secs = restrict_seconds.unwrap_or(RESTRICT_DEFAULT_SECONDS);
            let until = chrono::Utc::now() + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2_000));
            let gen = w.set_timelock(&digits, Some(until));
            // The timelock lifts by itself at its end.
            let (shared, d) = (s.clone(), digits.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                let mut w = shared.lock();
                if w.phones.get(&d).is_some_and(|p| p.restrict_gen == gen) {
                    w.set_timelock(&d, None);
                }
            });
            None
        }
        PhoneEvent::Unrestrict => {
            w.set_timelock(&digits, None);
            None
        }
        PhoneEvent::Conflict => None,
    };
    for t in targets {
        let c = match (&cmd, ev) {
            (Some(SessionCmd::Banned), _) => SessionCmd::Banned,
            (Some(_), _) => SessionCmd::LoggedOut,
            (None, PhoneEvent::Offline) => SessionCmd::Offline,
            (None, PhoneEvent::Online) => SessionCmd::Online,
            (None, PhoneEvent::Conflict) => SessionCmd::Conflict,
            (None, _) => continue,
        };
        let _ = t.send(c);
    }
    let p = w.phones.get(&digits).ok_or_else(|| SimError::NotFound(phone.to_owned()))?;
    Ok(w.phone_info(p))
}

pub(crate) fn reload(s: &SharedRef, id: uuid::Uuid) -> SimResult<()> {
    let w = s.lock();
    let e = w.sessions.get(&id).ok_or_else(|| SimError::NotFound(format!("session {id}")))?;
    e.cmd.send(SessionCmd::Reload).map_err(|_| SimError::NotFound(format!("session {id}")))
}

pub(crate) fn inbound(s: &SharedRef, req: Inbound) -> SimResult<Created> {
    s.lock().inbound(req)
}

pub(crate) fn ack(s: &SharedRef, req: AckRequest) -> SimResult<()> {
    s.lock().apply_ack(&req.id, req.ack)
}

pub(crate) fn config(s: &SharedRef) -> SimConfig {
    s.lock().config.clone()
}

pub(crate) fn set_config(s: &SharedRef, patch: ConfigPatch) -> SimConfig {
    let mut w = s.lock();
    w.config.apply(patch);
    w.config.clone()
}

pub(crate) fn ledger(s: &SharedRef, q: &LedgerQuery) -> Vec<LedgerEntry> {
    s.lock().ledger.iter().filter(|e| q.matches(e)).cloned().collect()
}

/// Media upload from the page (`POST /_wa/mms/{kind}?auth=...`), streamed:
/// hashed and counted chunk by chunk, never held whole. Refused over the
/// limit for its type (413); with `upload_hang` it never answers.
pub(crate) async fn upload(
    s: &SharedRef,
    auth: &str,
    kind: &str,
    mimetype: &str,
    body: axum::body::Body,
) -> SimResult<Value> {
    let limit = {
        let w = s.lock();
        if !w.devices.contains_key(auth) {
            return Err(SimError::Conflict("upload without a logged-in device".into()));
        }
        w.config.upload_limits_mb.bytes_for(kind)
    };
    while s.lock().config.upload_hang {
        if s.stopping.load(Ordering::Relaxed) {
            return Err(SimError::Stopped);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SimError::InvalidInput(format!("the upload broke off: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(SimError::TooLarge(format!("{kind} uploads are limited to {limit} bytes")));
        }
        hasher.update(&chunk);
    }
    let hash = hasher.finalize();
    let sha = hex::encode(hash);
    let mut w = s.lock();
    let direct_path = format!("/v/t62.7118-24/{}_{}", ids::random_hex_upper(&mut w.rng, 12), &sha[..16]);
    w.media.insert(
        direct_path.clone(),
        MediaRec { info: MediaInfo { sha256: sha.clone(), size, mimetype: mimetype.to_owned() } },
    );
    use base64::Engine as _;
    Ok(serde_json::json!({
        "url": format!("https://mmg.whatsapp.net{direct_path}?type={kind}"),
        "directPath": direct_path,
        "filehash": base64::engine::general_purpose::STANDARD.encode(hash),
        "size": size,
    }))
}
