//! Everything flock-wa logs, at every level, leaves out QR payloads,
//! pairing codes, phone numbers and message texts.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use flock_wa::{Content, MessageEvent, MessageId, SendOptions, SendRequest, WaId};
use tracing_subscriber::fmt::MakeWriter;

use crate::support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// flock-wa's log lines, at trace level, for the whole process.
fn capture() -> Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let c = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("flock_wa=trace"))
            .with_writer(c.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per test process");
        c
    })
    .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_qr_payload_pairing_code_phone_or_text() {
    let log = capture();
    let h = Harness::new(|_| {}).await;
    let mut s = h.link(ME).await;
    let person = WaId::from_e164(PEOPLE[0]).unwrap();
    let body = "Secret offer: 40% off mangoes";
    let req = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Text { body: body.into() } };
    s.handle.send(&req, SendOptions::default()).await.expect("sent");
    h.sim.inbound(Inbound { from: PEOPLE[0].into(), to: ME.into(), text: "Call me on 9876501234".into(), ..Default::default() }).await.unwrap();
    next_message(&mut s.messages, "the reply", |e| matches!(e, MessageEvent::Message(_)).then_some(())).await;
    // A pairing code too, on a second page.
    let other = h.start(&h.profiles.path().join("pairing")).await;
    let mut events = other.events;
    let qr = next_event(&mut events, "a QR", |e| match e {
        flock_wa::SessionEvent::Bridge(flock_wa::BridgeEvent::Qr { payload, .. }) => Some(payload.clone()),
        _ => None,
    })
    .await;
    other.handle.request_pairing_code(OTHER_ACCOUNT.trim_start_matches('+')).await.unwrap();
    let code = next_event(&mut events, "a pairing code", |e| match e {
        flock_wa::SessionEvent::Bridge(flock_wa::BridgeEvent::PairingCode { code }) => Some(code.clone()),
        _ => None,
    })
    .await;
    other.handle.close().await;

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("bridge event") && text.contains("Qr {") && text.contains("PairingCode("), "the events were logged at all:\n{text}");
    assert!(text.contains("01@c.us"), "the account's id was logged, masked:\n{text}");
    for secret in [ME.trim_start_matches('+'), OTHER_ACCOUNT.trim_start_matches('+'), PEOPLE[0].trim_start_matches('+'), body, "9876501234", &code] {
        assert!(!text.contains(secret), "{secret:?} is in the log:\n{text}");
    }
    for part in qr.split(',') {
        assert!(part.len() < 4 || !text.contains(part), "a part of the QR payload ({part}) is in the log");
    }
    h.shutdown(vec![s]).await;
}
