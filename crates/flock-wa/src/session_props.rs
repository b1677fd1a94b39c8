//! The binding's payloads are whatever the page sends: property tests of
//! `route` (the one function that reads them) over any JSON, JSON shaped
//! like each event with fields of any type, text that is not JSON, and
//! payloads of any size.
//!
//! Cases: a few thousand (`PROPTEST_CASES` overrides: `scripts/fuzz.sh`).

use std::sync::Mutex as StdMutex;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::{route, Shared, Status};
use crate::events::{BridgeEvent, MessageEvent, SessionEvent};

/// Put in every string value a test makes (never in a `type` tag or a
/// key): a log line holding it leaked content from the page.
const MARK: &str = "ZQX";

fn cases(ci: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(ci);
    Config { cases, failure_persistence: None, ..Config::default() }
}

const TYPES: &[&str] = &[
    "hello", "boot", "state", "qr", "pairing_code", "pairing_error", "logout", "sync_progress", "error", "ack", "message",
    "capabilities", "reply", "groups", "", "HELLO", "unknown_thing",
];

const FIELDS: &[&str] = &[
    "href", "version", "capabilities", "missing", "optional_missing", "state", "has_synced", "me", "pn", "lid", "pushname",
    "source", "payload", "code", "message", "progress", "id", "key", "ack", "chat", "author", "msg_type", "text", "at",
    "quoted_id", "call", "result", "features", "capability", "available", "internals", "name", "route", "required",
];

/// Strings the page might send, each marked: ids, numbers, QR-like text, any script.
fn marked_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[0-9]{6,16}(@c\\.us|@lid|@g\\.us)?",
        "(true|false)_[0-9]{8,14}@c\\.us_3EB0[0-9A-F]{10,18}",
        "3EB0[0-9A-F]{18}",
        "2@[A-Za-z0-9+/=]{20,40},[A-Za-z0-9+/=]{10},[A-Za-z0-9+/=]{10}",
        prop::sample::select(vec!["CONNECTED", "OPENING", "UNPAIRED", "name", "default", "shape-search:WAWebX", "send_text", "chat"])
            .prop_map(String::from),
    ]
    .prop_map(|s| format!("{s}{MARK}"))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        (-10i64..2_000_000_000).prop_map(Value::from),
        marked_string().prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// An object with a `type` tag and known field names holding values of any type.
fn event_like() -> impl Strategy<Value = Value> {
    (prop::sample::select(TYPES), prop::collection::vec((prop::sample::select(FIELDS), json_value()), 0..8)).prop_map(
        |(t, fields)| {
            let mut m = Map::new();
            m.insert("type".into(), Value::from(t));
            for (k, v) in fields {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        },
    )
}

/// Valid events with one field replaced by a value of another type.
fn nearly_valid() -> impl Strategy<Value = Value> {
    let valid = vec![
        json!({"type":"state","state":"CONNECTED","has_synced":true,"me":{"pn":"919800000001","lid":"55@lid","pushname":"Ravi"}}),
        json!({"type":"qr","payload":"2@abcdefghijklmnopqrstuvwxyz,AAAA,BBBB,CCCC","source":"modules"}),
        json!({"type":"message","id":"3EB0AAAAAAAAAAAAAAAAAA","key":"false_919876543210@c.us_3EB0AAAAAAAAAAAAAAAAAA","chat":"919876543210@c.us","msg_type":"chat","text":"call me","at":1700000000}),
        json!({"type":"ack","id":"3EB0AAAAAAAAAAAAAAAAAA","key":"true_919876543210@c.us_3EB0AAAAAAAAAAAAAAAAAA","ack":2}),
        json!({"type":"boot","version":"2.3000.1","missing":[],"optional_missing":["WAWebX"]}),
        json!({"type":"pairing_code","code":"ABCD1234"}),
        json!({"type":"sync_progress","progress":40}),
        json!({"type":"capabilities","capabilities":{"version":"2.3000.1","features":[]}}),
    ];
    (prop::sample::select(valid), prop::sample::select(FIELDS), json_value()).prop_map(|(mut v, field, value)| {
        v.as_object_mut().unwrap().insert(field.to_string(), value);
        v
    })
}

fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => event_like().prop_map(|v| v.to_string()),
        3 => nearly_valid().prop_map(|v| v.to_string()),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => "\\PC{0,40}".prop_map(|s| format!("{s}{MARK}")),
        // Cut in half (a payload cut short).
        1 => event_like().prop_map(|v| {
            let chars: Vec<char> = v.to_string().chars().collect();
            chars[..chars.len() / 2].iter().collect::<String>()
        }),
    ]
}

struct Harness {
    shared: Arc<Shared>,
    status: watch::Receiver<Status>,
    events: mpsc::UnboundedReceiver<SessionEvent>,
    events_tx: mpsc::UnboundedSender<SessionEvent>,
    messages: broadcast::Receiver<MessageEvent>,
}

