use chrono::TimeZone;
use chrono_tz::Asia::Kolkata;

use super::*;
use crate::campaigns::schedule::QuietHours;
use crate::dispatch::limits::SecondsRange;

fn now() -> DateTime<Utc> {
    // Monday 4 May 2026, 09:00 UTC = 14:30 IST.
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

fn plan(id: i64, limits: Limits) -> AccountPlan {
    AccountPlan {
        account_id: id,
        limits,
        linked_at: None,
        history: Vec::new(),
        restricted_until: None,
    }
}

fn fixed_gap(s: u32) -> Limits {
    Limits {
        gap: SecondsRange::new(s, s),
        ..Limits::off()
    }
}

fn anytime() -> Schedule {
    Schedule::anytime(Kolkata)
}

#[test]
fn one_account_fixed_gap() {
    let f = forecast(7, &[plan(1, fixed_gap(10))], &anytime(), now());
    assert_eq!(f.finishes_at, Some(now() + Duration::seconds(60)));
    assert_eq!((f.accounts_used, f.per_account[0].messages), (1, 7));
}

#[test]
fn three_accounts_share_the_work() {
    let accounts: Vec<_> = (1..=3).map(|i| plan(i, fixed_gap(10))).collect();
    let f = forecast(30, &accounts, &anytime(), now());
    assert_eq!(f.finishes_at, Some(now() + Duration::seconds(90)));
    assert!(
        f.per_account.iter().all(|s| s.messages == 10),
        "{:?}",
        f.per_account
    );
    assert_eq!(f.accounts_used, 3);
}

#[test]
fn daily_cap_spreads_over_days_and_history_counts() {
    let limits = Limits {
        per_day: Some(100),
        ..Limits::off()
    };
    let f = forecast(250, &[plan(1, limits)], &anytime(), now());
    assert_eq!(f.finishes_at, Some(now() + Duration::hours(48)));
    // 60 already sent an hour ago: 40 today, the rest from when they age out.
    let mut p = plan(1, limits);
    p.history = vec![now() - Duration::hours(1); 60];
    let f = forecast(41, &[p], &anytime(), now());
    assert_eq!(f.finishes_at, Some(now() + Duration::hours(23)));
}

#[test]
fn quiet_hours_defer_to_the_morning() {
    let schedule = Schedule {
        quiet_hours: Some(QuietHours::parse("21:00-09:00").unwrap()),
        ..anytime()
    };
    // 15:29 UTC = 20:59 IST: two sends before 21:00, the rest from 09:00 IST.
    let start = Utc.with_ymd_and_hms(2026, 5, 4, 15, 29, 0).unwrap();
    let f = forecast(10, &[plan(1, fixed_gap(30))], &schedule, start);
    let morning = Utc.with_ymd_and_hms(2026, 5, 5, 3, 30, 0).unwrap();
    assert_eq!(f.finishes_at, Some(morning + Duration::seconds(7 * 30)));
}

#[test]
fn a_restricted_account_joins_when_its_lock_ends() {
    let mut locked = plan(2, fixed_gap(10));
    locked.restricted_until = Some(now() + Duration::seconds(50));
    let f = forecast(10, &[plan(1, fixed_gap(10)), locked], &anytime(), now());
    // Account 1 alone until 50 s, then both: 1 at 0..70 s (8), 2 at 50 and 60 s.
    assert_eq!(f.finishes_at, Some(now() + Duration::seconds(70)));
    assert_eq!(
        f.per_account.iter().map(|s| s.messages).collect::<Vec<_>>(),
        vec![8, 2]
    );
}

#[test]
fn nothing_to_send_and_no_accounts() {
    let f = forecast(0, &[], &anytime(), now());
    assert_eq!(describe(&f, now(), Kolkata), "nothing left to send");
    let f = forecast(5, &[], &anytime(), now());
    assert_eq!(
        (f.finishes_at, describe(&f, now(), Kolkata).as_str()),
        (None, "no account can send for this campaign")
    );
}

#[test]
fn sentences() {
    let f = |mins: i64, accounts: u32| Forecast {
        messages: 10,
        finishes_at: Some(now() + Duration::minutes(mins)),
        accounts_used: accounts,
        per_account: vec![],
        problem: None,
    };
    let say = |mins, accounts| describe(&f(mins, accounts), now(), Kolkata);
    assert_eq!(
        describe(
            &Forecast {
                finishes_at: Some(now() + Duration::seconds(20)),
                ..f(0, 1)
            },
            now(),
            Kolkata
        ),
        "in under a minute with 1 account at today's limits"
    );
    assert_eq!(
        say(25, 3),
        "in about 25 minutes with 3 accounts at today's limits"
    );
    // 14:30 IST + 3 h 48 min = 18:18 → about 18:20 today.
    assert_eq!(
        say(228, 2),
        "about 18:20 today with 2 accounts at today's limits"
    );
    assert_eq!(
        say(24 * 60, 3),
        "about 14:30 tomorrow with 3 accounts at today's limits"
    );
    // Thursday 14:18 IST → about 14:20 Thursday.
    assert_eq!(
        say(3 * 24 * 60 - 12, 3),
        "about 14:20 Thursday with 3 accounts at today's limits"
    );
    assert_eq!(
        say(10 * 24 * 60, 3),
        "about 14:30 Thu 14 May with 3 accounts at today's limits"
    );
    assert_eq!(
        say(300 * 24 * 60, 1),
        "about 14:30 Sun 28 Feb 2027 with 1 account at today's limits"
    );
}

/// A sanity bound only (speed targets live in benchmarks): 100,000 messages
/// over 5 accounts at the default limits is a linear simulation.
#[test]
fn hundred_thousand_messages_over_five_accounts() {
    let accounts: Vec<_> = (1..=5)
        .map(|i| {
            plan(
                i,
                Limits {
                    ramp_up: None,
                    ..Limits::default()
                },
            )
        })
        .collect();
    let schedule = Schedule {
        quiet_hours: Some(QuietHours::parse("21:00-09:00").unwrap()),
        ..anytime()
    };
    let started = std::time::Instant::now();
    let f = forecast(100_000, &accounts, &schedule, now());
    let took = started.elapsed();
    eprintln!("forecast of 100,000 messages over 5 accounts: {took:?}");
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    // 5 × 1,500 a day at most: at least 13 days (the daily cap binds).
    let end = f.finishes_at.unwrap();
    assert!(end - now() >= Duration::days(13), "{end}");
    assert!(end - now() <= Duration::days(16), "{end}");
    assert_eq!(
        f.per_account.iter().map(|s| s.messages).sum::<u64>(),
        100_000
    );
    eprintln!("{}", describe(&f, now(), Kolkata));
}
