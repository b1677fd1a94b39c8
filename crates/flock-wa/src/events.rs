//! What a session reports: events pushed by the bridge script through the
//! CDP binding, and the browser's death.

use serde::{Deserialize, Serialize};

/// Who the logged-in account is, as read from the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Phone number digits (no `+`), e.g. `919800000001`.
    pub pn: String,
    /// The privacy id (`…@lid`), when known.
    #[serde(default)]
    pub lid: Option<String>,
    /// The profile (push) name, when known.
    #[serde(default)]
    pub pushname: Option<String>,
    /// Where the number came from: `getMaybeMePnUser` or `last-wid-md`.
    #[serde(default)]
    pub source: Option<String>,
}

impl Me {
    /// `+<digits>`.
    pub fn e164(&self) -> String {
        format!("+{}", self.pn)
    }

    /// `<digits>@c.us`.
    pub fn wa_id(&self) -> String {
        format!("{}@c.us", self.pn)
    }
}

/// One event from `bridge.js` (the JSON it passes to the binding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BridgeEvent {
    /// The script started in a new main-frame document.
    Hello { href: String },
    /// WhatsApp Web booted (or did not): its version and every internal
    /// the bridge needs but did not find, by name.
    Boot {
        version: Option<String>,
        #[serde(default)]
        missing: Vec<String>,
        #[serde(default)]
        optional_missing: Vec<String>,
    },
    /// `Socket.state` / `hasSynced` changed; `me` once logged in.
    State {
        state: String,
        #[serde(default)]
        has_synced: bool,
        #[serde(default)]
        me: Option<Me>,
    },
    /// A new QR payload is on screen.
    Qr { payload: String },
    PairingCode { code: String },
    PairingError { message: String },
    /// `Cmd` `logout`: the session was logged out (from the phone or here).
    Logout,
    SyncProgress { progress: u32 },
    /// Something in the bridge went wrong (reported, never thrown).
    Error { message: String },
}

/// What a [`crate::Session`] reports to its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    Bridge(BridgeEvent),
    /// The browser is gone (crashed, killed or closed by the user). The
    /// session actor has ended.
    Exited { reason: String },
}

impl BridgeEvent {
    /// Parses a binding payload.
    pub fn parse(payload: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bridge_payloads() {
        let e = BridgeEvent::parse(r#"{"type":"state","state":"CONNECTED","has_synced":true,"me":{"pn":"919800000001","lid":null,"pushname":"Ravi","source":"getMaybeMePnUser"}}"#).unwrap();
        match e {
            BridgeEvent::State { state, has_synced, me: Some(me) } => {
                assert_eq!(state, "CONNECTED");
                assert!(has_synced);
                assert_eq!(me.e164(), "+919800000001");
                assert_eq!(me.wa_id(), "919800000001@c.us");
            }
            other => panic!("{other:?}"),
        }
        let b = BridgeEvent::parse(r#"{"type":"boot","version":"2.3000.1","missing":["WAWebCmd"]}"#).unwrap();
        assert_eq!(b, BridgeEvent::Boot { version: Some("2.3000.1".into()), missing: vec!["WAWebCmd".into()], optional_missing: vec![] });
        assert_eq!(BridgeEvent::parse(r#"{"type":"logout"}"#).unwrap(), BridgeEvent::Logout);
    }
}