impl Harness {
    fn new() -> Self {
        let (status_tx, status) = watch::channel(Status::default());
        let (messages_tx, messages) = broadcast::channel(64);
        let (events_tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            label: "account 1".into(),
            status: status_tx,
            messages: messages_tx,
            pending: Mutex::new(Default::default()),
            next_call: Default::default(),
        });
        Self { shared, status, events, events_tx, messages }
    }
}

/// Everything written at info level and above while `f` runs.
fn logged(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buf(Arc<StdMutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = buf.0.lock().unwrap().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Routes one payload and checks where it went.
fn check_route(payload: &str) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let value: Option<Value> = serde_json::from_str(payload).ok();
    let kind = value.as_ref().and_then(|v| v.get("type")).and_then(Value::as_str).map(str::to_string);
    let call = value.as_ref().and_then(|v| v["call"].as_u64());
    let waiting = match (kind.as_deref(), call) {
        (Some("reply"), Some(call)) => {
            let (tx, rx) = oneshot::channel();
            h.shared.pending.lock().unwrap().insert(call, tx);
            Some(rx)
        }
        _ => None,
    };
    let before = h.status.borrow().clone();
    let log = logged(|| route(&h.shared, &h.events_tx, payload));
    prop_assert!(!log.contains(MARK), "the page's content reached the log:\n{log}");
    let forwarded = h.events.try_recv().ok();
    let message = h.messages.try_recv().ok();
    prop_assert!(h.events.try_recv().is_err() && h.messages.try_recv().is_err(), "one payload, one event at most");

    match (value, kind.as_deref()) {
        (None, _) => {
            prop_assert!(forwarded.is_none() && message.is_none());
            prop_assert!(log.contains("unreadable bridge event") && log.contains(&format!("{} bytes", payload.len())), "{log}");
        }
        (Some(v), Some("reply")) => {
            prop_assert!(forwarded.is_none() && message.is_none());
            if let Some(mut rx) = waiting {
                prop_assert_eq!(rx.try_recv().ok(), Some(v["result"].clone()), "the waiting command gets the result");
            }
        }
        (Some(v), Some("ack" | "message")) => {
            prop_assert!(forwarded.is_none());
            let parsed = serde_json::from_value::<MessageEvent>(v).ok();
            prop_assert_eq!(message.is_some(), parsed.is_some());
            prop_assert_eq!(message, parsed);
        }
        (Some(v), Some("capabilities")) => {
            prop_assert!(forwarded.is_none() && message.is_none());
            let parsed = serde_json::from_value::<crate::Capabilities>(v["capabilities"].clone()).ok();
            let now = h.status.borrow().capabilities.clone();
            prop_assert_eq!(now, parsed.or(before.capabilities));
        }
        (Some(_), _) => {
            prop_assert!(message.is_none());
            let parsed = BridgeEvent::parse(payload).ok();
            match (&forwarded, &parsed) {
                (Some(SessionEvent::Bridge(got)), Some(want)) => prop_assert_eq!(got, want),
                (None, None) => prop_assert!(log.contains("unreadable bridge event"), "{log}"),
                _ => prop_assert!(false, "forwarded {:?}, parsed {:?}", forwarded, parsed),
            }
            let now = h.status.borrow().clone();
            match &parsed {
                Some(BridgeEvent::Hello { .. }) => prop_assert_eq!(now.documents, before.documents + 1),
                Some(BridgeEvent::State { state, has_synced, .. }) => {
                    prop_assert_eq!((now.state.as_ref(), now.has_synced), (Some(state), *has_synced));
                }
                Some(BridgeEvent::Boot { capabilities, .. }) => prop_assert_eq!(now.capabilities.as_ref(), Some(capabilities)),
                _ => prop_assert_eq!(now, before),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(4000))]

    /// Any payload: a readable event goes to its one place (the owner, the
    /// message stream, the waiting command, the status) exactly as parsed;
    /// an unreadable one goes nowhere and is logged with its type and size
    /// only: no string from the page ever reaches an info/warn line.
    #[test]
    fn any_payload_goes_to_its_one_place_or_is_logged_without_its_content(payload in payload()) {
        check_route(&payload)?;
    }
}

#[test]
fn huge_and_deeply_nested_payloads_are_read_or_refused_without_harm() {
    // A 16 MB QR payload is an event like any other (its Debug shows the length only).
    let qr = format!("2@{},k,k,k", "A".repeat(16 << 20));
    let big = json!({"type": "qr", "payload": qr}).to_string();
    check_route(&big).unwrap();
    let mut h = Harness::new();
    route(&h.shared, &h.events_tx, &big);
    match h.events.try_recv() {
        Ok(SessionEvent::Bridge(e @ BridgeEvent::Qr { .. })) => assert!(format!("{e:?}").len() < 100),
        other => panic!("{other:?}"),
    }
    // 100,000 levels deep: serde_json's depth limit refuses it (no stack overflow).
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    check_route(&deep).unwrap();
    let deep_event = format!("{{\"type\":\"error\",\"message\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    check_route(&deep_event).unwrap();
    // An empty payload and one of NUL bytes.
    check_route("").unwrap();
    check_route("\0\0\0").unwrap();
}
