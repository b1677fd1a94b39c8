//! Inbound messages: stored once, linked to the person and the campaign
//! message they answer; a STOP opts the person out at once and the claim
//! skips their queued messages in every campaign. Acks move rows up only.

use flock_core::dispatch::GatewayEvent;
use flock_core::entities::{contact, inbound_message, message_event};
use flock_core::inbox::{self, InboxQuery, KeywordMatcher};
use flock_core::repo::suppressions;
use flock_wa::{InboundMessage, MessageId, WaId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::super::support::{phone, reply, wa, World};

#[tokio::test]
async fn a_stop_reply_opts_the_person_out_and_their_queued_messages_are_skipped_in_every_campaign() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let matcher = KeywordMatcher::new(&Default::default());
    let first = w.campaign("first", None, &[]).await;
    let p = phone(1);
    let sent = w.person(first, &p).await;
    w.run().await;
    let sent_row = w.message(sent).await;
    // Two campaigns already hold a message for the person, not yet sent.
    let second = w.campaign("second", None, &[]).await;
    let third = w.campaign("third", None, &[]).await;
    let q2 = w.person(second, &p).await;
    let q3 = w.person(third, &p).await;
    let other = w.person(second, &phone(2)).await;

    let stop = reply(&p, "STOP please", sent_row.wa_message_id.as_deref(), w.now());
    let stop_id = stop.id.clone();
    w.engine.on_event(GatewayEvent::Inbound { account_id: a, message: stop.clone() }, &matcher).await.unwrap();
    // The same message delivered again is stored once.
    w.engine.on_event(GatewayEvent::Inbound { account_id: a, message: stop }, &matcher).await.unwrap();
    let stored = inbound_message::Entity::find().all(w.db.conn()).await.unwrap();
    assert_eq!(stored.len(), 1);
    let s = &stored[0];
    assert_eq!(s.wa_message_id, stop_id.to_string());
    assert_eq!(s.reply_to_message_id, Some(sent), "linked to the campaign message it quotes");
    assert!(s.is_opt_out);
    let person = contact::Entity::find().filter(contact::Column::Phone.eq(p.as_str())).one(w.db.conn()).await.unwrap().unwrap();
    assert_eq!(s.contact_id, Some(person.id));
    assert!(person.first_inbound_at.is_some() && person.opted_out_at.is_some(), "wrote to us, opted out");
    assert!(suppressions::is_suppressed(w.db.conn(), Some(&p), None).await.unwrap());
    let history = suppressions::history(w.db.conn(), &suppressions::person_keys(Some(&p), None)).await.unwrap();
    assert_eq!(history[0].source, "reply");

    w.run().await;
    for id in [q2, q3] {
        let m = w.message(id).await;
        assert_eq!((m.status.as_str(), m.skip_reason.as_deref()), ("skipped", Some("opted_out")), "{m:?}");
    }
    assert_eq!(w.message(other).await.status, "sent");
    assert_eq!(w.gw.per_target().get(&wa(&p)), Some(&1), "no later message reached them");

    let listed = inbox::list(w.db.conn(), &InboxQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].campaign_id, listed[0].contact_phone.as_deref(), listed[0].is_opt_out), (Some(first), Some(p.as_str()), true));
}

