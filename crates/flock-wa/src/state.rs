//! `Socket.state` of WhatsApp Web, typed. Every name in whatsapp-web.md has
//! a variant; a name WhatsApp adds later arrives as [`SocketState::Other`]
//! instead of failing the event.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SocketState {
    Opening,
    Pairing,
    Unpaired,
    /// The QR refs ran out; the page waits for `Cmd.refreshQR()`.
    UnpairedIdle,
    Connected,
    Timeout,
    /// Opened in another browser; `Socket.takeover()` reclaims it.
    Conflict,
    Unlaunched,
    Proxyblock,
    /// Banned.
    TosBlock,
    /// Banned (business account).
    SmbTosBlock,
    DeprecatedVersion,
    Other(String),
}

impl SocketState {
    pub fn parse(s: &str) -> Self {
        match s {
            "OPENING" => Self::Opening,
            "PAIRING" => Self::Pairing,
            "UNPAIRED" => Self::Unpaired,
            "UNPAIRED_IDLE" => Self::UnpairedIdle,
            "CONNECTED" => Self::Connected,
            "TIMEOUT" => Self::Timeout,
            "CONFLICT" => Self::Conflict,
            "UNLAUNCHED" => Self::Unlaunched,
            "PROXYBLOCK" => Self::Proxyblock,
            "TOS_BLOCK" => Self::TosBlock,
            "SMB_TOS_BLOCK" => Self::SmbTosBlock,
            "DEPRECATED_VERSION" => Self::DeprecatedVersion,
            other => Self::Other(other.to_string()),
        }
    }

    /// WhatsApp Web's own name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Opening => "OPENING",
            Self::Pairing => "PAIRING",
            Self::Unpaired => "UNPAIRED",
            Self::UnpairedIdle => "UNPAIRED_IDLE",
            Self::Connected => "CONNECTED",
            Self::Timeout => "TIMEOUT",
            Self::Conflict => "CONFLICT",
            Self::Unlaunched => "UNLAUNCHED",
            Self::Proxyblock => "PROXYBLOCK",
            Self::TosBlock => "TOS_BLOCK",
            Self::SmbTosBlock => "SMB_TOS_BLOCK",
            Self::DeprecatedVersion => "DEPRECATED_VERSION",
            Self::Other(s) => s,
        }
    }

    /// The number is banned (TOS_BLOCK or SMB_TOS_BLOCK).
    pub fn is_banned(&self) -> bool {
        matches!(self, Self::TosBlock | Self::SmbTosBlock)
    }

    /// The page shows a QR or a pairing code (not logged in).
    pub fn is_unpaired(&self) -> bool {
        matches!(self, Self::Unpaired | Self::UnpairedIdle)
    }

    /// On the way to a connection (or trying to get it back).
    pub fn is_connecting(&self) -> bool {
        matches!(self, Self::Opening | Self::Pairing | Self::Timeout | Self::Unlaunched)
    }
}

impl fmt::Display for SocketState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SocketState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SocketState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

impl PartialEq<&str> for SocketState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_name_round_trips() {
        let names = [
            "OPENING", "PAIRING", "UNPAIRED", "UNPAIRED_IDLE", "CONNECTED", "TIMEOUT", "CONFLICT", "UNLAUNCHED",
            "PROXYBLOCK", "TOS_BLOCK", "SMB_TOS_BLOCK", "DEPRECATED_VERSION",
        ];
        for n in names {
            let s = SocketState::parse(n);
            assert!(!matches!(s, SocketState::Other(_)), "{n} has its own variant");
            assert_eq!(s.as_str(), n);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{n}\""));
        }
        assert_eq!(SocketState::parse("NEW_THING"), SocketState::Other("NEW_THING".into()));
        assert!(SocketState::SmbTosBlock.is_banned() && SocketState::UnpairedIdle.is_unpaired());
        assert_eq!(serde_json::from_str::<SocketState>("\"TOS_BLOCK\"").unwrap(), SocketState::TosBlock);
    }
}
