//! The groups an account is in, as its WhatsApp Web session shows them
//! (`GroupMetadata`, names and hidden phones from `Contact`), typed.

use serde::{Deserialize, Serialize};

use crate::ids::WaId;

/// One group the account is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInfo {
    /// `<id>@g.us`.
    #[serde(rename = "waId")]
    pub id: WaId,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Participants are addressed by privacy id (`isLidAddressingMode`).
    #[serde(default)]
    pub lid_addressing: bool,
    /// Only admins may send (`announce`).
    #[serde(default)]
    pub announce: bool,
    /// This account is still a participant.
    #[serde(default = "yes")]
    pub i_am_member: bool,
    #[serde(default)]
    pub i_am_admin: bool,
    #[serde(default)]
    pub participants: Vec<Participant>,
}

fn yes() -> bool {
    true
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// `<digits>@c.us` (phone known) or `<id>@lid` (privacy id).
    #[serde(rename = "wid")]
    pub id: WaId,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_super_admin: bool,
    /// The phone of a `@lid` member, when the account knows the person
    /// (WhatsApp shows nothing more, and nothing is invented).
    #[serde(default, rename = "phoneE164", with = "e164_opt")]
    pub phone: Option<WaId>,
    #[serde(default)]
    pub name: Option<String>,
}

impl Participant {
    /// The member's phone in E.164, from the id or the contact.
    pub fn phone_e164(&self) -> Option<String> {
        self.id.e164().or_else(|| self.phone.as_ref().and_then(WaId::e164))
    }
}

/// The bridge reports hidden phones as `+<digits>`; one it cannot read is
/// left out (never invented).
mod e164_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::ids::WaId;

    pub fn serialize<S: Serializer>(v: &Option<WaId>, s: S) -> Result<S::Ok, S::Error> {
        match v.as_ref().and_then(WaId::e164) {
            Some(p) => s.serialize_some(&p),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WaId>, D::Error> {
        let raw = Option::<String>::deserialize(d)?;
        Ok(raw.and_then(|p| WaId::from_e164(&p).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bridge_json() {
        let json = r#"[{"waId":"1@g.us","subject":"S","lidAddressing":true,"announce":true,"iAmAdmin":true,
            "participants":[{"wid":"12345@lid","isAdmin":true,"phoneE164":"+919876543210","name":"Kavya"},
                            {"wid":"919800000001@c.us"},{"wid":"7@lid","phoneE164":"not a phone"}]}]"#;
        let g: Vec<GroupInfo> = serde_json::from_str(json).unwrap();
        assert_eq!(g[0].id, WaId::Group("1".into()));
        assert!(g[0].announce && g[0].i_am_admin && g[0].i_am_member);
        let p = &g[0].participants;
        assert_eq!(p[0].phone_e164().as_deref(), Some("+919876543210"));
        assert_eq!(p[1].phone_e164().as_deref(), Some("+919800000001"));
        assert_eq!(p[2].phone, None, "a phone that cannot be read is not invented");
        let back = serde_json::to_value(&g[0]).unwrap();
        assert_eq!(back["participants"][0]["phoneE164"], "+919876543210");
        assert_eq!(back["waId"], "1@g.us");
    }
}
