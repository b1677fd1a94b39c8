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
    /// Linked devices (browser sessions that logged in and were not logged out).
    pub linked_devices: u32,
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
    /// Reachout timelock: sends to people who never wrote fail with 463.
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

/// One message that reached "WhatsApp".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Key id (`3EB0...`).
    pub id: String,
    /// Serialized key (`true_<chat>_<id>`, plus `_<participant>` in groups).
    pub serialized: String,
    /// Sender, E.164.
    pub from: String,
    /// Chat wid (`...@c.us`, `...@g.us`).
    pub chat: String,
    /// `chat`, `image`, `video`, `document`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
    pub media: Option<MediaInfo>,
    pub time: DateTime<Utc>,
    /// Highest ack so far (1 server, 2 delivered, 3 read).
    pub ack: i32,
    pub session: Uuid,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ok {
    pub ok: bool,
}
