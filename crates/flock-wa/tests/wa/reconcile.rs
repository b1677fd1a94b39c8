//! After a crash the dispatcher asks the session whether an id it stored
//! was sent: found (with its ack) or not found after searching history.

use flock_wa::{Ack, Content, Lookup, MessageId, SendOptions, SendRequest, SessionEvent, WaId};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_before_a_kill_is_found_by_id_and_a_never_sent_id_is_not() {
    // Only the newest message of each chat is loaded after a restart; the
    // rest is in the local history.
    let h = Harness::new(|c| c.loaded_msgs_per_chat = 1).await;
    // Linked earlier (the browser wrote its login to disk on a clean
    // close), then started again: the everyday case a crash hits.
    let linked = h.link(ME).await;
    linked.handle.close().await;
    let mut s = h.start(&linked.profile).await;
    s.handle.wait_ready(LONG).await.expect("restored after a clean close");
    let person = WaId::from_e164(PEOPLE[0]).unwrap();
    let first = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Text { body: "first".into() } };
    let second = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Text { body: "second".into() } };
    s.handle.send(&first, SendOptions::default()).await.expect("first accepted");
    s.handle.send(&second, SendOptions::default()).await.expect("second accepted");
    eventually("the server delivered the first", || async {
        h.ledger_of(&first.id).await.first().filter(|e| e.ack >= 2).map(|_| ())
    })
    .await;

    // Kill the browser outright (SIGKILL), as a crash would.
    let pid = s.handle.pid().expect("pid") as i32;
    // SAFETY: kill(2) on the browser we started.
    assert_eq!(unsafe { libc_kill(pid) }, 0);
    next_event(&mut s.events, "the browser's death", |e| matches!(e, SessionEvent::Exited { .. }).then_some(())).await;

    // The same profile: logged in again without a QR.
    let s2 = h.start(&s.profile).await;
    s2.handle.wait_ready(LONG).await.expect("restored");
    match s2.handle.lookup(&first.id, Some(&person)).await.expect("lookup") {
        Lookup::Found { ack, key, chat } => {
            assert!(ack >= Ack::Device, "it reached the phone: {ack:?}");
            assert!(key.ends_with(first.id.as_str()));
            assert!(chat == person || chat.is_lid(), "{chat:?}");
        }
        other => panic!("the first message is found: {other:?}"),
    }
    assert!(matches!(s2.handle.lookup(&second.id, Some(&person)).await.unwrap(), Lookup::Found { .. }));
    // Without knowing the chat: every chat's local history is searched.
    match s2.handle.lookup(&first.id, None).await.expect("lookup") {
        Lookup::Found { key, .. } => assert!(key.ends_with(first.id.as_str())),
        other => panic!("found through the local history: {other:?}"),
    }
    match s2.handle.lookup(&MessageId::new(), Some(&person)).await.expect("lookup") {
        Lookup::NotFound { .. } => {}
        other => panic!("a never-sent id is not found: {other:?}"),
    }
    assert_eq!(h.ledger_of(&first.id).await.len(), 1, "looking up never sends");
    h.shutdown(vec![s2]).await;
}

/// SIGKILL without a libc dependency in the test crate.
unsafe fn libc_kill(pid: i32) -> i32 {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    kill(pid, 9)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_killed_mid_send_leaves_the_outcome_unknown() {
    use flock_wa::{Certainty, SendError};
    use std::time::Duration;
    // The upload never answers, so the send is still in the page when the
    // browser dies.
    let h = Harness::new(|c| c.upload_hang = true).await;
    let s = h.link(ME).await;
    let image = h.file("stuck.png", crate::support::PNG, 100_000);
    let req = SendRequest { id: MessageId::new(), target: WaId::from_e164(PEOPLE[0]).unwrap(), content: Content::Image { path: image, caption: None } };
    let sender = s.handle.clone();
    let opts = SendOptions { upload_deadline: Duration::from_secs(90), ..SendOptions::default() };
    let r = req.clone();
    let send = tokio::spawn(async move { sender.send(&r, opts).await });
    // The file is in the page and the send has started.
    eventually("the file handed to the page", || async {
        let info = s.handle.bridge_info().await.ok()?;
        (info["media"] == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = s.handle.pid().expect("pid") as i32;
    // SAFETY: kill(2) on the browser we started.
    assert_eq!(unsafe { libc_kill(pid) }, 0);
    match tokio::time::timeout(LONG, send).await.expect("the send returns").expect("no panic") {
        Err(e @ SendError::OutcomeUnknown { .. }) => assert_eq!(e.certainty(), Certainty::Unknown),
        Ok(a) => panic!("nothing could be accepted: {a:?}"),
        Err(other) => panic!("a send cut short is unknown, not {other:?}"),
    }
    assert!(h.ledger_of(&req.id).await.is_empty());
    h.shutdown(vec![]).await;
}
