//! Sending through an account: the AccountManager calls the dispatcher
//! uses, against the simulator (its ledger is the judge), and their typed
//! refusals.

use flock_core::accounts::{AccountError, AccountManager, AccountMessage, AccountState, LinkMethod};
use flock_wa::{Ack, Capability, Content, Lookup, MessageEvent, MessageId, SendOptions, SendRequest, WaId};
use tokio::sync::broadcast;

use super::support::*;

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
const CUSTOMER: &str = "+919811111101";

fn png(dir: &std::path::Path) -> std::path::PathBuf {
    let mut bytes = PNG.to_vec();
    bytes.resize(20_000, 7);
    let path = dir.join("offer.png");
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn ack_of(rx: &mut broadcast::Receiver<AccountMessage>, account: i64, id: &MessageId, at_least: Ack) -> Ack {
    wait_message(rx, "an ack", |m| match &m.event {
        MessageEvent::Ack { id: i, ack, .. } if m.account_id == account && i == id && *ack >= at_least => Some(*ack),
        _ => None,
    })
    .await
}

async fn wait_message<T>(
    rx: &mut broadcast::Receiver<AccountMessage>,
    what: &str,
    mut f: impl FnMut(&AccountMessage) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(m)) => {
                if let Some(v) = f(&m) {
                    return v;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(e)) => panic!("message stream ended waiting for {what}: {e}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

async fn linked(h: &Harness, name: &str, phone: &str) -> i64 {
    let a = h.manager.add(name).await.unwrap();
    h.link_by_qr(&h.manager, a.id, phone).await;
    a.id
}

#[tokio::test]
async fn an_account_sends_once_reports_ticks_checks_numbers_and_finds_its_messages() {
    let h = Harness::new(|_| {}).await;
    let id = linked(&h, "Sales 1", PHONES[0]).await;
    let view = h.manager.get(id).await.unwrap();
    let caps = view.capabilities.expect("capabilities in the view");
    assert!(caps.available.contains(&Capability::SendText) && caps.missing.is_empty(), "{caps:?}");

    let mut messages = h.manager.messages();
    let req = SendRequest { id: MessageId::new(), target: WaId::from_e164(CUSTOMER).unwrap(), content: Content::Text { body: "Mango offer".into() } };
    let accepted = h.manager.send(id, &req, SendOptions::default()).await.unwrap();
    assert_eq!(accepted.id, req.id);
    assert_eq!(ack_of(&mut messages, id, &req.id, Ack::Read).await, Ack::Read);
    let ledger: Vec<_> = h.sim.ledger().await.into_iter().filter(|e| e.id == req.id.as_str()).collect();
    assert_eq!(ledger.len(), 1, "exactly once: {ledger:?}");
    assert_eq!((ledger[0].from.as_str(), ledger[0].text.as_deref()), (PHONES[0], Some("Mango offer")));

    // The same id again is not sent twice.
    let _ = h.manager.send(id, &req, SendOptions::default()).await;
    assert_eq!(h.sim.ledger().await.iter().filter(|e| e.id == req.id.as_str()).count(), 1);

    // Looked up by id: found, with its ack; an id never sent: not found.
    match h.manager.lookup(id, &req.id, Some(&req.target)).await.unwrap() {
        Lookup::Found { ack, .. } => assert!(ack.reached_server(), "{ack:?}"),
        other => panic!("{other:?}"),
    }
    let never = MessageId::new();
    assert!(matches!(h.manager.lookup(id, &never, Some(&req.target)).await.unwrap(), Lookup::NotFound { .. }));

    let found = h.manager.exists(id, &WaId::from_e164(CUSTOMER).unwrap()).await.unwrap();
    assert_eq!(found.map(|w| w.to_string()), Some("919811111101@c.us".to_string()));

    // An inbound reply arrives on the same channel, with the account's id.
    h.sim
        .inbound(flock_sim::Inbound { from: CUSTOMER.into(), to: PHONES[0].into(), text: "Yes please".into(), ..Default::default() })
        .await
        .unwrap();
    let text = wait_message(&mut messages, "the reply", |m| match &m.event {
        MessageEvent::Message(msg) if m.account_id == id => msg.text.clone(),
        _ => None,
    })
    .await;
    assert_eq!(text, "Yes please");

    // A one-shot command brings just this account back to send through it;
    // a data folder without its profile cannot.
    h.manager.shutdown().await;
    let m = h.restart_manager();
    m.restore(id).await.unwrap();
    wait_for(&m, "the restored session", || async {
        let v = m.get(id).await.ok()?;
        (v.state == AccountState::Active && v.running).then_some(())
    })
    .await;
    m.send(id, &SendRequest { id: MessageId::new(), ..req.clone() }, SendOptions::default()).await.unwrap();
    m.shutdown().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let ws2 = AccountManager::new(h.db.clone(), flock_core::paths::DataPaths::new(elsewhere.path()), settings(&h.sim, h.home.path()));
    assert!(matches!(ws2.restore(id).await, Err(AccountError::NotHeld { .. })));
    h.shutdown().await;
}

#[tokio::test]
async fn a_send_is_refused_typed_when_the_account_cannot_make_it() {
    let h = Harness::new(|c| c.omit_modules = vec!["WAWebPrepRawMedia".into()]).await;
    let files = tempfile::tempdir().unwrap();
    let id = linked(&h, "Sales 1", PHONES[0]).await;
    let target = WaId::from_e164(CUSTOMER).unwrap();

    // Media is switched off, named in the view; text still goes.
    let caps = h.manager.get(id).await.unwrap().capabilities.expect("capabilities");
    let media = caps.missing.iter().find(|m| m.capability == Capability::SendMedia).expect("media missing");
    assert_eq!(media.internals, vec!["WAWebPrepRawMedia".to_string()]);
    assert!(media.reason.starts_with("Media sending unavailable: WhatsApp Web") && media.reason.ends_with("lacks WAWebPrepRawMedia"), "{}", media.reason);
    let image = SendRequest {
        id: MessageId::new(),
        target: target.clone(),
        content: Content::Image { path: png(files.path()), caption: Some("Offer".into()) },
    };
    let err = h.manager.send(id, &image, SendOptions::default()).await.unwrap_err();
    assert!(matches!(&err, AccountError::Capability { source, .. } if source.capability == Capability::SendMedia), "{err:?}");
    assert!(err.to_string().contains("lacks WAWebPrepRawMedia"), "{err}");
    assert!(h.sim.ledger().await.iter().all(|e| e.id != image.id.as_str()), "never attempted");
    let text = SendRequest { id: MessageId::new(), target: target.clone(), content: Content::Text { body: "Hello".into() } };
    h.manager.send(id, &text, SendOptions::default()).await.unwrap();

    // An account that is not active (here: never linked) is refused.
    let other = h.manager.add("Sales 2").await.unwrap();
    let err = h.manager.send(other.id, &text, SendOptions::default()).await.unwrap_err();
    assert!(matches!(err, AccountError::NotActive { ref state, .. } if state == "new"), "{err:?}");
    // Nor while it is linking.
    let mut events = h.manager.subscribe();
    h.manager.link(other.id, LinkMethod::Qr).await.unwrap();
    next_qr(&mut events, other.id).await;
    let err = h.manager.exists(other.id, &target).await.unwrap_err();
    assert!(matches!(err, AccountError::NotActive { ref state, .. } if state == "waiting_for_scan"), "{err:?}");
    assert_eq!(h.manager.get(other.id).await.unwrap().state, AccountState::WaitingForScan);
    h.shutdown().await;
}
