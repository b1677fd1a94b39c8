//! Sending, typed: one request (target and content, with an id the caller
//! stored before the send), one outcome (accepted by the server, or a typed
//! error that says whether the message certainly did not go out or whether
//! that is unknown and must be reconciled by looking the id up).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::capability::CapabilityMissing;
use crate::ids::{MessageId, WaId};
use crate::media::MediaKind;
use crate::state::SocketState;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    /// Made with [`MessageId::new`] and stored by the caller BEFORE the send.
    pub id: MessageId,
    /// A user (`…@c.us`, e.g. from [`WaId::from_e164`]), a group (`…@g.us`)
    /// or a privacy id (`…@lid`).
    pub target: WaId,
    pub content: Content,
}

/// What to send.
#[derive(Clone, PartialEq, Eq)]
pub enum Content {
    Text { body: String },
    Image { path: PathBuf, caption: Option<String> },
    Video { path: PathBuf, caption: Option<String> },
    Audio { path: PathBuf },
    /// Any file; `file_name` defaults to the path's own name.
    Document { path: PathBuf, caption: Option<String>, file_name: Option<String> },
    /// A text with a link in it, sent with the link's preview.
    Link { body: String },
}

impl Content {
    /// The media kind of a file content.
    pub fn media_kind(&self) -> Option<MediaKind> {
        match self {
            Content::Image { .. } => Some(MediaKind::Image),
            Content::Video { .. } => Some(MediaKind::Video),
            Content::Audio { .. } => Some(MediaKind::Audio),
            Content::Document { .. } => Some(MediaKind::Document),
            Content::Text { .. } | Content::Link { .. } => None,
        }
    }

    pub fn path(&self) -> Option<&PathBuf> {
        match self {
            Content::Image { path, .. } | Content::Video { path, .. } | Content::Audio { path } | Content::Document { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Message texts are what the user wrote: never in a log line.
impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Text { body } => write!(f, "Text({} chars)", body.chars().count()),
            Content::Link { body } => write!(f, "Link({} chars)", body.chars().count()),
            Content::Image { path, .. } => write!(f, "Image({})", path.display()),
            Content::Video { path, .. } => write!(f, "Video({})", path.display()),
            Content::Audio { path } => write!(f, "Audio({})", path.display()),
            Content::Document { path, .. } => write!(f, "Document({})", path.display()),
        }
    }
}

/// Deadlines of one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    /// How long to wait for a connected, synced session before giving up
    /// with [`SendError::NotConnected`] (nothing was sent then).
    pub connect_deadline: Duration,
    /// From the start of the send in the page to the server's ack; past
    /// it the outcome is unknown (the message may still go out).
    pub ack_deadline: Duration,
    /// Media upload (which is known to hang): past it the send is given up
    /// before the message exists, so nothing goes out.
    pub upload_deadline: Duration,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            connect_deadline: Duration::from_secs(30),
            ack_deadline: Duration::from_secs(60),
            upload_deadline: Duration::from_secs(180),
        }
    }
}

/// The server took the message (ack 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: MessageId,
    /// The serialized key (`true_<chat>_<id>[_<participant>]`). The chat
    /// may be the `@lid` one even for a `@c.us` target.
    pub key: String,
    pub chat: WaId,
    /// When WhatsApp timestamped it.
    pub at: DateTime<Utc>,
}

/// Message acknowledgement, whatsapp-web.js numbering (-1 error, 0 clock,
/// 1 server, 2 device, 3 read, 4 played; wa-js adds -2..-6 failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ack {
    /// The send failed; the code (-1 error, -2 expired, -3 content gone,
    /// -4 too big, -5 unuploadable, -6 inactive).
    Failed(i8),
    Pending,
    Server,
    Device,
    Read,
    Played,
}

impl Ack {
    pub fn from_code(n: i64) -> Ack {
        match n {
            i64::MIN..=-1 => Ack::Failed(n.max(-99) as i8),
            0 => Ack::Pending,
            1 => Ack::Server,
            2 => Ack::Device,
            3 => Ack::Read,
            _ => Ack::Played,
        }
    }

    pub fn code(self) -> i8 {
        match self {
            Ack::Failed(c) => c,
            Ack::Pending => 0,
            Ack::Server => 1,
            Ack::Device => 2,
            Ack::Read => 3,
            Ack::Played => 4,
        }
    }

    /// It reached WhatsApp's server (ack ≥ 1).
    pub fn reached_server(self) -> bool {
        self.code() >= 1
    }
}

impl Serialize for Ack {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i8(self.code())
    }
}

impl<'de> Deserialize<'de> for Ack {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Ack::from_code(i64::deserialize(d)?))
    }
}

