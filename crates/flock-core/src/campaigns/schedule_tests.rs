use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::{Asia::Kolkata, Europe::London};

use super::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn quiet(s: &str, tz: Tz) -> Schedule {
    Schedule {
        quiet_hours: Some(QuietHours::parse(s).unwrap()),
        ..Schedule::anytime(tz)
    }
}

#[test]
fn parses_quiet_hours() {
    assert_eq!(
        QuietHours::parse("21:00-09:00").unwrap(),
        QuietHours {
            start: hm(21, 0),
            end: hm(9, 0)
        }
    );
    assert_eq!(
        QuietHours::parse(" 13:00 – 14:30 ").unwrap().end,
        hm(14, 30)
    );
    assert!(matches!(
        QuietHours::parse("9pm-9am"),
        Err(ScheduleError::BadQuietHours(_))
    ));
    assert!(matches!(
        QuietHours::parse("10:00-10:00"),
        Err(ScheduleError::EmptyQuietHours(_))
    ));
    assert!(QuietHours::parse("21:00").is_err());
}

#[test]
fn quiet_hours_crossing_midnight_in_kolkata() {
    let s = quiet("21:00-09:00", Kolkata);
    // 16:00 UTC = 21:30 IST: quiet until 09:00 IST next day = 03:30 UTC.
    assert_eq!(
        s.next_allowed(utc(2026, 1, 1, 16, 0)),
        utc(2026, 1, 2, 3, 30)
    );
    // 20:00 UTC = 01:30 IST (after midnight): same morning.
    assert_eq!(
        s.next_allowed(utc(2026, 1, 1, 20, 0)),
        utc(2026, 1, 2, 3, 30)
    );
    // 10:00 IST is allowed as is; 20:59 IST too; 21:00 is not.
    assert!(s.is_allowed(utc(2026, 1, 1, 4, 30)));
    assert!(s.is_allowed(utc(2026, 1, 1, 15, 29)));
    assert!(!s.is_allowed(utc(2026, 1, 1, 15, 30)));
    // Exactly 09:00 IST is allowed.
    assert!(s.is_allowed(utc(2026, 1, 2, 3, 30)));
}

#[test]
fn quiet_hours_within_a_day() {
    let s = quiet("13:00-14:00", Kolkata);
    assert_eq!(
        s.next_allowed(utc(2026, 1, 1, 7, 45)),
        utc(2026, 1, 1, 8, 30)
    );
    assert!(s.is_allowed(utc(2026, 1, 1, 6, 0)));
}

#[test]
fn days_of_week_skip_to_the_next_allowed_day() {
    // 2026-01-03 is a Saturday.
    let s = Schedule {
        days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
        ..quiet("21:00-09:00", Kolkata)
    };
    // Friday 22:00 IST → Monday 09:00 IST.
    assert_eq!(
        s.next_allowed(utc(2026, 1, 2, 16, 30)),
        utc(2026, 1, 5, 3, 30)
    );
    // Saturday noon IST → Monday 09:00 IST.
    assert_eq!(
        s.next_allowed(utc(2026, 1, 3, 6, 30)),
        utc(2026, 1, 5, 3, 30)
    );
    let none = Schedule {
        days: vec![],
        ..Schedule::anytime(Kolkata)
    };
    assert_eq!(none.validate(), Err(ScheduleError::NoDays));
}

#[test]
fn start_at_comes_first() {
    let s = Schedule {
        start_at: Some(utc(2026, 2, 1, 2, 0)),
        ..quiet("21:00-09:00", Kolkata)
    };
    // 02:00 UTC = 07:30 IST: quiet → 09:00 IST.
    assert_eq!(
        s.next_allowed(utc(2026, 1, 1, 0, 0)),
        utc(2026, 2, 1, 3, 30)
    );
    assert_eq!(s.next_allowed(utc(2026, 2, 2, 6, 0)), utc(2026, 2, 2, 6, 0));
}

#[test]
fn london_spring_forward() {
    // 2026-03-29: 01:00 GMT → 02:00 BST.
    let s = quiet("21:00-09:00", London);
    // Sat 22:00 GMT → Sun 09:00 BST = 08:00 UTC.
    assert_eq!(
        s.next_allowed(utc(2026, 3, 28, 22, 0)),
        utc(2026, 3, 29, 8, 0)
    );
    // Quiet ending inside the gap (01:30 does not exist): from 02:00 BST = 01:00 UTC.
    let s = quiet("00:00-01:30", London);
    assert_eq!(
        s.next_allowed(utc(2026, 3, 29, 0, 10)),
        utc(2026, 3, 29, 1, 0)
    );
    // Quiet starting inside the gap: 01:00 UTC is 02:00 BST, after the quiet start.
    let s = quiet("01:30-03:00", London);
    assert_eq!(
        s.next_allowed(utc(2026, 3, 29, 1, 0)),
        utc(2026, 3, 29, 2, 0)
    );
    let e = local_to_utc(
        NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
        hm(1, 30),
        London,
    )
    .unwrap_err();
    assert!(matches!(e, ScheduleError::NonexistentLocalTime { .. }));
    assert!(e.to_string().contains("Europe/London"));
}

#[test]
fn london_fall_back() {
    // 2026-10-25: 02:00 BST → 01:00 GMT; local 01:00-02:00 happens twice.
    let s = quiet("00:00-01:30", London);
    // First pass 00:10 UTC = 01:10 BST → 01:30 BST = 00:30 UTC.
    assert_eq!(
        s.next_allowed(utc(2026, 10, 25, 0, 10)),
        utc(2026, 10, 25, 0, 30)
    );
    // Second pass 01:10 UTC = 01:10 GMT → 01:30 GMT = 01:30 UTC (not back in time).
    assert_eq!(
        s.next_allowed(utc(2026, 10, 25, 1, 10)),
        utc(2026, 10, 25, 1, 30)
    );
    let first = local_to_utc(
        NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(),
        hm(1, 30),
        London,
    )
    .unwrap();
    assert_eq!(first, utc(2026, 10, 25, 0, 30));
}

#[test]
fn time_zone_names_and_serde() {
    assert_eq!(parse_time_zone(" Asia/Kolkata ").unwrap(), Kolkata);
    assert!(matches!(
        parse_time_zone("India"),
        Err(ScheduleError::UnknownTimeZone(_))
    ));
    let s = quiet("21:00-09:00", Kolkata);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["timeZone"], "Asia/Kolkata");
    assert_eq!(json["quietHours"]["start"], "21:00:00");
    assert_eq!(json["days"][0], "mon");
    let back: Schedule = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn days_parse_as_people_write_them() {
    use Day::*;
    assert_eq!(Day::parse_list("mon-fri").unwrap(), vec![Mon, Tue, Wed, Thu, Fri]);
    assert_eq!(Day::parse_list("Sat, sun").unwrap(), vec![Sat, Sun]);
    assert_eq!(Day::parse_list("fri-mon").unwrap(), vec![Mon, Fri, Sat, Sun]);
    assert_eq!(Day::parse_list("monday,MON").unwrap(), vec![Mon]);
    assert_eq!(Day::parse_list("all").unwrap().len(), 7);
    assert_eq!(Day::parse_list("mon-funday").unwrap_err(), ScheduleError::BadDay("funday".into()));
    assert_eq!(Day::parse_list("mo").unwrap_err(), ScheduleError::BadDay("mo".into()));
    assert_eq!(Day::parse_list(" , ").unwrap_err(), ScheduleError::NoDays);
}
