//! What one account sees of its groups at one moment: pure data, as the
//! injected browser bridge reports it (JSON, camelCase). WhatsApp ids are
//! read with flock-wa's typed [`WaId`], never parsed here.

use flock_wa::WaId;
use serde::{Deserialize, Serialize};

/// Every group one account is in, with their participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountGroupsSnapshot {
    pub account_id: i64,
    #[serde(default)]
    pub groups: Vec<GroupSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshot {
    /// `<id>@g.us`.
    pub wa_id: String,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub participants: Vec<ParticipantSnapshot>,
    #[serde(default)]
    pub lid_addressing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantSnapshot {
    /// `<digits>@c.us` (phone known) or `<id>@lid` (privacy id).
    pub wid: String,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_super_admin: bool,
    /// E.164, when WhatsApp shows the phone of a `@lid` participant.
    #[serde(default)]
    pub phone_e164: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Who a participant is, read from its WhatsApp id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum MemberId {
    /// E.164.
    Phone(String),
    /// `<id>@lid`, with the phone when WhatsApp shows it.
    Lid { lid: String, phone: Option<String> },
}

impl ParticipantSnapshot {
    /// The participant's identity, or why it cannot be read.
    pub(crate) fn member_id(&self) -> Result<MemberId, String> {
        let wid = self.wid.trim();
        match WaId::parse(wid) {
            Ok(id @ WaId::User(_)) => Ok(MemberId::Phone(id.e164().unwrap_or_default())),
            Ok(lid @ WaId::Lid(_)) => {
                let phone = self.phone_e164.as_deref().and_then(|p| WaId::from_e164(p).ok()).and_then(|p| p.e164());
                Ok(MemberId::Lid { lid: lid.to_string(), phone })
            }
            Ok(WaId::Group(_)) => Err(format!("\"{wid}\" is a group id, not a participant")),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl From<flock_wa::Participant> for ParticipantSnapshot {
    fn from(p: flock_wa::Participant) -> Self {
        ParticipantSnapshot {
            wid: p.id.to_string(),
            is_admin: p.is_admin,
            is_super_admin: p.is_super_admin,
            phone_e164: p.phone.as_ref().and_then(WaId::e164),
            name: p.name,
        }
    }
}

impl From<flock_wa::GroupInfo> for GroupSnapshot {
    fn from(g: flock_wa::GroupInfo) -> Self {
        GroupSnapshot {
            wa_id: g.id.to_string(),
            subject: g.subject,
            description: g.description,
            participants: g.participants.into_iter().map(Into::into).collect(),
            lid_addressing: g.lid_addressing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(wid: &str, phone: Option<&str>) -> ParticipantSnapshot {
        ParticipantSnapshot {
            wid: wid.into(),
            is_admin: false,
            is_super_admin: false,
            phone_e164: phone.map(str::to_string),
            name: None,
        }
    }

    #[test]
    fn ids_are_read_honestly() {
        assert_eq!(p("919876543210@c.us", None).member_id(), Ok(MemberId::Phone("+919876543210".into())));
        assert_eq!(p("919876543210:3@c.us", None).member_id(), Ok(MemberId::Phone("+919876543210".into())));
        assert_eq!(
            p("123456789012345@lid", None).member_id(),
            Ok(MemberId::Lid { lid: "123456789012345@lid".into(), phone: None })
        );
        assert_eq!(
            p("123456789012345@lid", Some("+919876543210")).member_id(),
            Ok(MemberId::Lid { lid: "123456789012345@lid".into(), phone: Some("+919876543210".into()) })
        );
        assert_eq!(
            p("123456789012345@lid", Some("not a phone")).member_id(),
            Ok(MemberId::Lid { lid: "123456789012345@lid".into(), phone: None }),
            "a phone we cannot read is not invented"
        );
        assert!(p("120363000000000001@g.us", None).member_id().is_err());
        assert!(p("abc@c.us", None).member_id().is_err());
    }

    #[test]
    fn snapshot_reads_the_bridge_json() {
        let json = r#"{"accountId": 7, "groups": [{"waId": "1@g.us", "subject": "S", "lidAddressing": true,
            "participants": [{"wid": "1@lid", "isAdmin": true, "phoneE164": "+919876543210", "name": "Kavya"}]}]}"#;
        let s: AccountGroupsSnapshot = serde_json::from_str(json).unwrap();
        assert_eq!(s.account_id, 7);
        assert!(s.groups[0].lid_addressing);
        assert!(s.groups[0].participants[0].is_admin);
        assert_eq!(s.groups[0].participants[0].phone_e164.as_deref(), Some("+919876543210"));
    }
}
