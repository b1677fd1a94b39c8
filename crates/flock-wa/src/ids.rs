//! WhatsApp's own identifiers, typed: a chat or person ([`WaId`]: a user
//! `<digits>@c.us`, a group `<id>@g.us`, a privacy id `<id>@lid`) and a
//! message id ([`MessageId`], WhatsApp's `3EB0…` shape, made on the host
//! so the caller can store it before the send).
//!
//! `Display` gives the real id (what the page needs); `Debug` masks the
//! digits of phone numbers and privacy ids so a `{:?}` in a log line never
//! prints them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A WhatsApp id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaId {
    /// A person by phone number: the digits with country code, no `+`.
    User(String),
    /// A group: the part before `@g.us` (`120363…` or the older `<digits>-<digits>`).
    Group(String),
    /// A privacy id (`…@lid`): a person whose number WhatsApp hides.
    Lid(String),
}

/// Why a string is not a WhatsApp id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaIdError {
    #[error("\"{0}\" is not a WhatsApp id: expected <digits>@c.us, <id>@g.us or <id>@lid")]
    Unknown(String),
    #[error("\"{0}\" is not a phone number in international form: expected + and 7 to 15 digits, e.g. +919800000001")]
    NotE164(String),
}

const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

fn phone_digits_ok(d: &str) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
}

fn digits_only(d: &str) -> bool {
    !d.is_empty() && d.len() <= 40 && d.bytes().all(|b| b.is_ascii_digit())
}

impl WaId {
    /// Parses `<digits>@c.us` (also `@s.whatsapp.net`, and a device suffix
    /// `<digits>:<device>@…`, which names the same person), `<id>@g.us` and
    /// `<id>@lid`.
    pub fn parse(text: &str) -> Result<Self, WaIdError> {
        let t = text.trim();
        let bad = || WaIdError::Unknown(t.to_string());
        let (user, server) = t.rsplit_once('@').ok_or_else(bad)?;
        let user = user.split(':').next().unwrap_or_default();
        match server {
            "c.us" | "s.whatsapp.net" if phone_digits_ok(user) => Ok(WaId::User(user.to_string())),
            "lid" if digits_only(user) => Ok(WaId::Lid(user.to_string())),
            "g.us" => {
                let ok = match user.split_once('-') {
                    Some((a, b)) => digits_only(a) && digits_only(b),
                    None => digits_only(user),
                };
                if ok {
                    Ok(WaId::Group(user.to_string()))
                } else {
                    Err(bad())
                }
            }
            _ => Err(bad()),
        }
    }

    /// The user chat of a phone number in E.164 (`+919800000001`). Spaces,
    /// dashes and brackets are allowed; the number itself is not checked
    /// against numbering plans (the core's phone module does that).
    pub fn from_e164(phone: &str) -> Result<Self, WaIdError> {
        let t = phone.trim();
        let bad = || WaIdError::NotE164(t.to_string());
        let rest = t.strip_prefix('+').ok_or_else(bad)?;
        if !rest.chars().all(|c| c.is_ascii_digit() || " -().".contains(c)) {
            return Err(bad());
        }
        let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
        if !phone_digits_ok(&digits) {
            return Err(bad());
        }
        Ok(WaId::User(digits))
    }

    /// `+<digits>` for a user id.
    pub fn e164(&self) -> Option<String> {
        match self {
            WaId::User(d) => Some(format!("+{d}")),
            _ => None,
        }
    }

    pub fn is_user(&self) -> bool {
        matches!(self, WaId::User(_))
    }
    pub fn is_group(&self) -> bool {
        matches!(self, WaId::Group(_))
    }
    pub fn is_lid(&self) -> bool {
        matches!(self, WaId::Lid(_))
    }

    /// The part before the `@`.
    pub fn user_part(&self) -> &str {
        match self {
            WaId::User(s) | WaId::Group(s) | WaId::Lid(s) => s,
        }
    }

    pub fn server(&self) -> &'static str {
        match self {
            WaId::User(_) => "c.us",
            WaId::Group(_) => "g.us",
            WaId::Lid(_) => "lid",
        }
    }

    /// A form safe for logs: a phone number or privacy id keeps only its
    /// last two digits (`•••••••••10@c.us`); a group id is shown whole.
    pub fn redacted(&self) -> String {
        match self {
            WaId::Group(g) => format!("{g}@g.us"),
            WaId::User(d) | WaId::Lid(d) => format!("{}@{}", mask(d), self.server()),
        }
    }
}

/// All but the last two characters as dots.
pub(crate) fn mask(s: &str) -> String {
    let n = s.chars().count();
    let keep = if n > 4 { 2 } else { 0 };
    let tail: String = s.chars().skip(n - keep).collect();
    format!("{}{tail}", "•".repeat(n - keep))
}

