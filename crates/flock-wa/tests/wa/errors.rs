//! Typed refusals: each says what is wrong, and whether the message
//! certainly did not go out; the ledger shows nothing was accepted.

use std::time::Duration;

use flock_wa::{Certainty, Content, MediaKind, MessageId, SendError, SendOptions, SendRequest, WaId};

use crate::support::*;

fn text(target: WaId, body: &str) -> SendRequest {
    SendRequest { id: MessageId::new(), target, content: Content::Text { body: body.into() } }
}

fn user(phone: &str) -> WaId {
    WaId::from_e164(phone).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_typed_and_nothing_is_accepted() {
    let not_on_wa = "+919822222201";
    let h = Harness::new(|c| {
        c.not_on_whatsapp = vec![not_on_wa.into()];
        c.upload_limits_mb.image = 1;
    })
    .await;
    let left = h
        .sim
        .add_group(NewGroup { subject: "Erode Turmeric Growers".into(), participants: vec![PEOPLE[0].into()], members_of: vec![ME.into()], ..Default::default() })
        .await
        .unwrap();
    let announce = h
        .sim
        .add_group(NewGroup {
            subject: "Namakkal Poultry Farmers (news)".into(),
            participants: vec![PEOPLE[1].into()],
            admins: vec![PEOPLE[1].into()],
            members_of: vec![ME.into()],
            announce: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let s = h.link(ME).await;
    let opts = SendOptions::default();

    // Not on WhatsApp (and the existence check says so too).
    assert_eq!(s.handle.exists(&user(not_on_wa)).await.unwrap(), None);
    assert_eq!(s.handle.exists(&user(PEOPLE[0])).await.unwrap(), Some(user(PEOPLE[0])));
    let r = text(user(not_on_wa), "hello");
    match s.handle.send(&r, opts).await {
        Err(e @ SendError::NotOnWhatsApp { .. }) => assert_eq!(e.certainty(), Certainty::NotSent),
        other => panic!("not on WhatsApp: {other:?}"),
    }

    // A group the account left.
    let group = WaId::parse(&left.id).unwrap();
    h.sim.patch_group(&left.id, flock_sim::GroupPatch { remove: vec![ME.into()], ..Default::default() }).await.unwrap();
    eventually("the page sees the account leave", || async {
        let groups = s.handle.groups().await.ok()?;
        (!groups.iter().any(|g| g.id == group && g.i_am_member)).then_some(())
    })
    .await;
    match s.handle.send(&text(group.clone(), "hello group"), opts).await {
        Err(SendError::NotParticipant { group: g }) => assert_eq!(g, group),
        other => panic!("left group: {other:?}"),
    }

    // An admins-only group where the account is not an admin.
    let news = WaId::parse(&announce.id).unwrap();
    match s.handle.send(&text(news.clone(), "hello news"), opts).await {
        Err(SendError::AdminsOnly { group: g }) => assert_eq!(g, news),
        other => panic!("admins-only group: {other:?}"),
    }

    // Oversized (the page's own limit: 1 MB images here) and wrong type.
    let big = h.file("big.png", PNG, 2 * 1024 * 1024);
    match s.handle.send(&SendRequest { id: MessageId::new(), target: user(PEOPLE[0]), content: Content::Image { path: big.clone(), caption: None } }, opts).await {
        Err(SendError::FileTooLarge { path, kind: MediaKind::Image, size, limit }) => {
            assert_eq!((path, size, limit), (big, 2 * 1024 * 1024, 1024 * 1024), "the page's figure is the limit");
        }
        other => panic!("oversized: {other:?}"),
    }
    let exe = h.file("photo.jpg", EXE, 50_000);
    match s.handle.send(&SendRequest { id: MessageId::new(), target: user(PEOPLE[0]), content: Content::Image { path: exe, caption: None } }, opts).await {
        Err(e @ SendError::WrongFileType { .. }) => assert!(e.to_string().contains("portable-executable"), "{e}"),
        other => panic!("wrong type: {other:?}"),
    }

    // The reachout timelock (463): first messages to new contacts refused.
    h.sim.restrict_for(ME, 600).await.unwrap();
    let r = text(user(PEOPLE[3]), "first contact");
    match s.handle.send(&r, opts).await {
        Err(SendError::ReachoutTimelocked { until }) => {
            let until = until.expect("the page knows when it ends");
            let left = until - chrono::Utc::now();
            assert!(left > chrono::Duration::minutes(5) && left <= chrono::Duration::minutes(11), "{until}");
        }
        other => panic!("timelocked: {other:?}"),
    }
    let lock = s.handle.timelock().await.unwrap();
    assert!(lock.active && lock.until.is_some(), "{lock:?}");
    h.sim.phone_event(ME, PhoneEvent::Unrestrict).await.unwrap();

    // Offline past the deadline: nothing sent, and said so.
    h.sim.phone_event(ME, PhoneEvent::Offline).await.unwrap();
    let r = text(user(PEOPLE[0]), "while offline");
    let started = std::time::Instant::now();
    match s.handle.send(&r, SendOptions { connect_deadline: Duration::from_secs(3), ..opts }).await {
        Err(e @ SendError::NotConnected { .. }) => assert_eq!(e.certainty(), Certainty::NotSent),
        other => panic!("offline: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    h.sim.phone_event(ME, PhoneEvent::Online).await.unwrap();
    s.handle.wait_ready(LONG).await.expect("back online");

    assert!(h.sim.ledger_accepted().await.is_empty(), "nothing was accepted: {:?}", h.sim.ledger_accepted().await);
    h.shutdown(vec![s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_upload_gives_up_before_the_message_exists() {
    let h = Harness::new(|c| c.upload_hang = true).await;
    let s = h.link(ME).await;
    let image = h.file("stuck.png", PNG, 100_000);
    let r = SendRequest { id: MessageId::new(), target: user(PEOPLE[0]), content: Content::Image { path: image, caption: None } };
    let opts = SendOptions { upload_deadline: Duration::from_secs(3), ..SendOptions::default() };
    match s.handle.send(&r, opts).await {
        Err(e @ SendError::UploadStalled { .. }) => assert_eq!(e.certainty(), Certainty::NotSent),
        other => panic!("upload hang: {other:?}"),
    }
    // Text still goes while media hangs: a stalled upload blocks nothing else.
    let t = text(user(PEOPLE[1]), "text still works");
    s.handle.send(&t, SendOptions::default()).await.expect("text accepted");
    assert!(h.ledger_of(&r.id).await.is_empty(), "the stalled image never became a message");
    assert_eq!(h.ledger_of(&t.id).await.len(), 1);
    h.shutdown(vec![s]).await;
}
