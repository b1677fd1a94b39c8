//! JSON shapes of the control API (`/_sim/...`), shared by the HTTP server,
//! the Rust [`crate::SimHandle`] and tests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /_sim/phones`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPhone {
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

/// A registered phone (one of "our" WhatsApp accounts).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PhoneInfo {
    /// E.164, `+919800000001`.
    pub phone: String,
    pub name: String,
    /// The account's own privacy id (`<digits>@lid`).
    pub lid: String,
    pub online: bool,
    pub restricted: bool,
    pub banned: bool,
    /// End of the reachout timelock while `restricted`.
    pub restricted_until: Option<DateTime<Utc>>,
    /// Linked devices (browser sessions that logged in and were not logged out).
    pub linked_devices: u32,
    /// Pages logged in as this phone right now (any state after login).
    pub sessions: u32,
    /// The most pages ever logged in as this phone at the same moment.
    pub max_concurrent_sessions: u32,
}

/// Optional body of `POST /_sim/phones/{phone}/restrict`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictRequest {
    /// How long the timelock lasts (default 3600 s); it lifts by itself.
    #[serde(default)]
    pub seconds: Option<u64>,
}

/// `POST /_sim/groups`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewGroup {
    pub subject: String,
    #[serde(default)]
    pub desc: Option<String>,
    /// `+91...` phones or `lid:<digits>` privacy ids.
    #[serde(default)]
    pub participants: Vec<String>,
    /// Subset (same notation) that are admins; the first is the owner.
    #[serde(default)]
    pub admins: Vec<String>,
    /// Registered phones that are members (added to participants if absent).
    #[serde(default)]
    pub members_of: Vec<String>,
    /// Defaults to "some participant is a privacy id".
    #[serde(default)]
    pub lid_addressing: Option<bool>,
    /// Only admins may send (`groupMetadata.announce`).
    #[serde(default)]
    pub announce: bool,
    /// Only admins may edit the group info (`groupMetadata.restrict`).
    #[serde(default)]
    pub restrict: bool,
}

/// `PATCH /_sim/groups/{id}`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub desc: Option<String>,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
    #[serde(default)]
    pub promote: Vec<String>,
    #[serde(default)]
    pub demote: Vec<String>,
    #[serde(default)]
    pub announce: Option<bool>,
    #[serde(default)]
    pub restrict: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Participant {
    /// `<digits>@c.us` or `<id>@lid`.
    pub id: String,
    #[serde(rename = "isAdmin")]
    pub is_admin: bool,
    #[serde(rename = "isSuperAdmin")]
    pub is_super_admin: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupInfo {
    /// `<id>@g.us`
    pub id: String,
    pub subject: String,
    pub desc: Option<String>,
    pub owner: Option<String>,
    /// Unix seconds.
    pub creation: i64,
    pub participants: Vec<Participant>,
    /// E.164 numbers of the registered phones in the group.
    pub members_of: Vec<String>,
    #[serde(rename = "isLidAddressingMode")]
    pub lid_addressing: bool,
    /// Only admins may send.
    pub announce: bool,
    /// Only admins may edit the group info.
    pub restrict: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
}

/// One open browser page, as `GET /_sim/sessions` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: Uuid,
    /// `Socket.state` as the page shows it (`UNPAIRED`, `CONNECTED`, ...).
    pub state: String,
    pub has_synced: bool,
    /// The full QR payload currently on screen.
    pub qr: Option<String>,
    /// How many refs this page has shown in the current QR run.
    pub qr_refs_shown: u32,
    pub qr_expires_at: Option<DateTime<Utc>>,
    /// The pairing code on screen, and the phone it was requested for.
    pub pairing_code: Option<String>,
    pub pairing_phone: Option<String>,
    /// E.164 number once logged in.
    pub phone: Option<String>,
    pub sync_progress: u32,
    pub opened_at: DateTime<Utc>,
}

/// `POST /_sim/scan`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScanRequest {
    pub qr: String,
    pub phone: String,
}

/// `POST /_sim/pair`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairRequest {
    pub code: String,
    pub phone: String,
}

