//! Transient failures come back with backoff up to the set attempts;
//! permanent ones fail with the reason; error 463 restricts the account
//! until the lock's end while the campaign goes on through the others.

use chrono::Duration;
use flock_core::accounts::AccountState;
use flock_core::dispatch::store::accounts as account_store;
use flock_wa::{SendError, WaId};

use super::super::fake::Script;
use super::super::support::{phone, wa, World};

fn not_connected() -> SendError {
    SendError::NotConnected { state: None, waited: std::time::Duration::from_secs(30) }
}

#[tokio::test]
async fn transient_failures_back_off_then_give_up_and_permanent_ones_fail_at_once() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let c = w.campaign("retries", None, &[]).await;
    let flaky = w.person(c, &phone(1)).await;
    for _ in 0..2 {
        w.gw.script(a, Script::Fail(not_connected()));
    }
    w.engine.tick().await.unwrap();
    w.engine.settle().await;
    let m = w.message(flaky).await;
    assert_eq!((m.status.as_str(), m.attempts, m.account_id), ("pending", 1, None));
    let wait = m.next_attempt_at.unwrap() - w.now();
    assert!(wait >= Duration::seconds(15) && wait <= Duration::seconds(30), "first backoff 15–30 s: {wait}");
    assert!(m.last_error.as_deref().unwrap().contains("not connected"), "{:?}", m.last_error);
    // Not due yet: nothing happens.
    w.engine.tick().await.unwrap();
    w.engine.settle().await;
    assert_eq!(w.message(flaky).await.attempts, 1);
    w.run().await;
    let m = w.message(flaky).await;
    assert_eq!((m.status.as_str(), m.attempts), ("sent", 2));
    assert_eq!(w.gw.per_target().get(&wa(&phone(1))), Some(&1));

    // Every attempt fails: failed after the policy's 5, with the reason.
    let c = w.campaign("hopeless", None, &[]).await;
    let hopeless = w.person(c, &phone(2)).await;
    for _ in 0..5 {
        w.gw.script(a, Script::Fail(not_connected()));
    }
    w.run().await;
    let m = w.message(hopeless).await;
    assert_eq!((m.status.as_str(), m.attempts), ("failed", 5));
    assert!(m.last_error.as_deref().unwrap().starts_with("gave up after 5 attempts"), "{:?}", m.last_error);
    assert!(m.failed_at.is_some());

    // Permanent: failed at once with the reason.
    let c = w.campaign("media", None, &[]).await;
    let media = w.person(c, &phone(3)).await;
    w.gw.script(a, Script::Fail(SendError::MediaRejected { reason: "corrupt file".into() }));
    w.run().await;
    let m = w.message(media).await;
    assert_eq!((m.status.as_str(), m.attempts), ("failed", 1));
    assert_eq!(m.last_error.as_deref(), Some("WhatsApp rejected the media: corrupt file"));
}

