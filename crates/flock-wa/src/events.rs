//! What a session reports: events pushed by the bridge script through the
//! CDP binding, and the browser's death. Values are typed; `Debug` never
//! prints a QR payload, a pairing code, a phone number or a message text.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::capability::Capabilities;
use crate::ids::{MessageId, WaId};
use crate::send::Ack;
use crate::state::SocketState;

/// Who the logged-in account is, as read from the session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The account's own user id (`<digits>@c.us`); the bridge sends the digits.
    #[serde(rename = "pn", with = "user_digits")]
    pub id: WaId,
    /// The privacy id (`…@lid`), when known.
    #[serde(default, deserialize_with = "lenient_wa_id")]
    pub lid: Option<WaId>,
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
        self.id.e164().unwrap_or_default()
    }

    /// `<digits>@c.us`, as text.
    pub fn wa_id(&self) -> String {
        self.id.to_string()
    }
}

impl fmt::Debug for Me {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Me").field("id", &self.id).field("lid", &self.lid).field("source", &self.source).finish_non_exhaustive()
    }
}

mod user_digits {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::ids::WaId;

    pub fn serialize<S: Serializer>(v: &WaId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.user_part())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<WaId, D::Error> {
        let digits = String::deserialize(d)?;
        WaId::parse(&format!("{digits}@c.us")).map_err(serde::de::Error::custom)
    }
}

/// An id the page reports that may be absent or of a kind we do not use
/// (e.g. `status@broadcast`): `None` then, never an error for the event.
fn lenient_wa_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<WaId>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.and_then(|s| WaId::parse(&s).ok()))
}

fn lenient_message_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<MessageId>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.and_then(|s| MessageId::parse(&s).ok()))
}

/// Where the QR payload came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QrSource {
    /// Built like whatsapp-web.js: `Conn.ref` and the keys from the modules.
    Modules,
    /// The `data-ref` attribute around the QR canvas (the DOM fallback).
    DataRef,
}

/// A new message someone else wrote (a reply, or a message in a group).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub id: MessageId,
    /// Serialized key.
    pub key: String,
    pub chat: WaId,
    /// The sender in a group (often `@lid`).
    #[serde(default, deserialize_with = "lenient_wa_id")]
    pub author: Option<WaId>,
    /// WhatsApp's type: `chat`, `image`, `video`, `audio`, `ptt`, `document`, ...
    /// (`msg_type` in the bridge's JSON: `type` is the event's tag).
    #[serde(rename = "msg_type")]
    pub kind: String,
    /// The text, or a media message's caption.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    /// The message this one answers, when it quotes one.
    #[serde(default, deserialize_with = "lenient_message_id")]
    pub quoted_id: Option<MessageId>,
}

impl fmt::Debug for InboundMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundMessage")
            .field("id", &self.id)
            .field("chat", &self.chat)
            .field("author", &self.author)
            .field("kind", &self.kind)
            .field("text", &self.text.as_ref().map(|t| format!("{} chars", t.chars().count())))
            .field("at", &self.at)
            .field("quoted_id", &self.quoted_id)
            .finish()
    }
}

/// One event from `bridge.js` (the JSON it passes to the binding).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BridgeEvent {
    /// The script started in a new main-frame document.
    Hello { href: String },
    /// WhatsApp Web booted: its version and every feature with the
    /// internals behind it. `missing` lists the internals whose absence
    /// makes login impossible (the account fails); `optional_missing` all
    /// others not found (those features are switched off).
    Boot {
        version: Option<String>,
        #[serde(default)]
        capabilities: Capabilities,
        #[serde(default)]
        missing: Vec<String>,
        #[serde(default)]
        optional_missing: Vec<String>,
    },
    /// `Socket.state` / `hasSynced` changed; `me` once logged in.
    State {
        state: SocketState,
        #[serde(default)]
        has_synced: bool,
        #[serde(default)]
        me: Option<Me>,
    },
    /// A new QR payload to show.
    Qr {
        payload: String,
        #[serde(default = "data_ref")]
        source: QrSource,
    },
    PairingCode { code: String },
    PairingError { message: String },
    /// `Cmd` `logout`: the session was logged out (from the phone or here).
    Logout,
    SyncProgress { progress: u32 },
    /// Something in the bridge went wrong (reported, never thrown).
    Error { message: String },
}