/// WhatsApp Web sends to a number on the person's `@lid` chat once it knows
/// it, and their answer comes from that chat, without their number. A STOP
/// from there must still opt out the person we messaged by phone (found by
/// the e2e test: the reply made a new "phone hidden" contact instead, and the
/// number stayed reachable).
#[tokio::test]
async fn a_stop_from_the_lid_chat_a_message_went_to_opts_out_the_number_it_was_sent_to() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let matcher = KeywordMatcher::new(&Default::default());
    let p = phone(1);
    let lid = "204000000000001@lid";
    w.gw.lid_chat(&wa(&p), lid);
    let first = w.campaign("first", None, &[]).await;
    let sent = w.person(first, &p).await;
    w.run().await;
    assert_eq!(w.message(sent).await.status, "sent");
    let person = contact::Entity::find().filter(contact::Column::Phone.eq(p.as_str())).one(w.db.conn()).await.unwrap().unwrap();
    assert_eq!(person.lid.as_deref(), Some(lid), "the accepted chat taught us the person's privacy id");
    let second = w.campaign("second", None, &[]).await;
    let queued = w.person(second, &p).await;

    let stop = InboundMessage { chat: WaId::parse(lid).unwrap(), ..reply(&p, "STOP", None, w.now()) };
    w.engine.on_event(GatewayEvent::Inbound { account_id: a, message: stop }, &matcher).await.unwrap();
    let stored = inbound_message::Entity::find().one(w.db.conn()).await.unwrap().unwrap();
    assert_eq!(stored.contact_id, Some(person.id), "the reply is the messaged person's, not a new contact");
    assert_eq!(stored.reply_to_message_id, Some(sent), "linked to the campaign message it answers");
    assert!(suppressions::is_suppressed(w.db.conn(), Some(&p), None).await.unwrap(), "the number is opted out");
    assert_eq!(contact::Entity::find().all(w.db.conn()).await.unwrap().len(), 1, "no lid-only contact was made");

    w.run().await;
    let m = w.message(queued).await;
    assert_eq!((m.status.as_str(), m.skip_reason.as_deref()), ("skipped", Some("opted_out")), "{m:?}");
    assert_eq!(w.gw.ledger().len(), 1, "nothing more reached them");
}

#[tokio::test]
async fn a_reply_without_a_quote_answers_the_latest_message_our_account_sent_and_a_new_person_becomes_a_contact() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let matcher = KeywordMatcher::new(&Default::default());
    let c = w.campaign("offer", None, &[]).await;
    let p = phone(3);
    let row = w.person(c, &p).await;
    w.run().await;
    w.engine.on_event(GatewayEvent::Inbound { account_id: a, message: reply(&p, "How much?", None, w.now()) }, &matcher).await.unwrap();
    let stranger = phone(4);
    w.engine.on_event(GatewayEvent::Inbound { account_id: a, message: reply(&stranger, "Where is the bus stop?", None, w.now()) }, &matcher).await.unwrap();
    let stored = inbound_message::Entity::find().all(w.db.conn()).await.unwrap();
    let how_much = stored.iter().find(|s| s.body.as_deref() == Some("How much?")).unwrap();
    assert_eq!((how_much.reply_to_message_id, how_much.is_opt_out), (Some(row), false));
    let hi = stored.iter().find(|s| s.body.as_deref() != Some("How much?")).unwrap();
    assert_eq!((hi.reply_to_message_id, hi.is_opt_out), (None, false), "\"stop\" inside a sentence is no opt-out");
    let new = contact::Entity::find().filter(contact::Column::Phone.eq(stranger.as_str())).one(w.db.conn()).await.unwrap().unwrap();
    assert_eq!(new.first_source, "reply");
    assert_eq!(hi.contact_id, Some(new.id));
}

#[tokio::test]
async fn acks_move_a_row_up_to_read_and_keep_the_history() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let matcher = KeywordMatcher::new(&Default::default());
    let c = w.campaign("acks", None, &[]).await;
    let row = w.person(c, &phone(5)).await;
    w.run().await;
    let id = MessageId::parse(w.message(row).await.wa_message_id.as_deref().unwrap()).unwrap();
    for ack in [flock_wa::Ack::Device, flock_wa::Ack::Server, flock_wa::Ack::Read, flock_wa::Ack::Device] {
        w.engine.on_event(GatewayEvent::Ack { account_id: a, id: id.clone(), ack }, &matcher).await.unwrap();
    }
    let m = w.message(row).await;
    assert_eq!(m.status, "read", "only up");
    assert!(m.sent_at.unwrap() <= m.delivered_at.unwrap() && m.delivered_at.unwrap() <= m.read_at.unwrap());
    let acks: Vec<Option<i32>> = message_event::Entity::find()
        .filter(message_event::Column::MessageId.eq(row))
        .filter(message_event::Column::Ack.is_not_null())
        .all(w.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.ack)
        .collect();
    assert_eq!(acks, vec![Some(2), Some(1), Some(3), Some(2)], "every ack kept in the history");
    let p = w.engine.progress_of(c).await.unwrap();
    assert_eq!((p.counts.read, p.counts.sent, p.counts.pending), (1, 0, 0));
}
