use serde::{Deserialize, Serialize};

/// The lifecycle of a linked WhatsApp account (design.md, "Account lifecycle").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    New,
    WaitingForScan,
    Syncing,
    Active,
    Reconnecting,
    LinkExpired,
    Failed,
    LoggedOut,
    Restricted,
}

impl AccountState {
    pub const ALL: [AccountState; 9] = [
        AccountState::New,
        AccountState::WaitingForScan,
        AccountState::Syncing,
        AccountState::Active,
        AccountState::Reconnecting,
        AccountState::LinkExpired,
        AccountState::Failed,
        AccountState::LoggedOut,
        AccountState::Restricted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::New => "new",
            AccountState::WaitingForScan => "waiting_for_scan",
            AccountState::Syncing => "syncing",
            AccountState::Active => "active",
            AccountState::Reconnecting => "reconnecting",
            AccountState::LinkExpired => "link_expired",
            AccountState::Failed => "failed",
            AccountState::LoggedOut => "logged_out",
            AccountState::Restricted => "restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Transitional states must be left before a deadline; nothing waits forever.
    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            AccountState::WaitingForScan | AccountState::Syncing | AccountState::Reconnecting
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in AccountState::ALL {
            assert_eq!(AccountState::parse(state.as_str()), Some(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(AccountState::parse("warming"), None);
    }
}