/// What happens to messages: acks of the account's own, and new ones from
/// others. Delivered on [`crate::SessionHandle::messages`] (a broadcast: a
/// receiver that falls behind loses the oldest; reconcile with
/// [`crate::SessionHandle::lookup`]).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageEvent {
    /// The ack of a message this account sent changed.
    Ack { id: MessageId, key: String, ack: Ack },
    /// A new message from someone else (never a status broadcast, never a
    /// history message replayed after a reload).
    Message(InboundMessage),
}

impl fmt::Debug for MessageEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageEvent::Ack { id, ack, .. } => write!(f, "Ack {{ {id}, {ack:?} }}"),
            MessageEvent::Message(m) => write!(f, "{m:?}"),
        }
    }
}

fn data_ref() -> QrSource {
    QrSource::DataRef
}

impl fmt::Debug for BridgeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeEvent::Hello { href } => write!(f, "Hello({href})"),
            BridgeEvent::Boot { version, capabilities, missing, .. } => {
                let off: Vec<&str> = capabilities.features.iter().filter(|c| !c.available).map(|c| c.capability.as_str()).collect();
                write!(f, "Boot {{ version: {version:?}, unavailable: {off:?}, login_missing: {missing:?} }}")
            }
            BridgeEvent::State { state, has_synced, me } => write!(f, "State {{ {state}, synced: {has_synced}, me: {me:?} }}"),
            BridgeEvent::Qr { payload, source } => write!(f, "Qr {{ <{} chars>, {source:?} }}", payload.len()),
            BridgeEvent::PairingCode { .. } => write!(f, "PairingCode(<hidden>)"),
            BridgeEvent::PairingError { message } => write!(f, "PairingError({message})"),
            BridgeEvent::Logout => write!(f, "Logout"),
            BridgeEvent::SyncProgress { progress } => write!(f, "SyncProgress({progress})"),
            BridgeEvent::Error { message } => write!(f, "Error({message})"),
        }
    }
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

/// A binding payload that could not be read, for a log line: its type and
/// length only (it may hold a QR payload or a phone number).
pub(crate) fn describe_unreadable(payload: &str) -> String {
    let kind = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!("type {kind}, {} bytes", payload.len())
}