/// `POST /_sim/phones/{phone}/{event}`
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PhoneEvent {
    /// "Log out all devices" on the phone.
    Logout,
    /// The account's connection drops: `Socket.state` TIMEOUT until `Online`.
    Offline,
    Online,
    /// Reachout timelock: sends to people who never wrote get ack -1 (nack
    /// 463); optional body `{"seconds": N}` (default 3600).
    Restrict,
    /// Lifts `Restrict`.
    Unrestrict,
    /// Banned: TOS_BLOCK and logged out.
    Ban,
    /// WhatsApp Web opened elsewhere: CONFLICT until `Socket.takeover()`.
    Conflict,
}

impl std::str::FromStr for PhoneEvent {
    type Err = crate::SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| crate::SimError::NotFound(format!("phone event {s:?}")))
    }
}

/// `POST /_sim/inbound`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Inbound {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub text: String,
    /// Set for a message written in a group (`<id>@g.us`).
    #[serde(default)]
    pub group: Option<String>,
    /// Id (`3EB0…`) or serialized key of the message this one replies to.
    #[serde(default)]
    pub quoted: Option<String>,
    /// A status update (`status@broadcast`) instead of a chat message.
    #[serde(default)]
    pub status: bool,
}

/// `POST /_sim/acks`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AckRequest {
    /// The message id (`3EB0...`) or its serialized key (`true_<chat>_<id>`).
    pub id: String,
    pub ack: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MediaInfo {
    pub sha256: String,
    pub size: u64,
    pub mimetype: String,
}

/// Link preview fields sent with a message.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkInfo {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "canonicalUrl")]
    pub canonical_url: Option<String>,
    #[serde(rename = "matchedText")]
    pub matched_text: Option<String>,
}

/// One message a page submitted to "WhatsApp": accepted by the server, or
/// refused (`accepted: false`, `failure` says why; the page saw ack -1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Key id (`3EB0...`).
    pub id: String,
    /// Serialized key (`true_<chat>_<id>`, plus `_<participant>` in groups).
    pub serialized: String,
    /// Sender, E.164.
    pub from: String,
    /// Chat wid as the key names it (`...@c.us`, `...@lid`, `...@g.us`).
    pub chat: String,
    /// The person reached (E.164) for one-to-one chats, also when the key
    /// names a `@lid` chat; `None` for groups and unknown privacy ids.
    pub target: Option<String>,
    /// `chat`, `image`, `video`, `audio`, `ptt`, `document`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Text, or the caption of a media message.
    pub text: Option<String>,
    pub caption: Option<String>,
    /// Document file name.
    pub file_name: Option<String>,
    pub media: Option<MediaInfo>,
    /// Link preview, when the message carried one.
    pub link: Option<LinkInfo>,
    /// Id of the quoted message (a reply).
    pub quoted: Option<String>,
    pub time: DateTime<Utc>,
    /// Highest ack so far (1 server, 2 delivered, 3 read, 4 played; -1 failed).
    pub ack: i32,
    pub session: Uuid,
    /// The server took the message (it "reached WhatsApp").
    pub accepted: bool,
    /// Why the server refused it (`reachout_timelock`, `not_a_participant`,
    /// `announce_admins_only`, `not_on_whatsapp`, `unknown_lid`, `media_missing`).
    pub failure: Option<String>,
    /// How many times a page submitted this id (a resend of the same key
    /// counts here, never as a second message).
    pub submissions: u32,
}

/// Query of `GET /_sim/ledger`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LedgerQuery {
    /// Only accepted (`true`) or only refused (`false`) messages.
    #[serde(default)]
    pub accepted: Option<bool>,
    /// Key id or serialized key.
    #[serde(default)]
    pub id: Option<String>,
    /// E.164 of the person reached.
    #[serde(default)]
    pub target: Option<String>,
}

impl LedgerQuery {
    pub fn matches(&self, e: &LedgerEntry) -> bool {
        self.accepted.is_none_or(|a| a == e.accepted)
            && self.id.as_deref().is_none_or(|id| e.id == id || e.serialized == id)
            && self.target.as_deref().is_none_or(|t| e.target.as_deref() == Some(t))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ok {
    pub ok: bool,
}
