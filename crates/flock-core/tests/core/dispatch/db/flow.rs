//! Campaign lifecycle as the dispatcher drives it: paused campaigns send
//! nothing, a user's pause is not resumed by the dispatcher, cancel skips,
//! progress events are throttled.

use std::time::Duration as StdDuration;

use flock_core::campaigns::store::transition;
use flock_core::campaigns::CampaignEvent;

use super::super::support::{phone, World};

#[tokio::test]
async fn pause_resume_and_cancel_are_obeyed() {
    let w = World::new(1).await;
    let c = w.campaign("lifecycle", None, &[]).await;
    for i in 0..4 {
        w.person(c, &phone(i)).await;
    }
    transition(w.db.conn(), c, &CampaignEvent::Pause, None).await.unwrap();
    w.run().await;
    assert!(w.gw.ledger().is_empty(), "paused: nothing sent");
    assert_eq!(w.campaign_status(c).await.0, "paused", "a user's pause waits for the user");
    transition(w.db.conn(), c, &CampaignEvent::Resume, None).await.unwrap();
    w.engine.tick().await.unwrap();
    w.engine.settle().await;
    let sent_before_cancel = w.gw.ledger().len();
    assert!(sent_before_cancel >= 1);
    transition(w.db.conn(), c, &CampaignEvent::Cancel, None).await.unwrap();
    w.run().await;
    assert_eq!(w.gw.ledger().len(), sent_before_cancel, "cancelled: nothing more");
    let rows = w.rows(c).await;
    assert!(rows.iter().all(|m| m.status == "sent" || m.skip_reason.as_deref() == Some("campaign_cancelled")), "{rows:?}");
    assert_eq!(w.campaign_status(c).await.0, "cancelled");
}

#[tokio::test]
async fn a_pause_during_the_existence_check_holds_the_message() {
    let w = World::new(1).await;
    let c = w.campaign("paused mid-check", None, &[]).await;
    let row = w.person(c, &phone(1)).await;
    let db = w.db.conn().clone();
    w.gw.during_next_exists(move || {
        Box::pin(async move {
            transition(&db, c, &CampaignEvent::Pause, None).await.unwrap();
        })
    });
    w.run().await;
    assert_eq!(w.gw.exists_calls().len(), 1, "the check ran");
    assert!(w.gw.ledger().is_empty(), "paused before the claim: nothing sent");
    let m = w.message(row).await;
    assert_eq!((m.status.as_str(), m.wa_message_id.as_deref()), ("pending", None), "not claimed: {m:?}");
    transition(w.db.conn(), c, &CampaignEvent::Resume, None).await.unwrap();
    w.run().await;
    assert_eq!(w.gw.per_target().values().copied().collect::<Vec<_>>(), vec![1], "sent once after the resume");
    assert_eq!(w.campaign_status(c).await.0, "completed");
}

#[tokio::test]
async fn progress_events_are_throttled_per_campaign_and_end_with_the_final_counts() {
    let w = World::new(3).await;
    let c = w.campaign("progress", None, &[]).await;
    for i in 0..30 {
        w.person(c, &phone(i)).await;
    }
    let mut rx = w.engine.progress();
    let started = std::time::Instant::now();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publisher = {
        let (engine, done) = (w.engine.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                engine.publish_progress().await.unwrap();
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
            // The last change is published within the interval.
            tokio::time::sleep(StdDuration::from_millis(600)).await;
            engine.publish_progress().await.unwrap();
        })
    };
    w.run().await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    publisher.await.unwrap();
    let elapsed = started.elapsed();
    let mut events = Vec::new();
    while let Ok(p) = rx.try_recv() {
        events.push(p);
    }
    assert!(!events.is_empty());
    let allowed = (elapsed.as_millis() / 500 + 1) as usize;
    assert!(events.len() <= allowed, "{} events in {elapsed:?}: at most one per 500 ms", events.len());
    let last = events.last().unwrap();
    assert_eq!((last.campaign_id, last.counts.sent, last.counts.pending), (c, 30, 0));
}
