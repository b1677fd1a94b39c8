//! What the UI (through the Tauri shell) and `flockctl` see of an account,
//! and the live events the manager publishes.

use chrono::{DateTime, Utc};
use flock_wa::{Capabilities, Capability};
use serde::Serialize;

use super::state::AccountState;
use crate::entities::account;

/// A QR code to show: the payload the phone scans and an SVG image of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QrView {
    pub payload: String,
    pub svg: String,
}

/// One account as the UI shows it: stored fields plus what only the running
/// session knows (QR, pairing code, WhatsApp Web version, memory).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: i64,
    /// The account's stable identity (its profile folder is named by it).
    pub uuid: String,
    pub name: String,
    pub state: AccountState,
    /// Why it is in this state.
    pub reason: Option<String>,
    /// What fixes it, when something must be done.
    pub fix: Option<String>,
    /// A transitional state must be left by then.
    pub deadline: Option<DateTime<Utc>>,
    /// E.164, read from the session.
    pub phone: Option<String>,
    pub wa_id: Option<String>,
    pub profile_name: Option<String>,
    pub show_browser: bool,
    pub linked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// A browser is running for this account.
    pub running: bool,
    pub qr: Option<QrView>,
    pub pairing_code: Option<String>,
    pub wa_version: Option<String>,
    /// PSS of the account's browser, KiB (Linux; from the health check).
    pub memory_kib: Option<u64>,
    /// Set while a change of this account could not be stored: "database
    /// unavailable: …". The state shown is the last one stored; the change
    /// did not happen and is stored by itself once the database answers.
    pub database_error: Option<String>,
    /// What its WhatsApp Web can and cannot do: the running session's
    /// report, else the last one stored (`None` before any boot).
    pub capabilities: Option<CapabilitiesView>,
    /// Team mode: the workstation whose lease the account is under (`None`:
    /// none holds it, e.g. it never ran).
    pub desk: Option<DeskView>,
}

/// Where an account's session runs (team mode).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskView {
    pub workstation_id: String,
    pub name: String,
    /// This workstation.
    pub here: bool,
    /// The lease is still running: "running on <name>"; else "offline on
    /// <name> since <expires_at>".
    pub online: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

impl DeskView {
    /// "running on Front desk", "offline on Front desk since 10:42 UTC"; `None` here.
    pub fn describe(&self) -> Option<String> {
        match (self.here, self.online, self.expires_at) {
            (true, _, _) => None,
            (false, true, _) => Some(format!("running on {}", self.name)),
            (false, false, Some(at)) => Some(format!(
                "offline on {} since {}",
                self.name,
                at.format("%Y-%m-%d %H:%M:%S UTC")
            )),
            (false, false, None) => Some(format!("offline on {}", self.name)),
        }
    }
}

/// The features of an account's WhatsApp Web, as the Accounts page and
/// `accounts list --json` show them.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesView {
    /// The WhatsApp Web version that reported them.
    pub version: Option<String>,
    pub available: Vec<Capability>,
    pub missing: Vec<MissingCapability>,
}

/// A feature switched off, with what is missing and the sentence to show.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MissingCapability {
    pub capability: Capability,
    /// The internals that were not found.
    pub internals: Vec<String>,
    /// "Media sending unavailable: WhatsApp Web 2.3000.x lacks WAWebPrepRawMedia".
    pub reason: String,
}

impl From<&Capabilities> for CapabilitiesView {
    fn from(c: &Capabilities) -> Self {
        let available = c.features.iter().filter(|f| f.available).map(|f| f.capability).collect();
        let missing = c
            .unavailable()
            .into_iter()
            .map(|m| MissingCapability { capability: m.capability, internals: m.internals.clone(), reason: m.to_string() })
            .collect();
        Self { version: c.version.clone(), available, missing }
    }
}

/// What only the running session knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Live {
    pub running: bool,
    pub qr: Option<QrView>,
    pub pairing_code: Option<String>,
    pub wa_version: Option<String>,
    pub memory_kib: Option<u64>,
    pub database_error: Option<String>,
    pub capabilities: Option<Capabilities>,
}

impl AccountView {
    pub(crate) fn from_row(
        row: &account::Model,
        live: Option<&Live>,
        desk: Option<DeskView>,
    ) -> Self {
        let state = AccountState::parse(&row.state).unwrap_or(AccountState::Failed);
        let live = live.cloned().unwrap_or_default();
        Self {
            id: row.id,
            uuid: row.uuid.clone(),
            name: row.name.clone(),
            state,
            reason: row.state_reason.clone(),
            fix: row.state_fix.clone(),
            deadline: row.state_deadline,
            phone: row.phone.clone(),
            wa_id: row.wa_id.clone(),
            profile_name: row.profile_name.clone(),
            show_browser: row.show_browser,
            linked_at: row.linked_at,
            last_seen_at: row.last_seen_at,
            running: live.running,
            qr: live.qr,
            pairing_code: live.pairing_code,
            wa_version: live.wa_version,
            memory_kib: live.memory_kib,
            database_error: live.database_error,
            // The running session's report, else the last one stored.
            capabilities: live
                .capabilities
                .as_ref()
                .map(CapabilitiesView::from)
                .or_else(|| row.capabilities.as_deref().and_then(|j| serde_json::from_str(j).ok())),
            desk,
        }
    }
}

/// Published on every account change (`AccountManager::subscribe`).
/// JSON: `{"event": "changed", "account": {...}}`, `{"event": "qr", "id", "payload", "svg"}`,
/// `{"event": "pairingCode", "id", "code"}`, `{"event": "removed", "id"}`.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum AccountEvent {
    Changed { account: AccountView },
    Qr { id: i64, payload: String, svg: String },
    #[serde(rename_all = "camelCase")]
    PairingCode { id: i64, code: String },
    Removed { id: i64 },
}

impl AccountEvent {
    pub fn account_id(&self) -> i64 {
        match self {
            AccountEvent::Changed { account } => account.id,
            AccountEvent::Qr { id, .. } | AccountEvent::PairingCode { id, .. } | AccountEvent::Removed { id } => *id,
        }
    }
}