#[tokio::test]
async fn error_463_restricts_the_account_until_the_lock_ends_and_the_rest_goes_through_the_others() {
    let w = World::new(2).await;
    let (a, b) = (w.accounts[0], w.accounts[1]);
    let until = w.now() + Duration::hours(2);
    w.gw.timelock(a, Some(until));
    // Someone who wrote to account a first: a reply to them may still go.
    let friend = phone(50);
    let friend_wa = WaId::parse(&wa(&friend)).unwrap();
    w.gw.wrote_first(a, &friend_wa);
    let inbound = flock_wa::InboundMessage {
        id: flock_wa::MessageId::new(),
        key: "k".into(),
        chat: friend_wa.clone(),
        author: None,
        kind: "chat".into(),
        text: Some("what is the price?".into()),
        at: w.now(),
        quoted_id: None,
    };
    let matcher = flock_core::inbox::KeywordMatcher::new(&Default::default());
    w.engine.on_event(flock_core::dispatch::GatewayEvent::Inbound { account_id: a, message: inbound }, &matcher).await.unwrap();

    let c = w.campaign("mid-campaign 463", None, &[]).await;
    let mut rows = Vec::new();
    for i in 0..12 {
        rows.push(w.person(c, &phone(i)).await);
    }
    let reply = w.person(c, &friend).await;
    w.run_until(w.now() + Duration::minutes(30), 2_000).await;

    // The end WhatsApp states is in whole seconds, cut down: held 2 s longer.
    let held = until + Duration::seconds(2);
    assert_eq!(w.gw.restricted(), vec![(a, Some(held))], "the account manager was told, with the lock's end");
    let locks = account_store::reachout_locks(w.db.conn()).await.unwrap();
    assert_eq!(locks.get(&a), Some(&held));
    let per_target = w.gw.per_target();
    assert!(per_target.values().all(|n| *n == 1));
    for id in &rows {
        let m = w.message(*id).await;
        assert_eq!(m.status, "sent", "{m:?}");
        assert_eq!(m.account_id, Some(b), "new contacts go through the other account");
        assert_eq!(m.attempts, 0, "a 463 is the account's, not the message's");
    }
    let m = w.message(reply).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(a)), "the person who wrote first still gets account a");
    assert_eq!(w.campaign_status(c).await.0, "completed");

    // The lock ends: the account is active again by itself and sends to new contacts.
    w.gw.unlock(a);
    w.clock.set(held + Duration::seconds(1));
    let c2 = w.campaign("after the lock", None, &[a]).await;
    let later = w.person(c2, &phone(99)).await;
    w.run().await;
    assert_eq!(w.gw.lifted(), vec![a]);
    assert!(account_store::reachout_locks(w.db.conn()).await.unwrap().is_empty());
    let m = w.message(later).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(a)));
}

#[tokio::test]
async fn a_campaign_no_account_can_send_for_pauses_with_the_reason_and_resumes_by_itself() {
    let w = World::new(3).await;
    let c = w.campaign("stalled", None, &[]).await;
    for i in 0..3 {
        w.person(c, &phone(i)).await;
    }
    for id in &w.accounts {
        w.gw.set_session(*id, AccountState::Restricted, false);
    }
    w.engine.tick().await.unwrap();
    assert_eq!(w.campaign_status(c).await, ("paused".into(), Some("all 3 accounts restricted".into())));
    assert!(w.gw.ledger().is_empty());
    w.gw.set_session(w.accounts[1], AccountState::Active, true);
    w.run().await;
    assert_eq!(w.campaign_status(c).await.0, "completed");
    assert_eq!(w.gw.ledger().len(), 3);
    let events = flock_core::entities::campaign_event::Entity::find().all(w.db.conn()).await.unwrap();
    let path: Vec<(String, String)> = events.iter().map(|e| (e.to_status.clone(), e.event.clone())).collect();
    assert_eq!(
        path,
        vec![("paused".into(), "no sender".into()), ("running".into(), "senders back".into()), ("completed".into(), "finished".into())]
    );
}

use sea_orm::EntityTrait;

/// Flock restarted during a 463: the restricted account is not restored, so
/// it has no session and no lane. Its lock ending soon is still work for
/// `run --until-idle` (the lift brings it back); one ending tomorrow is not.
/// (Seen in CI: the run went idle a second before the lock ended and the
/// follow-up campaign was never sent.)
#[tokio::test]
async fn a_timelock_ending_soon_on_an_account_not_running_here_keeps_the_run_busy() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    w.gw.set_session(a, AccountState::Restricted, false);
    let c = w.campaign("after a restart", None, &[a]).await;
    w.person(c, &phone(1)).await;
    account_store::set_reachout_until(w.db.conn(), a, Some(w.now() + Duration::seconds(5))).await.unwrap();
    let report = w.engine.idle_report().await.unwrap();
    assert!(!report.idle, "{report:?}");
    assert!(report.work.as_deref().is_some_and(|s| s.contains("timelock")), "{report:?}");
    account_store::set_reachout_until(w.db.conn(), a, Some(w.now() + Duration::hours(20))).await.unwrap();
    let report = w.engine.idle_report().await.unwrap();
    assert!(report.idle, "a lock ending tomorrow is waiting, not work: {report:?}");
}