impl fmt::Display for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user_part(), self.server())
    }
}

impl fmt::Debug for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WaId({})", self.redacted())
    }
}

impl FromStr for WaId {
    type Err = WaIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WaId::parse(s)
    }
}

impl Serialize for WaId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WaId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WaId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl specta::Type for WaId {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

/// The chat of a serialized message key (`true_<chat>_<id>[_<participant>]`).
pub fn chat_of_key(key: &str) -> Option<WaId> {
    let mut parts = key.split('_');
    let from_me = parts.next()?;
    if from_me != "true" && from_me != "false" {
        return None;
    }
    WaId::parse(parts.next()?).ok()
}

/// A message id as WhatsApp makes them (`MsgKey.newId()`: `3EB0` and 18
/// uppercase hex digits). Ids of messages others sent have other shapes
/// (phones make 16 to 32 letters and digits); all are accepted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a WhatsApp message id (8 to 64 letters and digits)")]
pub struct MessageIdError(pub String);

impl MessageId {
    /// A fresh id in WhatsApp Web's own shape, from the OS random source.
    pub fn new() -> Self {
        let mut bytes = [0u8; 9];
        // The OS random source failing is not recoverable in any useful way.
        getrandom::getrandom(&mut bytes).expect("the operating system's random source is unavailable");
        let mut id = String::with_capacity(22);
        id.push_str("3EB0");
        for b in bytes {
            id.push_str(&format!("{b:02X}"));
        }
        MessageId(id)
    }

    pub fn parse(text: &str) -> Result<Self, MessageIdError> {
        let t = text.trim();
        if (8..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(MessageId(t.to_string()))
        } else {
            Err(MessageIdError(t.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for MessageId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

impl FromStr for MessageId {
    type Err = MessageIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageId::parse(s)
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MessageId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl specta::Type for MessageId {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print() {
        let u = WaId::parse("919876543210@c.us").unwrap();
        assert_eq!(u, WaId::User("919876543210".into()));
        assert_eq!(u.to_string(), "919876543210@c.us");
        assert_eq!(u.e164().as_deref(), Some("+919876543210"));
        assert_eq!(WaId::parse("919876543210:3@c.us").unwrap(), u, "a device suffix names the same person");
        assert_eq!(WaId::parse("919876543210@s.whatsapp.net").unwrap(), u);
        assert_eq!(WaId::parse("120363000000000001@g.us").unwrap().to_string(), "120363000000000001@g.us");
        assert_eq!(WaId::parse("919800000001-1600000000@g.us").unwrap().user_part(), "919800000001-1600000000");
        assert_eq!(WaId::parse("123456789012345:2@lid").unwrap(), WaId::Lid("123456789012345".into()));
        for bad in ["abc@c.us", "0123456@c.us", "123", "1@g.us@", "12a@lid", "status@broadcast", "x@newsletter", "12@c.us"] {
            assert!(WaId::parse(bad).is_err(), "{bad}");
        }
        assert!(WaId::parse("1@g.us").is_ok());
    }

    #[test]
    fn e164_round_trip() {
        assert_eq!(WaId::from_e164("+91 98765-43210").unwrap().to_string(), "919876543210@c.us");
        for bad in ["919876543210", "+0123456789", "+91abc", "+12", "+1234567890123456"] {
            assert!(WaId::from_e164(bad).is_err(), "{bad}");
        }
        assert_eq!(WaId::Group("1".into()).e164(), None);
    }

    #[test]
    fn serde_and_debug() {
        let u = WaId::User("919876543210".into());
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"919876543210@c.us\"");
        assert_eq!(serde_json::from_str::<WaId>("\"5@lid\"").unwrap(), WaId::Lid("5".into()));
        assert!(serde_json::from_str::<WaId>("\"nope\"").is_err());
        let dbg = format!("{u:?}");
        assert!(!dbg.contains("98765"), "Debug masks the number: {dbg}");
        assert!(dbg.ends_with("10@c.us)"), "{dbg}");
    }

    #[test]
    fn keys_name_their_chat() {
        assert_eq!(chat_of_key("true_5@lid_3EB0AA"), Some(WaId::Lid("5".into())));
        assert_eq!(chat_of_key("true_1@g.us_3EB0AA_9@lid"), Some(WaId::Group("1".into())));
        assert_eq!(chat_of_key("nonsense"), None);
    }

    #[test]
    fn message_ids_look_like_whatsapps() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 22);
        assert!(s.starts_with("3EB0"));
        assert!(s[4..].bytes().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c)), "{s}");
        assert_eq!(MessageId::parse(s).unwrap(), a);
        assert!(MessageId::parse("3EB0_x").is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{s}\""));
    }
}
