//! What the simulated server answers to a page's requests: sends,
//! existence queries, group metadata, the timelock state, link previews.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::{Actor, Phase};
use crate::error::{SimError, SimResult};
use crate::messages::OutMsg;
use crate::world::timelock_json;

impl Actor {
    fn connected_digits(&self) -> SimResult<String> {
        match &self.phase {
            Phase::Ready { digits } | Phase::Syncing { digits, .. } => Ok(digits.clone()),
            other => Err(SimError::Conflict(format!("not connected ({})", other.socket_state()))),
        }
    }

    /// A message from the page: accepted (`{"t"}`, acks follow) or refused
    /// (`{"error": {"code", "text"}}`; the page turns the ack to -1).
    pub(super) fn accept_send(&mut self, msg: OutMsg) -> SimResult<Value> {
        let digits = self.connected_digits()?;
        let (submitted, policy) = {
            let mut w = self.shared.lock();
            if !w.phones.contains_key(&digits) {
                return Err(SimError::NotFound("phone gone".into()));
            }
            (w.submit(self.id, &digits, msg)?, w.config.auto_ack.clone())
        };
        if let Some(key) = submitted.accepted {
            let shared = self.shared.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                for (after, ack) in [(policy.delivered_after_ms, 2), (policy.read_after_ms, 3)] {
                    if let Some(ms) = after {
                        tokio::time::sleep_until(start + Duration::from_millis(ms)).await;
                        let _ = shared.lock().apply_ack(&key, ack);
                    }
                }
            });
        }
        Ok(submitted.reply)
    }

    pub(super) fn query_exists(&self, wid: &str) -> SimResult<Value> {
        self.connected_digits()?;
        self.shared.lock().query_exists(self.token.as_deref(), wid)
    }

    /// A group's metadata as the server has it now (members only).
    pub(super) fn group_metadata(&self, id: &str) -> SimResult<Value> {
        let digits = self.connected_digits()?;
        self.shared.lock().group_metadata_for(&digits, id)
    }

    pub(super) fn fetch_timelock(&self) -> SimResult<Value> {
        let digits = self.phase.digits().ok_or_else(|| SimError::Conflict("not logged in".into()))?.to_owned();
        let w = self.shared.lock();
        let p = w.phones.get(&digits).ok_or_else(|| SimError::NotFound("phone gone".into()))?;
        Ok(timelock_json(p))
    }
}

/// A synthetic preview: no internet here, so title and description come
/// from the URL itself.
pub(super) fn link_preview(url: &str) -> SimResult<Value> {
    let parsed = url::Url::parse(url).map_err(|e| SimError::InvalidInput(format!("{url}: {e}")))?;
    let host = parsed.host_str().unwrap_or("link").to_owned();
    Ok(json!({"data": {
        "title": host, "description": format!("Preview of {url}"),
        "canonicalUrl": url, "matchedText": url, "richPreviewType": 0, "doNotPlayInline": true,
    }}))
}
