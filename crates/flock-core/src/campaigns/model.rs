//! What a stored campaign holds besides its text: who it goes to
//! ([`Audience`]), its options ([`CampaignOptions`]), what it sends
//! ([`ContentKind`]), and the counts of its outbox ([`CampaignCounts`]).
//! The audience, schedule and options are JSON columns of `campaigns`;
//! these types are their one shape.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use crate::contacts::ColumnMapping;
use crate::dispatch::MessageStatus;
use crate::repo::contacts::ContactQuery;

/// Who a campaign goes to, as chosen (the targets are resolved when it
/// starts, one outbox row per person or group chat).
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Audience {
    /// Group chats by WhatsApp id (`…@g.us`): one message into each chat.
    pub groups: Vec<String>,
    /// Contacts matching any of these filters (the Contacts page's; paging ignored).
    pub filters: Vec<ContactQuery>,
    /// Listed contacts by E.164 phone.
    pub contacts: Vec<String>,
    /// The CSV imported for this campaign (its people became contacts; its
    /// columns are variables of their rows, in `campaign_variables`).
    pub csv: Option<CsvSource>,
}

impl Audience {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.filters.is_empty() && self.contacts.is_empty() && self.csv.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CsvSource {
    pub file_name: String,
    /// The header row as written (each one a template variable through
    /// [`super::vars::variable_name`]).
    pub headers: Vec<String>,
    /// Rows whose person is a target (distinct numbers).
    pub targets: u64,
}

/// Per-campaign audience options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct CampaignOptions {
    /// Skip a person any campaign has sent to in the last N days.
    pub skip_contacted_days: Option<u32>,
    /// Only people who gave consent or wrote to us first (the others are
    /// skipped as `no_consent`).
    pub permitted_only: bool,
}

/// What the message carries besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Text,
    Image,
    Video,
    Audio,
    Document,
}

impl ContentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Text, Self::Image, Self::Video, Self::Audio, Self::Document].into_iter().find(|k| k.as_str() == s)
    }
}

/// A CSV given as part of the audience.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CsvInput {
    pub path: PathBuf,
    /// Country for numbers written without a country code (two letters).
    pub default_country: String,
    /// `None`: the proposed mapping (as the contacts import proposes it).
    pub mapping: Option<ColumnMapping>,
}

/// Everything the composer gives to create a campaign (a draft).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewCampaign {
    pub name: String,
    /// The template: spintax and `{{ variables }}`.
    pub text: String,
    /// One image, video, audio file or document, stored once as a media asset.
    pub media: Option<PathBuf>,
    /// A link; WhatsApp's preview is made when it is sent.
    pub link: Option<String>,
    pub groups: Vec<String>,
    pub filters: Vec<ContactQuery>,
    /// Phones as typed (normalised with `default_country`).
    pub contacts: Vec<String>,
    pub csv: Option<CsvInput>,
    pub default_country: String,
    /// Accounts that may send (empty: every active account).
    pub accounts: Vec<i64>,
    pub schedule: Schedule,
    pub options: CampaignOptions,
}

/// A campaign's outbox by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignCounts {
    pub pending: u64,
    pub sending: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl CampaignCounts {
    pub fn add(&mut self, status: MessageStatus, n: u64) {
        let slot = match status {
            MessageStatus::Pending => &mut self.pending,
            MessageStatus::Sending => &mut self.sending,
            MessageStatus::Sent => &mut self.sent,
            MessageStatus::Delivered => &mut self.delivered,
            MessageStatus::Read => &mut self.read,
            MessageStatus::Failed => &mut self.failed,
            MessageStatus::Skipped => &mut self.skipped,
        };
        *slot += n;
    }

    pub fn total(&self) -> u64 {
        self.pending + self.sending + self.sent + self.delivered + self.read + self.failed + self.skipped
    }

    /// Still to do: pending or sending.
    pub fn open(&self) -> u64 {
        self.pending + self.sending
    }
}

/// Targets / to send / skipped by reason, and on what basis the people to
/// send to may be contacted (consent, wrote first, or only a group's member:
/// the highest ban and complaint risk).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AudienceCount {
    pub targets: u64,
    /// Group chats among the targets.
    pub groups: u64,
    /// People among the targets.
    pub people: u64,
    pub to_send: u64,
    pub skipped: u64,
    /// Skip code (`opted_out`, `phone_hidden`, …) → targets.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Of the people to send to: consent on record.
    pub consented: u64,
    /// Of the people to send to: wrote to one of our accounts.
    pub wrote_first: u64,
    /// Of the people to send to: consent or wrote first (each once).
    pub permitted: u64,
    /// Of the people to send to: known only from groups (no consent, never wrote).
    pub group_only: u64,
    /// Of the people to send to: neither permitted nor group-only (e.g. imported without consent).
    pub other: u64,
}