/// Did a failed send go out?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// Certainly not sent: it may be sent again (or the request fixed).
    NotSent,
    /// Maybe sent: look the id up ([`crate::SessionHandle::lookup`]); never send again blindly.
    Unknown,
}

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    #[error("{problem}; {fix}")]
    InvalidRequest { problem: String, fix: String },
    #[error("cannot read {}: {cause}", path.display())]
    FileUnreadable { path: PathBuf, cause: String },
    #[error("{} is {} but WhatsApp takes {} up to {}; send a smaller file{}", path.display(), human(*size), kind.plural(), human(*limit), if *kind == MediaKind::Document { "" } else { " or send it as a document" })]
    FileTooLarge { path: PathBuf, kind: MediaKind, size: u64, limit: u64 },
    #[error("{} is not {} (its content is {}); {}", path.display(), kind.article(), found.as_deref().unwrap_or("of an unknown type"), kind.accepted_hint())]
    WrongFileType { path: PathBuf, kind: MediaKind, found: Option<String> },
    #[error("{} is not on WhatsApp", target.redacted())]
    NotOnWhatsApp { target: WaId },
    #[error("WhatsApp refuses messages to new contacts from this number for now (reachout timelock, 463){}; reply to people who wrote first", until.map(|u| format!(" until {}", u.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default())]
    ReachoutTimelocked { until: Option<DateTime<Utc>> },
    #[error("this account is not a participant of the group {group}")]
    NotParticipant { group: WaId },
    #[error("only admins may send to the group {group}")]
    AdminsOnly { group: WaId },
    #[error("WhatsApp did not take the media: {reason}")]
    MediaRejected { reason: String },
    #[error("the media upload did not finish within {} s; nothing was sent", after.as_secs())]
    UploadStalled { after: Duration },
    #[error("the session is not connected ({}) after waiting {} s; nothing was sent", state.as_ref().map(|s| s.as_str()).unwrap_or("no state yet"), waited.as_secs())]
    NotConnected { state: Option<SocketState>, waited: Duration },
    #[error(transparent)]
    CapabilityMissing(#[from] CapabilityMissing),
    /// WhatsApp reported the send failed (send result, or ack -1) for a
    /// reason the page does not name.
    #[error("WhatsApp did not send the message ({result})")]
    Rejected { result: String },
    #[error("the outcome is unknown ({reason}); look the message up before sending again")]
    OutcomeUnknown { reason: String },
}

impl SendError {
    pub fn certainty(&self) -> Certainty {
        match self {
            SendError::OutcomeUnknown { .. } => Certainty::Unknown,
            _ => Certainty::NotSent,
        }
    }

    /// A short, stable name for the kind of error (for JSON output).
    pub fn kind(&self) -> &'static str {
        match self {
            SendError::InvalidRequest { .. } => "invalid_request",
            SendError::FileUnreadable { .. } => "file_unreadable",
            SendError::FileTooLarge { .. } => "file_too_large",
            SendError::WrongFileType { .. } => "wrong_file_type",
            SendError::NotOnWhatsApp { .. } => "not_on_whatsapp",
            SendError::ReachoutTimelocked { .. } => "reachout_timelocked",
            SendError::NotParticipant { .. } => "not_participant",
            SendError::AdminsOnly { .. } => "admins_only",
            SendError::MediaRejected { .. } => "media_rejected",
            SendError::UploadStalled { .. } => "upload_stalled",
            SendError::NotConnected { .. } => "not_connected",
            SendError::CapabilityMissing(_) => "capability_missing",
            SendError::Rejected { .. } => "rejected",
            SendError::OutcomeUnknown { .. } => "outcome_unknown",
        }
    }
}

/// `12.3 MB` (decimal, as WhatsApp shows sizes).
pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// What the page says about a message found again by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Lookup {
    /// Ack ≥ 1: it reached the server. Ack 0: it may still go out (wait,
    /// never send again). Negative: it failed.
    Found { ack: Ack, key: String, chat: WaId },
    /// Not in memory, not in the chat, not in the local history searched.
    NotFound { searched: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_normalise() {
        assert_eq!(Ack::from_code(-1), Ack::Failed(-1));
        assert_eq!(Ack::from_code(-4), Ack::Failed(-4));
        assert_eq!(Ack::from_code(3), Ack::Read);
        assert_eq!(Ack::from_code(9), Ack::Played);
        assert!(Ack::Server.reached_server() && !Ack::Pending.reached_server() && !Ack::Failed(-1).reached_server());
        assert_eq!(serde_json::to_string(&Ack::Device).unwrap(), "2");
        assert!(Ack::Read > Ack::Device);
    }

    #[test]
    fn errors_say_what_and_how_sure() {
        let e = SendError::FileTooLarge { path: "/tmp/a.mp4".into(), kind: MediaKind::Video, size: 70_000_000, limit: 64 * 1024 * 1024 };
        assert_eq!(e.to_string(), "/tmp/a.mp4 is 70.0 MB but WhatsApp takes videos up to 67.1 MB; send a smaller file or send it as a document");
        assert_eq!(e.certainty(), Certainty::NotSent);
        assert_eq!(SendError::OutcomeUnknown { reason: "x".into() }.certainty(), Certainty::Unknown);
        let t = SendError::NotOnWhatsApp { target: WaId::User("919876543210".into()) };
        assert!(!t.to_string().contains("98765"), "{t}");
        let d = format!("{:?}", Content::Text { body: "secret words".into() });
        assert!(!d.contains("secret"), "{d}");
    }
}
