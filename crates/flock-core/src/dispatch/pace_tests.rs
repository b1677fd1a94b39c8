use chrono::TimeZone;

use super::*;
use crate::dispatch::limits::{RampUp, SecondsRange};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

fn secs(s: i64) -> Duration {
    Duration::seconds(s)
}

/// A fake dispatcher: sends each time the pace allows, as soon as it allows.
fn simulate(
    limits: &Limits,
    linked: Option<DateTime<Utc>>,
    start: DateTime<Utc>,
    n: usize,
) -> Vec<(DateTime<Utc>, Decision)> {
    let mut history = Vec::new();
    let mut now = start;
    let mut out = Vec::new();
    for _ in 0..n {
        let d = next_send_at(limits, linked, &history, now, 7);
        now = d.at();
        history.push(now);
        out.push((now, d));
    }
    out
}

fn count_in(times: &[DateTime<Utc>], end: DateTime<Utc>, window: Duration) -> usize {
    times
        .iter()
        .filter(|&&x| x > end - window && x <= end)
        .count()
}

#[test]
fn per_minute_6_and_gap_5_to_10_s_stay_in_bounds() {
    let limits = Limits {
        per_minute: Some(6),
        gap: SecondsRange::new(5, 10),
        ..Limits::off()
    };
    let sends = simulate(&limits, None, t0(), 300);
    let times: Vec<_> = sends.iter().map(|(t, _)| *t).collect();
    let mut minute_waits = 0;
    for (i, w) in times.windows(2).enumerate() {
        let gap = w[1] - w[0];
        assert!(gap >= secs(5), "gap {gap} before send {}", i + 1);
        match sends[i + 1].1 {
            Decision::SendAt { .. } => assert!(gap <= secs(10), "gap {gap}"),
            Decision::Blocked {
                reason: BlockReason::MinuteCap,
                ..
            } => minute_waits += 1,
            other => panic!("{other:?}"),
        }
    }
    for &t in &times {
        assert!(
            count_in(&times, t, Duration::minutes(1)) <= 6,
            "more than 6 in the minute ending {t}"
        );
    }
    // The mean gap (7.5 s) would allow 8 a minute: the cap does bind.
    assert!(minute_waits > 10, "{minute_waits}");
    // Gaps are random, not constant.
    let distinct: std::collections::BTreeSet<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(distinct.len() > 20);
}

#[test]
fn daily_cap_blocks_until_the_oldest_send_leaves_the_window() {
    let limits = Limits {
        per_day: Some(50),
        ..Limits::off()
    };
    let mut history: Vec<_> = (0..50).map(|i| t0() + Duration::minutes(i)).collect();
    let now = t0() + Duration::hours(2);
    let d = next_send_at(&limits, None, &history, now, 1);
    assert_eq!(
        d,
        Decision::Blocked {
            until: t0() + Duration::hours(24),
            reason: BlockReason::DailyCap
        }
    );
    assert!(!d.ready(now));
    let a = allowance(&limits, None, &history, now);
    assert_eq!(
        (a.day_left, a.day_cap, a.exhausted()),
        (Some(0), Some(50), true)
    );
    history.push(t0() + Duration::hours(24));
    let d = next_send_at(&limits, None, &history, t0() + Duration::hours(24), 1);
    assert_eq!(d.at(), t0() + Duration::hours(24) + Duration::minutes(1));
}

#[test]
fn ramp_up_day_1_versus_day_14() {
    let limits = Limits {
        ramp_up: Some(RampUp::default()),
        ..Limits::default()
    };
    let linked = t0();
    // Straight after linking: held for an hour.
    let d = next_send_at(
        &limits,
        Some(linked),
        &[],
        linked + Duration::minutes(10),
        1,
    );
    assert_eq!(
        d,
        Decision::Blocked {
            until: linked + Duration::hours(1),
            reason: BlockReason::HoldAfterLink
        }
    );
    // Day 1: 20 sends, then blocked by the ramp until day 2 begins.
    let sends = simulate(&limits, Some(linked), linked, 21);
    let day1: Vec<_> = sends
        .iter()
        .filter(|(t, _)| *t < linked + Duration::hours(24))
        .collect();
    assert_eq!(day1.len(), 20);
    assert!(sends[0].0 >= linked + Duration::hours(1));
    assert_eq!(
        sends[20].1,
        Decision::Blocked {
            until: linked + Duration::hours(24),
            reason: BlockReason::RampUp { day: 1, cap: 20 }
        }
    );
    let a = allowance(
        &limits,
        Some(linked),
        &sends[..20].iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        linked + Duration::hours(5),
    );
    assert_eq!((a.day_cap, a.day_left), (Some(20), Some(0)));
    // Day 14: the full cap; 400 sends go within hours, paced by gaps and pauses.
    let day14 = linked + Duration::days(13) + Duration::hours(1);
    let sends = simulate(&limits, Some(linked), day14, 400);
    assert!(sends.iter().all(|(_, d)| !matches!(
        d,
        Decision::Blocked {
            reason: BlockReason::RampUp { .. },
            ..
        }
    )));
    assert!(sends.iter().any(|(_, d)| matches!(
        d,
        Decision::Blocked {
            reason: BlockReason::Pause,
            ..
        }
    )));
    assert!(
        sends[399].0 < day14 + Duration::hours(6),
        "{}",
        sends[399].0
    );
    // Day 7 sits in between.
    let d7 = allowance(&limits, Some(linked), &[], linked + Duration::days(6))
        .day_cap
        .unwrap();
    assert!(d7 > 100 && d7 < 300, "{d7}");
    assert_eq!(
        allowance(&limits, Some(linked), &[], day14).day_cap,
        Some(1500)
    );
    // Ramp off: day 1 is an established number's day.
    let off = Limits {
        ramp_up: None,
        ..limits
    };
    assert_eq!(
        next_send_at(&off, Some(linked), &[], linked, 1),
        Decision::SendAt { at: linked }
    );
}

