//! An account's pace as a pure function of (limits, history, clock).
//!
//! `history` is the account's send times, oldest first: every outbox row of
//! the account that is `sent` (its `sent_at`) or `sending` (its claim time),
//! over at least the last 24 hours, in every campaign. Counting the windows
//! from it, not from a counter in memory, is what makes them survive a
//! restart and hold across campaigns and workstations. (Unsorted history
//! gives a wrong answer, never a panic; the engine selects `ORDER BY`.)
//!
//! The random gap and pause lengths are drawn from `seed` and the time of
//! the last send, so they stay the same between two sends however often the
//! dispatcher asks (asking again must not re-roll the dice towards the
//! shortest gap), and a test can assert their bounds.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::limits::Limits;
use crate::campaigns::seed::{between, mix};

const PAUSE_SALT: u64 = 0x0070_6175_7365; // "pause"

/// Why an account must wait longer than its random gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockReason {
    /// Just linked: no send in the first minutes.
    HoldAfterLink,
    MinuteCap,
    HourCap,
    DailyCap,
    /// The ramp-up's cap for this day since linking.
    RampUp {
        day: u32,
        cap: u32,
    },
    /// The pause after a run of sends.
    Pause,
}

impl BlockReason {
    pub fn describe(&self) -> String {
        match self {
            Self::HoldAfterLink => "just linked: waiting before the first send".into(),
            Self::MinuteCap => "per-minute limit reached".into(),
            Self::HourCap => "per-hour limit reached".into(),
            Self::DailyCap => "daily limit reached".into(),
            Self::RampUp { day, cap } => format!("ramp-up: day {day} allows {cap} sends"),
            Self::Pause => "pausing after a run of sends".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// The next send may go at this time (now, or after the random gap).
    SendAt { at: DateTime<Utc> },
    /// A limit holds the account until then.
    Blocked {
        until: DateTime<Utc>,
        reason: BlockReason,
    },
}

impl Decision {
    pub fn at(&self) -> DateTime<Utc> {
        match *self {
            Self::SendAt { at } => at,
            Self::Blocked { until, .. } => until,
        }
    }

    pub fn ready(&self, now: DateTime<Utc>) -> bool {
        self.at() <= now
    }
}

/// When the account may send next.
pub fn next_send_at(
    limits: &Limits,
    linked_at: Option<DateTime<Utc>>,
    history: &[DateTime<Utc>],
    now: DateTime<Utc>,
    seed: u64,
) -> Decision {
    // Each bound is "not before b"; the latest one decides, and its reason
    // is reported (`Some(None)`: the random gap, which is no block).
    let mut t = now;
    let mut pushed_by: Option<Option<BlockReason>> = None;
    let mut bound = |b: DateTime<Utc>, why: Option<BlockReason>, t: &mut DateTime<Utc>| {
        if b > *t {
            *t = b;
            pushed_by = Some(why);
        }
    };
    if let Some(&last) = history.last() {
        bound(last + millis(gap_ms(limits, seed, last)), None, &mut t);
        if let Some(p) = pause_bound(limits, history, seed) {
            bound(p, Some(BlockReason::Pause), &mut t);
        }
    }
    if let Some((r, linked)) = limits.ramp_up.zip(linked_at) {
        let hold = linked + Duration::minutes(r.hold_minutes as i64);
        bound(hold, Some(BlockReason::HoldAfterLink), &mut t);
    }
    if let Some(b) = limits
        .per_minute
        .and_then(|c| window_bound(history, c, Duration::minutes(1)))
    {
        bound(b, Some(BlockReason::MinuteCap), &mut t);
    }
    if let Some(b) = limits
        .per_hour
        .and_then(|c| window_bound(history, c, Duration::hours(1)))
    {
        bound(b, Some(BlockReason::HourCap), &mut t);
    }
    // The daily cap may grow with t (ramp-up): move to a fixed point,
    // stopping at each ramp day boundary so no earlier time is missed.
    for _ in 0..64 {
        match day_bound(limits, linked_at, history, t) {
            Some((b, r)) if b > t => bound(b, Some(r), &mut t),
            _ => break,
        }
    }
    match pushed_by {
        Some(Some(reason)) => Decision::Blocked { until: t, reason },
        _ => Decision::SendAt { at: t },
    }
}

/// The daily constraint at `t`: the earliest time the rolling 24 hours hold
/// fewer sends than the cap in force at `t`, or the next ramp day boundary
/// if that comes first (the cap grows there).
fn day_bound(
    limits: &Limits,
    linked_at: Option<DateTime<Utc>>,
    history: &[DateTime<Utc>],
    t: DateTime<Utc>,
) -> Option<(DateTime<Utc>, BlockReason)> {
    let (cap, ramp_day) = day_cap_at(limits, linked_at, t);
    let cap = cap?;
    let b = window_bound(history, cap, Duration::hours(24))?;
    if b <= t {
        return None;
    }
    let reason = match ramp_day {
        Some(day) if Some(cap) != limits.per_day => BlockReason::RampUp { day, cap },
        _ => BlockReason::DailyCap,
    };
    match (ramp_day, linked_at) {
        (Some(day), Some(linked)) => {
            Some((b.min(linked + Duration::hours(24 * day as i64)), reason))
        }
        _ => Some((b, reason)),
    }
}

/// The cap in force at `t` and, while ramping, the ramp day (1-based).
fn day_cap_at(
    limits: &Limits,
    linked_at: Option<DateTime<Utc>>,
    t: DateTime<Utc>,
) -> (Option<u32>, Option<u32>) {
    match (limits.ramp_up, linked_at) {
        (Some(r), Some(linked)) => {
            let day = ((t - linked).num_seconds().max(0) / 86_400) as u32 + 1;
            let ramping = day < r.full_on_day;
            (limits.day_cap(day), ramping.then_some(day))
        }
        _ => (limits.per_day, None),
    }
}

/// With `cap` sends allowed per `window`: the time the window next has room.
fn window_bound(history: &[DateTime<Utc>], cap: u32, window: Duration) -> Option<DateTime<Utc>> {
    let cap = cap as usize;
    (cap > 0 && history.len() >= cap).then(|| history[history.len() - cap] + window)
}

/// After `pause_every` sends in a row (each within the shortest pause of
/// the one before), wait a pause drawn from `pause_for`. The pause itself
/// breaks the run, so the next run starts from one.
fn pause_bound(limits: &Limits, history: &[DateTime<Utc>], seed: u64) -> Option<DateTime<Utc>> {
    let n = limits.pause_every? as usize;
    let threshold = Duration::seconds(limits.pause_for.min as i64);
    if n == 0 || threshold <= Duration::zero() || history.len() < n {
        return None;
    }
    let tail = &history[history.len() - n..];
    if !tail.windows(2).all(|w| w[1] - w[0] < threshold) {
        return None;
    }
    let last = *tail.last()?;
    let ms = between(
        mix(seed ^ PAUSE_SALT, last.timestamp_millis() as u64),
        limits.pause_for.min as u64 * 1000,
        limits.pause_for.max as u64 * 1000,
    );
    Some(last + millis(ms))
}

fn gap_ms(limits: &Limits, seed: u64, last: DateTime<Utc>) -> u64 {
    between(
        mix(seed, last.timestamp_millis() as u64),
        limits.gap.min as u64 * 1000,
        limits.gap.max as u64 * 1000,
    )
}

fn millis(ms: u64) -> Duration {
    Duration::milliseconds(ms as i64)
}

/// Sends an account may still make (`None`: no limit of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Allowance {
    pub minute_left: Option<u32>,
    pub hour_left: Option<u32>,
    /// Left in the rolling 24 hours under today's cap.
    pub day_left: Option<u32>,
    /// The daily cap in force now (ramp-up included).
    pub day_cap: Option<u32>,
}

impl Allowance {
    /// Orders accounts for rotation: most left today, then this hour.
    pub fn rank(&self) -> (u32, u32) {
        (
            self.day_left.unwrap_or(u32::MAX),
            self.hour_left.unwrap_or(u32::MAX),
        )
    }

