//! [`SessionHandle::send`]: checks on the host first (text, file size and
//! type), then waits for a connected session, streams a file's bytes to the
//! page in chunks, and lets the bridge send with the caller's id. Anything
//! that fails before the page starts the send is "not sent"; a send that
//! started and gave no definite answer is "outcome unknown".

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use crate::capability::Capability;
use crate::error::WaError;
use crate::handle::{LongError, SessionHandle};
use crate::ids::{chat_of_key, MessageId, WaId};
use crate::media::{check_file, CheckedFile, MediaKind, CHUNK_BYTES, MAX_TEXT_CHARS};
use crate::send::{Accepted, Content, SendError, SendOptions, SendRequest};

impl SessionHandle {
    /// Sends one message with the caller's id (stored by the caller before
    /// this call). `Ok` once the server took it (ack 1).
    pub async fn send(&self, req: &SendRequest, opts: SendOptions) -> Result<Accepted, SendError> {
        check_texts(&req.content)?;
        let kind = req.content.media_kind();
        // The table's limit first: an oversized or wrong file is refused
        // even while the session is offline.
        let file = match (&req.content, kind) {
            (content, Some(kind)) => Some(check_content_file(content, kind, None)?),
            _ => None,
        };
        let cap = match (&req.content, kind) {
            (Content::Link { .. }, _) => Capability::LinkPreview,
            (_, Some(_)) => Capability::SendMedia,
            _ => Capability::SendText,
        };
        let started = Instant::now();
        let deadline = started + opts.connect_deadline;
        let mut streamed: Option<CheckedFile> = None;
        let mut documents = None;
        let outcome = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let status = match self.wait_ready(left).await {
                Ok(s) => s,
                Err(WaError::NotConnected { state, .. }) => break Err(SendError::NotConnected { state, waited: started.elapsed() }),
                Err(_) => break Err(SendError::NotConnected { state: None, waited: started.elapsed() }),
            };
            if let Err(missing) = status.capabilities.clone().unwrap_or_default().require(cap) {
                break Err(missing.into());
            }
            // A reload drops the page's copy of the file: hand it over again.
            if documents != Some(status.documents) {
                streamed = None;
                documents = Some(status.documents);
            }
            if let (Some(checked), Some(kind), None) = (&file, kind, &streamed) {
                // The page's own limit, when it has one.
                let checked = match self.page_upload_limit(kind).await {
                    Some(limit) => check_content_file(&req.content, kind, Some(limit))?,
                    None => checked.clone(),
                };
                self.stream_file(&req.id, &checked).await?;
                streamed = Some(checked);
            }
            match self.send_in_page(req, streamed.as_ref(), opts).await {
                // Nothing was sent and the connection is gone: wait for it
                // (up to the same deadline) and try again.
                Err(SendError::NotConnected { state, .. }) if Instant::now() < deadline => {
                    let mut rx = self.watch_status();
                    let left = deadline.saturating_duration_since(Instant::now());
                    let _ = tokio::time::timeout(left.min(Duration::from_secs(2)), rx.wait_for(|s| !s.ready())).await;
                    tracing::debug!(label = %self.shared.label, ?state, "not connected in the page; waiting to send");
                }
                Err(SendError::NotConnected { state, .. }) => break Err(SendError::NotConnected { state, waited: started.elapsed() }),
                other => break other,
            }
        };
        if streamed.is_some() && outcome.as_ref().is_err_and(|e| e.certainty() == crate::send::Certainty::NotSent) {
            let _ = self.quick("mediaDrop", &[Value::String(req.id.to_string())]).await;
        }
        outcome
    }

    async fn page_upload_limit(&self, kind: MediaKind) -> Option<u64> {
        let v = self.quick("uploadLimit", &[Value::String(kind.as_str().into())]).await.ok()?;
        v["limit"].as_u64().filter(|l| *l > 0)
    }

    /// Hands the file to the page in base64 chunks (never one giant CDP
    /// message); the page keeps them under the message id until the send.
    async fn stream_file(&self, id: &MessageId, file: &CheckedFile) -> Result<(), SendError> {
        let idv = Value::String(id.to_string());
        let failed = |why: String| SendError::MediaRejected { reason: format!("the file did not reach the page: {why}") };
        self.quick("mediaBegin", &[idv.clone()]).await.map_err(|e| failed(e.to_string()))?;
        let mut f = tokio::fs::File::open(&file.path)
            .await
            .map_err(|e| SendError::FileUnreadable { path: file.path.clone(), cause: e.to_string() })?;
        let mut buf = vec![0u8; CHUNK_BYTES];
        let mut sent: u64 = 0;
        loop {
            let mut filled = 0;
            while filled < buf.len() {
                let n = f.read(&mut buf[filled..]).await.map_err(|e| SendError::FileUnreadable { path: file.path.clone(), cause: e.to_string() })?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                break;
            }
            let b64 = base64::engine::general_purpose::STANDARD.encode(&buf[..filled]);
            let v = self.quick("mediaChunk", &[idv.clone(), Value::String(b64)]).await.map_err(|e| failed(e.to_string()))?;
            sent += filled as u64;
            if v["received"].as_u64() != Some(sent) {
                let _ = self.quick("mediaDrop", &[idv.clone()]).await;
                return Err(failed(format!("the page holds {} of {sent} bytes", v["received"])));
            }
        }
        if sent != file.size {
            let _ = self.quick("mediaDrop", &[idv]).await;
            return Err(SendError::FileUnreadable { path: file.path.clone(), cause: format!("the file changed while being sent ({} then {sent} bytes)", file.size) });
        }
        Ok(())
    }

    async fn send_in_page(&self, req: &SendRequest, file: Option<&CheckedFile>, opts: SendOptions) -> Result<Accepted, SendError> {
        let (kind, body, caption) = match &req.content {
            Content::Text { body } => ("text", Some(body.clone()), None),
            Content::Link { body } => ("link", Some(body.clone()), None),
            Content::Image { caption, .. } => ("image", None, caption.clone()),
            Content::Video { caption, .. } => ("video", None, caption.clone()),
            Content::Audio { .. } => ("audio", None, None),
            Content::Document { caption, .. } => ("document", None, caption.clone()),
        };
        let page_req = json!({
            "id": req.id.to_string(),
            "to": req.target.to_string(),
            "kind": kind,
            "body": body,
            "caption": caption,
            "fileName": file.map(|f| f.file_name.clone()),
            "mimetype": file.map(|f| f.mimetype.clone()),
            "uploadMs": opts.upload_deadline.as_millis() as u64,
            "ackMs": opts.ack_deadline.as_millis() as u64,
        });
        let upload = if file.is_some() { opts.upload_deadline } else { Duration::ZERO };
        let deadline = upload + opts.ack_deadline + Duration::from_secs(90);
        match self.long("send", &[page_req], deadline).await {
            Ok(v) => self.outcome(req, &v),
            Err(LongError::NotStarted(e)) => match e {
                WaError::NotConnected { state, waited } => Err(SendError::NotConnected { state, waited }),
                other => Err(SendError::Rejected { result: other.to_string() }),
            },
            Err(LongError::Unsure(e)) => Err(SendError::OutcomeUnknown { reason: e.to_string() }),
        }
    }

    /// The bridge's answer as a typed outcome.
    fn outcome(&self, req: &SendRequest, v: &Value) -> Result<Accepted, SendError> {
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        if v["ok"] == true {
            let key = text("key");
            let chat = v["chat"].as_str().and_then(|c| WaId::parse(c).ok()).or_else(|| chat_of_key(&key)).unwrap_or_else(|| req.target.clone());
            let at = v["t"].as_i64().and_then(|t| DateTime::from_timestamp(t, 0)).unwrap_or_else(Utc::now);
            let id = v["id"].as_str().and_then(|i| MessageId::parse(i).ok()).unwrap_or_else(|| req.id.clone());
            return Ok(Accepted { id, key, chat, at });
        }
        let group = || req.target.clone();
        Err(match v["error"].as_str().unwrap_or_default() {
            "capability" => {
                let cap = v["capability"].as_str().and_then(Capability::parse).unwrap_or(Capability::SendText);
                let caps = self.capabilities().unwrap_or_default();
                match caps.require(cap) {
                    Err(missing) => SendError::CapabilityMissing(missing),
                    Ok(()) => SendError::CapabilityMissing(crate::capability::CapabilityMissing { capability: cap, internals: vec![], version: caps.version }),
                }
            }
            "not_connected" => SendError::NotConnected { state: v["state"].as_str().map(crate::state::SocketState::parse), waited: Duration::ZERO },
            "not_on_whatsapp" => SendError::NotOnWhatsApp { target: req.target.clone() },
            "timelocked" => SendError::ReachoutTimelocked { until: v["until"].as_i64().and_then(DateTime::from_timestamp_millis) },
            "not_participant" => SendError::NotParticipant { group: group() },
            "admins_only" => SendError::AdminsOnly { group: group() },
            "media_rejected" => SendError::MediaRejected { reason: text("reason") },
            "upload_stalled" => SendError::UploadStalled { after: Duration::from_millis(v["ms"].as_u64().unwrap_or(0)) },
            "rejected" => SendError::Rejected { result: text("result") },
            "unknown" => SendError::OutcomeUnknown { reason: text("reason") },
            // A newer bridge's answer we cannot read: it may have sent.
            other => SendError::OutcomeUnknown { reason: format!("the bridge answered {other:?}") },
        })
    }
}

fn check_texts(content: &Content) -> Result<(), SendError> {
    let too_long = |what: &str, n: usize| SendError::InvalidRequest {
        problem: format!("the {what} has {n} characters, more than WhatsApp's {MAX_TEXT_CHARS}"),
        fix: "shorten it or split it into several messages".into(),
    };
    match content {
        Content::Text { body } | Content::Link { body } => {
            if body.trim().is_empty() {
                return Err(SendError::InvalidRequest { problem: "the message text is empty".into(), fix: "write a text to send".into() });
            }
            let n = body.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(too_long("text", n));
            }
        }
        Content::Image { caption: Some(c), .. } | Content::Video { caption: Some(c), .. } | Content::Document { caption: Some(c), .. } => {
            let n = c.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(too_long("caption", n));
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_content_file(content: &Content, kind: MediaKind, page_limit: Option<u64>) -> Result<CheckedFile, SendError> {
    let path = content.path().expect("file contents have a path");
    let name = match content {
        Content::Document { file_name, .. } => file_name.as_deref(),
        _ => None,
    };
    check_file(path, kind, page_limit, name)
}