#[test]
fn pause_after_every_n_sends() {
    let limits = Limits {
        gap: SecondsRange::new(1, 2),
        pause_every: Some(5),
        pause_for: SecondsRange::new(60, 120),
        ..Limits::off()
    };
    let sends = simulate(&limits, None, t0(), 21);
    for i in 1..sends.len() {
        let gap = sends[i].0 - sends[i - 1].0;
        if i % 5 == 0 {
            assert!(
                gap >= secs(60) && gap <= secs(120),
                "pause before send {i}: {gap}"
            );
            assert!(matches!(
                sends[i].1,
                Decision::Blocked {
                    reason: BlockReason::Pause,
                    ..
                }
            ));
        } else {
            assert!(
                gap >= secs(1) && gap <= secs(2),
                "gap before send {i}: {gap}"
            );
        }
    }
}

#[test]
fn a_restart_keeps_the_windows() {
    let limits = Limits {
        per_hour: Some(30),
        gap: SecondsRange::new(8, 25),
        ..Limits::off()
    };
    let sends = simulate(&limits, None, t0(), 30);
    let history: Vec<_> = sends.iter().map(|(t, _)| *t).collect();
    // The process dies; it starts again 5 minutes later with only the outbox.
    let after = *history.last().unwrap() + Duration::minutes(5);
    let d = next_send_at(&limits, None, &history, after, 99);
    assert_eq!(
        d,
        Decision::Blocked {
            until: history[0] + Duration::hours(1),
            reason: BlockReason::HourCap
        }
    );
    // Only the last 24 hours are needed: older history changes nothing.
    let mut long = vec![t0() - Duration::days(3), t0() - Duration::hours(30)];
    long.extend(&history);
    let limits = Limits {
        per_day: Some(40),
        ..limits
    };
    assert_eq!(
        next_send_at(&limits, None, &long, after, 5),
        next_send_at(&limits, None, &history, after, 5)
    );
}

#[test]
fn the_gap_is_not_re_rolled_by_asking_again() {
    let limits = Limits {
        gap: SecondsRange::new(8, 25),
        ..Limits::off()
    };
    let history = [t0()];
    let first = next_send_at(&limits, None, &history, t0() + secs(1), 3);
    for s in 2..8 {
        assert_eq!(
            next_send_at(&limits, None, &history, t0() + secs(s), 3),
            first
        );
    }
    let at = first.at();
    assert!(at >= t0() + secs(8) && at <= t0() + secs(25));
    // Once the gap has passed, it sends at once.
    assert_eq!(
        next_send_at(&limits, None, &history, t0() + secs(30), 3),
        Decision::SendAt {
            at: t0() + secs(30)
        }
    );
    // Different seeds, different gaps (over a few tries).
    let gaps: std::collections::BTreeSet<_> = (0..20)
        .map(|seed| next_send_at(&limits, None, &history, t0(), seed).at())
        .collect();
    assert!(gaps.len() > 5);
}

#[test]
fn allowance_and_rotation() {
    let limits = Limits {
        per_minute: Some(8),
        per_hour: Some(100),
        per_day: Some(300),
        ..Limits::off()
    };
    let now = t0() + Duration::hours(3);
    let busy: Vec<_> = (0..90).map(|i| now - Duration::minutes(i)).rev().collect();
    let quiet: Vec<_> = (0..10)
        .map(|i| now - Duration::hours(2) - Duration::minutes(i))
        .rev()
        .collect();
    let a = allowance(&limits, None, &busy, now);
    assert_eq!(
        (a.minute_left, a.hour_left, a.day_left),
        (Some(7), Some(40), Some(210))
    );
    let b = allowance(&limits, None, &quiet, now);
    assert_eq!(
        (b.minute_left, b.hour_left, b.day_left),
        (Some(8), Some(100), Some(290))
    );
    assert_eq!(most_allowance([(1, a), (2, b)]), Some(2));
    let full = Allowance {
        minute_left: Some(0),
        hour_left: Some(1),
        day_left: Some(999),
        day_cap: Some(999),
    };
    assert_eq!(most_allowance([(1, full), (2, a)]), Some(2));
    assert_eq!(most_allowance([(1, full)]), None);
    let unlimited = allowance(&Limits::off(), None, &busy, now);
    assert_eq!(most_allowance([(1, b), (3, unlimited)]), Some(3));
}