/// What kind of JSON value the page gave (for an error that must not quote it).
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A serde error about a payload from the page, for a log line or an error
/// message: what was wrong and where, without the value it quotes. serde
/// quotes the string, number or variant that had the wrong type or value,
/// and that may be a message text or a phone number; the field names and
/// what was expected come from our types and stay.
pub(crate) fn describe_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match (text.find('"'), text.rfind('"')) {
        (Some(a), Some(b)) if b > a => format!("{}<{} chars>{}", &text[..a], text[a + 1..b].chars().count(), &text[b + 1..]),
        _ => text,
    };
    // The last ", expected ": what is expected comes from our types; the
    // value before it may itself hold that text, or backticks.
    let (head, tail) = text.split_at(text.rfind(", expected ").unwrap_or(text.len()));
    if head.contains(" field `") {
        return text;
    }
    // serde quotes one value in the head: everything from its first backtick
    // to its last is that value (a value with backticks in it stays inside).
    match (head.find('`'), head.rfind('`')) {
        (Some(a), Some(b)) if b > a => format!("{}<value>{}{}", &head[..a], &head[b + 1..], tail),
        (Some(a), _) => format!("{}<value>{}", &head[..a], tail),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the property test in CI: a variant holding a backtick (or
    /// serde's own ", expected ") kept part of the value in the log line.
    #[test]
    fn an_error_never_quotes_the_value_whatever_it_holds() {
        for payload in [r#"["`ZQX"]"#, r#"{"type":"a, expected ZQX"}"#, r#"{"type":"`ZQX`, expected `b"}"#, r#"{"type":"x``ZQX"}"#] {
            let e = serde_json::from_str::<BridgeEvent>(payload).unwrap_err();
            let said = describe_error(&e);
            assert!(!said.contains("ZQX"), "{payload}: {said}");
            assert!(said.contains("expected") || said.contains("invalid"), "{payload}: {said}");
        }
    }

    #[test]
    fn parses_bridge_payloads() {
        let e = BridgeEvent::parse(r#"{"type":"state","state":"CONNECTED","has_synced":true,"me":{"pn":"919800000001","lid":"55@lid","pushname":"Ravi","source":"getMaybeMePnUser"}}"#).unwrap();
        match &e {
            BridgeEvent::State { state: SocketState::Connected, has_synced: true, me: Some(me) } => {
                assert_eq!(me.e164(), "+919800000001");
                assert_eq!(me.wa_id(), "919800000001@c.us");
                assert_eq!(me.lid, Some(WaId::Lid("55".into())));
            }
            other => panic!("{other:?}"),
        }
        let dbg = format!("{e:?}");
        assert!(!dbg.contains("98000000") && !dbg.contains("Ravi"), "{dbg}");
        let b = BridgeEvent::parse(r#"{"type":"boot","version":"2.3000.1","missing":["WAWebSocketModel"]}"#).unwrap();
        assert!(matches!(b, BridgeEvent::Boot { ref missing, .. } if missing == &["WAWebSocketModel"]));
        assert_eq!(BridgeEvent::parse(r#"{"type":"logout"}"#).unwrap(), BridgeEvent::Logout);
        let s = BridgeEvent::parse(r#"{"type":"state","state":"SOMETHING_NEW"}"#).unwrap();
        assert!(matches!(s, BridgeEvent::State { state: SocketState::Other(ref x), .. } if x == "SOMETHING_NEW"));
    }

    #[test]
    fn parse_errors_name_the_field_not_the_value() {
        let e = serde_json::from_str::<MessageEvent>(r#"{"type":"message","id":"3EB0AAAAAAAAAAAAAAAAAA","key":"k","chat":"1@g.us","msg_type":"chat","at":"call me at 9876543210"}"#).unwrap_err();
        let d = describe_error(&e);
        assert!(!d.contains("call me") && !d.contains("9876543210") && d.contains(" chars>"), "{d}");
        let e = serde_json::from_str::<BridgeEvent>(r#"{"type":"sync_progress","progress":919876543210}"#).unwrap_err();
        let d = describe_error(&e);
        assert!(!d.contains("919876543210") && d.contains("expected u32"), "{d}");
        let e = serde_json::from_str::<BridgeEvent>(r#"{"type":"qr","payload":"x","source":"secret \"quoted\" text"}"#).unwrap_err();
        let d = describe_error(&e);
        assert!(!d.contains("secret") && !d.contains("quoted") && d.contains("expected `modules` or `data-ref`"), "{d}");
        let e = serde_json::from_str::<BridgeEvent>(r#"{"type":"pairing_code"}"#).unwrap_err();
        assert!(describe_error(&e).starts_with("missing field `code`"), "{}", describe_error(&e));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let q = BridgeEvent::parse(r#"{"type":"qr","payload":"2@secretref,noise,ident,adv,1","source":"modules"}"#).unwrap();
        assert!(matches!(q, BridgeEvent::Qr { source: QrSource::Modules, .. }));
        assert!(!format!("{q:?}").contains("secret"));
        let p = BridgeEvent::PairingCode { code: "ABCD1234".into() };
        assert!(!format!("{p:?}").contains("ABCD"));
        let m = serde_json::from_str::<MessageEvent>(r#"{"type":"message","id":"3EB0AAAAAAAAAAAAAAAAAA","key":"false_919876543210@c.us_3EB0AAAAAAAAAAAAAAAAAA","chat":"919876543210@c.us","author":null,"msg_type":"chat","text":"call me","at":1700000000,"quoted_id":"bad id!"}"#).unwrap();
        match &m {
            MessageEvent::Message(msg) => {
                assert_eq!(msg.kind, "chat");
                assert_eq!(msg.text.as_deref(), Some("call me"));
                assert_eq!(msg.quoted_id, None, "an unreadable quoted id is dropped, not an error");
                assert_eq!(msg.at.timestamp(), 1_700_000_000);
            }
            other => panic!("{other:?}"),
        }
        let dbg = format!("{m:?}");
        assert!(!dbg.contains("call me") && !dbg.contains("98765"), "{dbg}");
        let a = serde_json::from_str::<MessageEvent>(r#"{"type":"ack","id":"3EB0AAAAAAAAAAAAAAAAAA","key":"true_919876543210@c.us_3EB0AAAAAAAAAAAAAAAAAA","ack":2}"#).unwrap();
        assert!(!format!("{a:?}").contains("98765"));
    }
}
