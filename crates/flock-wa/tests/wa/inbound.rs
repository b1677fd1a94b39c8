//! Replies arrive once, pushed by the page: not the status broadcasts, and
//! not again when the page reloads and loads its history.

use flock_wa::{Content, InboundMessage, MessageEvent, MessageId, SendOptions, SendRequest, SocketState, WaId};

use crate::support::*;

fn inbound_of<'a>(e: &'a MessageEvent) -> Option<&'a InboundMessage> {
    match e {
        MessageEvent::Message(m) => Some(m),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_arrives_once_also_after_a_reload() {
    let h = Harness::new(|_| {}).await;
    let group = h
        .sim
        .add_group(NewGroup { subject: "Salem Mango Growers".into(), participants: vec![PEOPLE[1].into()], members_of: vec![ME.into()], ..Default::default() })
        .await
        .unwrap();
    let mut s = h.link(ME).await;
    let person = WaId::from_e164(PEOPLE[0]).unwrap();
    let offer = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Text { body: "Mangoes at 80/kg".into() } };
    s.handle.send(&offer, SendOptions::default()).await.expect("sent");

    // A status update first: never reported.
    h.sim.inbound(Inbound { from: PEOPLE[0].into(), to: ME.into(), text: "my status".into(), status: true, ..Default::default() }).await.unwrap();
    let reply = h
        .sim
        .inbound(Inbound { from: PEOPLE[0].into(), to: ME.into(), text: "STOP".into(), quoted: Some(offer.id.to_string()), ..Default::default() })
        .await
        .unwrap();
    let m = next_message(&mut s.messages, "the reply", |e| inbound_of(e).cloned()).await;
    assert_eq!(m.id.as_str(), reply.id, "the status update was not reported; the reply was, first");
    assert_eq!(m.text.as_deref(), Some("STOP"));
    assert_eq!(m.kind, "chat");
    assert_eq!(m.quoted_id.as_ref(), Some(&offer.id), "the reply names the message it answers");
    assert_eq!(m.author, None);
    assert!(m.chat == person || m.chat.is_lid(), "{:?}", m.chat);

    // A message in a group carries its author.
    let g = h
        .sim
        .inbound(Inbound { from: PEOPLE[1].into(), to: ME.into(), text: "Price today?".into(), group: Some(group.id.clone()), ..Default::default() })
        .await
        .unwrap();
    let gm = next_message(&mut s.messages, "the group message", |e| inbound_of(e).cloned()).await;
    assert_eq!(gm.id.as_str(), g.id);
    assert_eq!(gm.chat, WaId::parse(&group.id).unwrap());
    assert!(gm.author.is_some(), "a group message names its sender");

    // Reload: the history comes back, the replies are not reported again.
    let session = eventually("the page's simulator session", || async {
        h.sim.sessions().await.into_iter().find(|x| x.phone.as_deref() == Some(ME)).map(|x| x.id)
    })
    .await;
    let documents = s.handle.status().documents;
    h.sim.reload_session(session).await.unwrap();
    let mut status = s.handle.watch_status();
    tokio::time::timeout(LONG, status.wait_for(|st| st.documents > documents && st.ready())).await.expect("reloaded in time").expect("status");
    assert_eq!(s.handle.status().state, Some(SocketState::Connected));
    let later = h.sim.inbound(Inbound { from: PEOPLE[2].into(), to: ME.into(), text: "after the reload".into(), ..Default::default() }).await.unwrap();
    let next = next_message(&mut s.messages, "the message after the reload", |e| inbound_of(e).cloned()).await;
    assert_eq!(next.id.as_str(), later.id, "nothing replayed before it");
    assert_eq!(next.text.as_deref(), Some("after the reload"));
    h.shutdown(vec![s]).await;
}
