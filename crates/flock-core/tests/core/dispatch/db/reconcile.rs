//! A row found `sending` is looked up in its own account's session, never
//! sent again blindly and never moved to another account.

use chrono::Duration;
use flock_core::accounts::AccountState;
use flock_core::entities::message;
use flock_wa::MessageId;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use super::super::fake::Script;
use super::super::support::{phone, wa, World};

/// Leaves row `id` as a crashed dispatcher would: `sending` on `account`
/// with its message id stored.
async fn crashed_mid_send(w: &World, id: i64, account: i64) -> String {
    let wa_id = MessageId::new().to_string();
    let m = message::Entity::find_by_id(id).one(w.db.conn()).await.unwrap().unwrap();
    let mut m: message::ActiveModel = m.into();
    m.status = Set("sending".into());
    m.account_id = Set(Some(account));
    m.wa_message_id = Set(Some(wa_id.clone()));
    m.claimed_by = Set(Some("crashed".into()));
    m.claimed_at = Set(Some(w.now() - Duration::seconds(30)));
    m.update(w.db.conn()).await.unwrap();
    wa_id
}

#[tokio::test]
async fn rows_left_sending_by_a_crash_are_reconciled_by_lookup() {
    let w = World::new(3).await;
    let (a, b, x) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let c = w.campaign("crash", None, &[]).await;
    let (p1, p2, p3) = (phone(1), phone(2), phone(3));
    let went = w.person(c, &p1).await;
    let lost = w.person(c, &p2).await;
    let parked = w.person(c, &p3).await;
    let went_id = crashed_mid_send(&w, went, a).await;
    crashed_mid_send(&w, lost, b).await;
    let parked_id = crashed_mid_send(&w, parked, x).await;
    // The first reached WhatsApp before the crash; the second did not.
    w.gw.already_sent(a, &went_id, &wa(&p1));
    // Account x's session does not run here (yet).
    w.gw.set_session(x, AccountState::Active, false);
    w.run().await;

    let m = w.message(went).await;
    assert_eq!((m.status.as_str(), m.attempts, m.account_id), ("sent", 0, Some(a)));
    assert_eq!(m.wa_message_id.as_deref(), Some(went_id.as_str()));
    let m = w.message(lost).await;
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 1), "not found: pending again, attempt counted, then sent");
    let m = w.message(parked).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sending", Some(x)), "never moved to another account");
    assert!(w.gw.lookups().iter().all(|(acc, _)| *acc != x));
    let per_target = w.gw.per_target();
    assert_eq!((per_target.get(&wa(&p1)), per_target.get(&wa(&p2)), per_target.get(&wa(&p3))), (Some(&1), Some(&1), None));
    // Lookups went to each row's own account.
    assert!(w.gw.lookups().contains(&(a, went_id.clone())));

    // Account x comes back: its row is looked up there, found absent, sent once.
    w.gw.set_session(x, AccountState::Active, true);
    w.run().await;
    assert!(w.gw.lookups().contains(&(x, parked_id)));
    let m = w.message(parked).await;
    assert_eq!(m.status, "sent");
    assert_eq!(w.gw.per_target().get(&wa(&p3)), Some(&1));
    assert_eq!(w.campaign_status(c).await.0, "completed");
}

#[tokio::test]
async fn an_unknown_outcome_is_looked_up_never_resent() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let c = w.campaign("unknown", None, &[]).await;
    let (p1, p2, p3) = (phone(1), phone(2), phone(3));
    let went = w.person(c, &p1).await;
    let lost = w.person(c, &p2).await;
    let stuck = w.person(c, &p3).await;
    w.gw.script(a, Script::SentButUnknown);
    w.gw.script(a, Script::LostAndUnknown);
    w.gw.script(a, Script::StuckAtClock);
    w.run_until(w.now() + Duration::minutes(10), 2_000).await;
    let per_target = w.gw.per_target();
    assert_eq!(per_target.get(&wa(&p1)), Some(&1), "timed out but sent: found, not sent again");
    assert_eq!(per_target.get(&wa(&p2)), Some(&1), "lost: not found, pending, sent once");
    assert_eq!(per_target.get(&wa(&p3)), None, "at the clock: it may still go, so it is never sent again");
    let m = w.message(went).await;
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 0));
    let m = w.message(lost).await;
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 1));
    let m = w.message(stuck).await;
    assert_eq!(m.status, "sending");
    let looked = w.gw.lookups().iter().filter(|(_, id)| Some(id.clone()) == m.wa_message_id).count();
    assert!(looked >= 2, "looked up again and again ({looked})");
    assert_eq!(w.campaign_status(c).await.0, "running");
}

#[tokio::test]
async fn an_ack_for_an_orphaned_sending_row_proves_it_went() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let c = w.campaign("ack", None, &[]).await;
    let row = w.person(c, &phone(1)).await;
    let id = crashed_mid_send(&w, row, a).await;
    // The session is not active yet, so no lookup; the ack comes first.
    w.gw.set_session(a, AccountState::Reconnecting, true);
    let matcher = flock_core::inbox::KeywordMatcher::new(&Default::default());
    let ev = flock_core::dispatch::GatewayEvent::Ack { account_id: a, id: MessageId::parse(&id).unwrap(), ack: flock_wa::Ack::Device };
    w.engine.on_event(ev, &matcher).await.unwrap();
    let m = w.message(row).await;
    assert_eq!(m.status, "delivered");
    assert!(m.sent_at.is_some() && m.delivered_at.is_some());
    assert!(w.gw.ledger().is_empty() && w.gw.lookups().is_empty());
}