    pub fn exhausted(&self) -> bool {
        [self.minute_left, self.hour_left, self.day_left].contains(&Some(0))
    }
}

pub fn allowance(
    limits: &Limits,
    linked_at: Option<DateTime<Utc>>,
    history: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Allowance {
    let in_window = |w: Duration| {
        let from = now - w;
        (history.len() - history.partition_point(|&x| x <= from)) as u32
    };
    let left = |cap: Option<u32>, w| cap.map(|c| c.saturating_sub(in_window(w)));
    let (day_cap, _) = day_cap_at(limits, linked_at, now);
    Allowance {
        minute_left: left(limits.per_minute, Duration::minutes(1)),
        hour_left: left(limits.per_hour, Duration::hours(1)),
        day_left: left(day_cap, Duration::hours(24)),
        day_cap,
    }
}

/// Rotation: of the accounts that may send now, the one with the most
/// allowance left (ties: the first given).
pub fn most_allowance<K: Copy>(candidates: impl IntoIterator<Item = (K, Allowance)>) -> Option<K> {
    let mut best: Option<(K, (u32, u32))> = None;
    for (k, a) in candidates {
        if a.exhausted() {
            continue;
        }
        if best.is_none_or(|(_, r)| a.rank() > r) {
            best = Some((k, a.rank()));
        }
    }
    best.map(|(k, _)| k)
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod tests;
