//! What one account sees of its groups at one moment: pure data, as the
//! injected browser bridge reports it (JSON, camelCase).

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
        if let Some(user) = wid.strip_suffix("@c.us").or_else(|| wid.strip_suffix("@s.whatsapp.net")) {
            // A device suffix (`<digits>:<device>`) names the same person.
            let digits = user.split(':').next().unwrap_or_default();
            return e164_digits(digits)
                .map(MemberId::Phone)
                .ok_or_else(|| format!("\"{wid}\" is not a phone-number WhatsApp id"));
        }
        if let Some(id) = wid.strip_suffix("@lid") {
            let id = id.split(':').next().unwrap_or_default();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("\"{wid}\" is not a privacy id"));
            }
            let phone = self
                .phone_e164
                .as_deref()
                .map(str::trim)
                .and_then(|p| e164_digits(p.strip_prefix('+').unwrap_or(p)));
            return Ok(MemberId::Lid { lid: format!("{id}@lid"), phone });
        }
        Err(format!("\"{wid}\" is neither a phone id (@c.us) nor a privacy id (@lid)"))
    }
}

/// `"919876543210"` → `"+919876543210"` (E.164 has at most 15 digits).
fn e164_digits(digits: &str) -> Option<String> {
    let ok = (6..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
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
