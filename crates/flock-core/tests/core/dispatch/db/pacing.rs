//! Limits hold (the fake's ledger times are the judge): per-minute cap and
//! random gap, the daily cap and the ramp-up stop an account while the
//! campaign continues on the others, windows count across campaigns and
//! restarts, quiet hours defer.

use chrono::{Duration, Timelike};
use flock_core::campaigns::{QuietHours, Schedule};
use flock_core::dispatch::{Limits, RampUp, SecondsRange};

use super::super::support::{phone, World};

#[tokio::test]
async fn a_per_minute_cap_and_a_random_gap_hold_across_campaigns_and_a_restart() {
    let w = World::new(1).await;
    let a = w.accounts[0];
    let limits = Limits { per_minute: Some(6), gap: SecondsRange::new(5, 10), ..Limits::off() };
    w.limits(a, limits).await;
    let c1 = w.campaign("one", None, &[]).await;
    let c2 = w.campaign("two", None, &[]).await;
    for i in 0..10 {
        w.person(c1, &phone(i)).await;
        w.person(c2, &phone(100 + i)).await;
    }
    // Half way, a new engine (a restart): the windows come from the outbox.
    w.run_until(w.now() + Duration::seconds(75), 5_000).await;
    let half = w.gw.ledger().len();
    assert!(half > 3 && half < 20, "{half}");
    let restarted = flock_core::dispatch::Engine::new(w.db.clone(), w.gw.clone(), w.clock.clone(), super::super::support::config());
    let w = super::super::support::World { engine: restarted, ..w };
    w.run().await;
    let ledger = w.gw.ledger();
    assert_eq!(ledger.len(), 20);
    let times: Vec<_> = ledger.iter().map(|s| s.at).collect();
    for i in 1..times.len() {
        let gap = times[i] - times[i - 1];
        assert!(gap >= Duration::seconds(5), "gap {gap} under 5 s");
        // Longer than the gap only when the minute cap held it: exactly a
        // minute after the sixth send before.
        if gap > Duration::seconds(10) {
            assert!(i >= 6 && times[i] - times[i - 6] == Duration::minutes(1), "gap {gap} at {i} not from the minute cap");
        }
    }
    for (i, t) in times.iter().enumerate() {
        let in_minute = times[i..].iter().filter(|x| **x < *t + Duration::minutes(1)).count();
        assert!(in_minute <= 6, "{in_minute} sends in the minute from {t}");
    }
    let gaps: std::collections::BTreeSet<i64> = times.windows(2).map(|p| (p[1] - p[0]).num_milliseconds()).collect();
    assert!(gaps.len() > 5, "the gap is random: {gaps:?}");
}

#[tokio::test]
async fn the_daily_cap_and_the_ramp_up_stop_an_account_and_the_campaign_continues_on_the_others() {
    let w = World::new(3).await;
    let (capped, ramping, free) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    w.limits(capped, Limits { per_day: Some(2), ..Limits::off() }).await;
    // Just linked (the test accounts became active a moment ago): the ramp's hold.
    w.limits(ramping, Limits { per_day: Some(1_500), ramp_up: Some(RampUp::default()), ..Limits::off() }).await;
    let c = w.campaign("caps", None, &[]).await;
    for i in 0..12 {
        w.person(c, &phone(i)).await;
    }
    w.run().await;
    let count = |a| w.gw.ledger().iter().filter(|s| s.account_id == a).count();
    assert_eq!(count(capped), 2, "the daily cap");
    assert_eq!(count(ramping), 0, "the ramp-up holds a just-linked account");
    assert_eq!(count(free), 10);
    assert_eq!(w.campaign_status(c).await.0, "completed");
    // Alone, a capped account leaves the rest pending (and the engine idle) until tomorrow.
    let c2 = w.campaign("only the capped one", None, &[capped]).await;
    let late = w.person(c2, &phone(50)).await;
    w.run().await;
    assert_eq!(w.message(late).await.status, "pending");
    let p = w.engine.progress_of(c2).await.unwrap();
    assert!(p.finishes_at.unwrap() > w.now() + Duration::hours(20), "{p:?}");
    assert!(w.engine.idle_report().await.unwrap().idle);
    w.clock.advance(Duration::hours(24));
    w.run().await;
    assert_eq!(w.message(late).await.status, "sent");
}

#[tokio::test]
async fn quiet_hours_defer_sending_to_their_end() {
    let w = World::new(1).await;
    let now = w.now();
    // Quiet from an hour ago to two hours from now (UTC).
    let start = (now - Duration::hours(1)).time().with_second(0).unwrap().with_nanosecond(0).unwrap();
    let end = (now + Duration::hours(2)).time().with_second(0).unwrap().with_nanosecond(0).unwrap();
    let quiet = QuietHours { start, end };
    let schedule = Schedule { quiet_hours: Some(quiet), ..Schedule::anytime(chrono_tz::Tz::UTC) };
    let c = w.campaign("quiet", Some(schedule), &[]).await;
    let row = w.person(c, &phone(1)).await;
    w.engine.tick().await.unwrap();
    w.engine.settle().await;
    assert_eq!(w.message(row).await.status, "pending");
    assert!(w.engine.idle_report().await.unwrap().idle, "nothing to do before the quiet hours end");
    let p = w.engine.progress_of(c).await.unwrap();
    assert!(p.finishes_at.unwrap() >= now + Duration::minutes(110), "{p:?}");
    // `run --until-idle` would stop here; the service sleeps to the next wake.
    let next = w.engine.tick().await.unwrap().unwrap();
    assert!(next >= now + Duration::minutes(119) && next <= now + Duration::minutes(121), "wakes at the end: {next}");
    w.clock.set(next);
    w.run().await;
    let m = w.message(row).await;
    assert_eq!(m.status, "sent");
    assert!(m.sent_at.unwrap() >= now + Duration::minutes(119), "sent at the end of the quiet hours: {:?}", m.sent_at);
}
