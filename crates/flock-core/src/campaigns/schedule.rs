//! When a campaign may send: a start time, quiet hours and days of the week,
//! all read in one named time zone (the workstation's or the audience's).
//!
//! Quiet hours may cross midnight (`21:00-09:00`: quiet from 21:00 to 09:00
//! the next morning; `13:00-14:00`: quiet over lunch). The day of the week is
//! the local date of the instant. Across DST changes the wall clock rules:
//! quiet until 09:00 means 09:00 local on either side of a change; a wall time
//! that does not exist (skipped by spring-forward) means the first instant
//! after the gap; one that happens twice means the first of the two that is
//! not in the past.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown time zone `{0}`")]
    UnknownTimeZone(String),
    #[error("quiet hours `{0}` are not HH:MM-HH:MM")]
    BadQuietHours(String),
    #[error("quiet hours start and end at the same time ({0})")]
    EmptyQuietHours(NaiveTime),
    #[error("no day of the week is allowed")]
    NoDays,
    #[error("`{0}` is not a day of the week")]
    BadDay(String),
    #[error("{time} does not exist on {date} in {zone} (the clocks go forward)")]
    NonexistentLocalTime {
        date: NaiveDate,
        time: NaiveTime,
        zone: String,
    },
}

impl ScheduleError {
    pub fn fix(&self) -> &'static str {
        match self {
            Self::UnknownTimeZone(_) => "Use an IANA name such as Asia/Kolkata or Europe/London",
            Self::BadQuietHours(_) => "Write quiet hours as 21:00-09:00",
            Self::EmptyQuietHours(_) => {
                "Give different start and end times, or turn quiet hours off"
            }
            Self::NoDays => "Allow at least one day of the week",
            Self::BadDay(_) => "Write days as mon,tue,wed or a range such as mon-fri",
            Self::NonexistentLocalTime { .. } => "Pick a time an hour later",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    pub fn of(w: Weekday) -> Self {
        Self::ALL[w.num_days_from_monday() as usize]
    }

    /// `mon`, `Monday`, `MON` (the first three letters count).
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let key: String = s.trim().to_lowercase().chars().take(3).collect();
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        match names.iter().position(|n| *n == key) {
            Some(i) if s.trim().len() >= 3 => Ok(Self::ALL[i]),
            _ => Err(ScheduleError::BadDay(s.trim().to_owned())),
        }
    }

    /// `mon-fri`, `mon,wed,fri`, `sat-mon` (a range may wrap), `all`.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, ScheduleError> {
        let mut out: Vec<Self> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") || part.eq_ignore_ascii_case("every day") {
                out.extend(Self::ALL);
                continue;
            }
            match part.split_once(['-', '–']) {
                Some((a, b)) => {
                    let (a, b) = (Self::parse(a)? as usize, Self::parse(b)? as usize);
                    let mut i = a;
                    loop {
                        out.push(Self::ALL[i]);
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => out.push(Self::parse(part)?),
            }
        }
        out.sort();
        out.dedup();
        if out.is_empty() {
            return Err(ScheduleError::NoDays);
        }
        Ok(out)
    }
}

/// Quiet from `start` to `end` local time (crossing midnight when end < start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// `"21:00-09:00"` (also `–` and spaces).
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::BadQuietHours(s.to_owned());
        let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
        let t = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| bad());
        let q = Self {
            start: t(a)?,
            end: t(b)?,
        };
        if q.start == q.end {
            return Err(ScheduleError::EmptyQuietHours(q.start));
        }
        Ok(q)
    }

    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// Not before this instant (`None`: now).
    pub start_at: Option<DateTime<Utc>>,
    pub quiet_hours: Option<QuietHours>,
    /// Days it may send on (local dates).
    pub days: Vec<Day>,
    /// IANA name, e.g. `Asia/Kolkata`.
    #[specta(type = String)]
    pub time_zone: Tz,
}

impl Schedule {
    /// Any time, every day.
    pub fn anytime(time_zone: Tz) -> Self {
        Self {
            start_at: None,
            quiet_hours: None,
            days: Day::ALL.to_vec(),
            time_zone,
        }
    }

    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.days.is_empty() {
            return Err(ScheduleError::NoDays);
        }
        if let Some(q) = self.quiet_hours {
            if q.start == q.end {
                return Err(ScheduleError::EmptyQuietHours(q.start));
            }
        }
        Ok(())
    }

    fn day_allowed(&self, w: Weekday) -> bool {
        self.days.is_empty() || self.days.contains(&Day::of(w))
    }

    pub fn is_allowed(&self, t: DateTime<Utc>) -> bool {
        self.next_allowed(t) == t
    }

    /// The first instant at or after `now` when sending is allowed. (An
    /// invalid schedule is read leniently: no days means every day.)
    pub fn next_allowed(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let tz = self.time_zone;
        let mut t = self.start_at.map_or(now, |s| s.max(now));
        // Each step moves to a later boundary; a week of days plus a quiet
        // period per day bounds it.
        for _ in 0..32 {
            let local = t.with_timezone(&tz);
            let (date, time) = (local.date_naive(), local.time());
            if !self.day_allowed(date.weekday()) {
                t = wall_time(tz, date.succ_opt().unwrap_or(date), NaiveTime::MIN, t);
                continue;
            }
            match self.quiet_hours {
                Some(q) if q.contains(time) => {
                    let end_date = if q.start > q.end && time >= q.start {
                        date.succ_opt().unwrap_or(date)
                    } else {
                        date
                    };
                    t = wall_time(tz, end_date, q.end, t);
                }
                _ => return t,
            }
        }
        t
    }
}

/// The instant of a local wall time, not before `not_before`: a time skipped
/// by DST gives the first instant after the gap; a repeated one the first of
/// its instants that is not before `not_before`.
fn wall_time(tz: Tz, date: NaiveDate, time: NaiveTime, not_before: DateTime<Utc>) -> DateTime<Utc> {
    let mut ndt = NaiveDateTime::new(date, time);
    // DST gaps are at most a day long (Samoa skipped 30 Dec 2011).
    for _ in 0..(26 * 60) {
        match tz.from_local_datetime(&ndt) {
            LocalResult::Single(x) => return x.with_timezone(&Utc).max(not_before),
            LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                return if a >= not_before {
                    a
                } else {
                    b.max(not_before)
                };
            }
            LocalResult::None => ndt += Duration::minutes(1),
        }
    }
    not_before + Duration::minutes(1)
}

/// A start time typed as local wall time in a zone. A time skipped by DST is
/// an error (the user picks another); a repeated one means the first.
pub fn local_to_utc(
    date: NaiveDate,
    time: NaiveTime,
    tz: Tz,
) -> Result<DateTime<Utc>, ScheduleError> {
    match tz.from_local_datetime(&NaiveDateTime::new(date, time)) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Ok(x.with_timezone(&Utc)),
        LocalResult::None => Err(ScheduleError::NonexistentLocalTime {
            date,
            time,
            zone: tz.name().to_owned(),
        }),
    }
}

pub fn parse_time_zone(name: &str) -> Result<Tz, ScheduleError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| ScheduleError::UnknownTimeZone(name.to_owned()))
}

impl From<&ScheduleError> for crate::ErrorReport {
    fn from(e: &ScheduleError) -> Self {
        Self {
            kind: crate::ErrorKind::InvalidInput,
            message: e.to_string(),
            fix: Some(e.fix().into()),
        }
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
