//! An account's sending limits: on by default, editable per account, shared
//! by every campaign the account serves.
//!
//! Where the defaults come from (whatsapp-web.md, "Limits and bans", which
//! collects what users of WhatsApp Web automation report in 2026):
//! - Bans follow spam reports and bursts to people who never wrote to the
//!   account. Reported safe practice is random gaps of tens of seconds,
//!   pauses between batches, and no sending straight after linking.
//! - An established number: 8 a minute, 200 an hour, 1,500 a day, a random
//!   gap of 8–25 s between sends (so 8/minute is a ceiling bursts never
//!   reach at the mean gap of ~16 s), and a 3–6 minute pause after every 30
//!   sends (reported batches are 25–50).
//! - A newly linked number ramps up: reported schedules start around 20 an
//!   hour and 50 a day and reach 80 an hour and 500 a day after a week or
//!   two. The default ramp starts at 20 a day and grows by the same factor
//!   each day to the account's daily cap on day 14 (20, 28, 39, 54, 76, …,
//!   1,500), with no send in the first hour after linking. Flock cannot see
//!   how old the number is, only when it was linked here: turn the ramp-up
//!   off for an established number.
//! - The official WhatsApp Business Platform counts per 24 hours in unique
//!   recipients (250 for a new business number); our windows roll the same
//!   way (counted from the outbox, so a restart does not reset them).

use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_MINUTE: u32 = 8;
pub const DEFAULT_PER_HOUR: u32 = 200;
pub const DEFAULT_PER_DAY: u32 = 1_500;

/// An inclusive range of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SecondsRange {
    pub min: u32,
    pub max: u32,
}

impl SecondsRange {
    pub const fn new(min: u32, max: u32) -> Self {
        Self { min, max }
    }

    pub const ZERO: Self = Self::new(0, 0);

    /// `"8-25"` or `"10"`.
    pub fn parse(s: &str) -> Result<Self, LimitsError> {
        let bad = || LimitsError::BadRange(s.to_owned());
        let n = |x: &str| {
            x.trim()
                .trim_end_matches('s')
                .parse::<u32>()
                .map_err(|_| bad())
        };
        let r = match s.split_once(['-', '–']) {
            Some((a, b)) => Self::new(n(a)?, n(b)?),
            None => {
                let v = n(s)?;
                Self::new(v, v)
            }
        };
        if r.min > r.max {
            return Err(LimitsError::Reversed(r));
        }
        Ok(r)
    }
}

/// The ramp for a newly linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RampUp {
    /// Sends allowed in the first 24 hours after linking.
    pub first_day: u32,
    /// The day on which the account's full daily cap applies.
    pub full_on_day: u32,
    /// No send at all this long after linking.
    pub hold_minutes: u32,
}

impl Default for RampUp {
    fn default() -> Self {
        Self {
            first_day: 20,
            full_on_day: 14,
            hold_minutes: 60,
        }
    }
}

/// One account's limits. `None` means no limit of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
    /// Rolling 24 hours.
    pub per_day: Option<u32>,
    /// Random wait after each send.
    pub gap: SecondsRange,
    /// A pause after this many sends in a row (`None`: never).
    pub pause_every: Option<u32>,
    pub pause_for: SecondsRange,
    pub ramp_up: Option<RampUp>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_minute: Some(DEFAULT_PER_MINUTE),
            per_hour: Some(DEFAULT_PER_HOUR),
            per_day: Some(DEFAULT_PER_DAY),
            gap: SecondsRange::new(8, 25),
            pause_every: Some(30),
            pause_for: SecondsRange::new(180, 360),
            ramp_up: Some(RampUp::default()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    #[error("`{0}` is not a number of seconds or a range such as 8-25")]
    BadRange(String),
    #[error("the range {}-{} runs backwards", .0.min, .0.max)]
    Reversed(SecondsRange),
    #[error("a {0} limit of 0 would never send")]
    Zero(&'static str),
    #[error(
        "the ramp-up must reach the full cap on day 1 or later, starting from at least 1 a day"
    )]
    BadRampUp,
}

impl LimitsError {
    pub fn fix(&self) -> &'static str {
        match self {
            Self::BadRange(_) | Self::Reversed(_) => "Write the smaller number first, e.g. 8-25",
            Self::Zero(_) => "Give a positive number, or turn the limit off",
            Self::BadRampUp => "Use e.g. 20 a day reaching the full cap on day 14",
        }
    }
}

impl Limits {
    /// No limits at all (benchmarks, the simulator's demo).
    pub fn off() -> Self {
        Self {
            per_minute: None,
            per_hour: None,
            per_day: None,
            gap: SecondsRange::ZERO,
            pause_every: None,
            pause_for: SecondsRange::ZERO,
            ramp_up: None,
        }
    }

    pub fn validate(&self) -> Result<(), LimitsError> {
        for (name, v) in [
            ("per-minute", self.per_minute),
            ("per-hour", self.per_hour),
            ("per-day", self.per_day),
        ] {
            if v == Some(0) {
                return Err(LimitsError::Zero(name));
            }
        }
        if self.pause_every == Some(0) {
            return Err(LimitsError::Zero("pause-every"));
        }
        for r in [self.gap, self.pause_for] {
            if r.min > r.max {
                return Err(LimitsError::Reversed(r));
            }
        }
        if let Some(r) = self.ramp_up {
            if r.first_day == 0 || r.full_on_day == 0 {
                return Err(LimitsError::BadRampUp);
            }
        }
        Ok(())
    }

    /// The daily cap the ramp-up allows on `day` (1 = the first 24 hours
    /// after linking); `None` when no cap applies.
    pub fn day_cap(&self, day: u32) -> Option<u32> {
        let Some(r) = self.ramp_up else {
            return self.per_day;
        };
        let full = self.per_day.unwrap_or(DEFAULT_PER_DAY).max(1);
        let first = r.first_day.max(1).min(full);
        if day >= r.full_on_day.max(1) || r.full_on_day <= 1 {
            return self.per_day;
        }
        let step = (day.max(1) - 1) as f64 / (r.full_on_day - 1) as f64;
        let cap = first as f64 * (full as f64 / first as f64).powf(step);
        Some((cap.round() as u32).clamp(1, full))
    }

    /// The ramp's daily caps, day 1 to full (what the Accounts page shows).
    pub fn ramp_schedule(&self) -> Vec<u32> {
        match self.ramp_up {
            None => Vec::new(),
            Some(r) => (1..=r.full_on_day.max(1))
                .map(|d| self.day_cap(d).unwrap_or(u32::MAX))
                .collect(),
        }
    }
}

impl From<&LimitsError> for crate::ErrorReport {
    fn from(e: &LimitsError) -> Self {
        Self {
            kind: crate::ErrorKind::InvalidInput,
            message: e.to_string(),
            fix: Some(e.fix().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones_and_valid() {
        let l = Limits::default();
        assert_eq!(
            (l.per_minute, l.per_hour, l.per_day),
            (Some(8), Some(200), Some(1500))
        );
        assert_eq!(l.gap, SecondsRange::new(8, 25));
        l.validate().unwrap();
        Limits::off().validate().unwrap();
    }

    #[test]
    fn ramp_schedule_rises_from_20_to_the_cap_on_day_14() {
        let s = Limits::default().ramp_schedule();
        assert_eq!(s.len(), 14);
        assert_eq!(s[0], 20);
        assert_eq!(s[13], 1500);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
        assert_eq!(&s[..5], &[20, 28, 39, 54, 76]);
        assert_eq!(Limits::default().day_cap(30), Some(1500));
        let off = Limits {
            ramp_up: None,
            ..Limits::default()
        };
        assert!(off.ramp_schedule().is_empty());
        assert_eq!(off.day_cap(1), Some(1500));
        // A daily cap under the ramp's start: the ramp never exceeds it.
        let small = Limits {
            per_day: Some(10),
            ..Limits::default()
        };
        assert!(small.ramp_schedule().iter().all(|&c| c <= 10));
    }

    #[test]
    fn validation_names_the_problem() {
        let zero = Limits {
            per_hour: Some(0),
            ..Limits::default()
        };
        assert_eq!(zero.validate(), Err(LimitsError::Zero("per-hour")));
        let back = Limits {
            gap: SecondsRange::new(9, 3),
            ..Limits::default()
        };
        assert!(matches!(back.validate(), Err(LimitsError::Reversed(_))));
        let ramp = Limits {
            ramp_up: Some(RampUp {
                first_day: 0,
                ..RampUp::default()
            }),
            ..Limits::default()
        };
        assert_eq!(ramp.validate(), Err(LimitsError::BadRampUp));
    }

    #[test]
    fn parses_gap_ranges() {
        assert_eq!(
            SecondsRange::parse("8-25").unwrap(),
            SecondsRange::new(8, 25)
        );
        assert_eq!(
            SecondsRange::parse(" 5s – 10s ").unwrap(),
            SecondsRange::new(5, 10)
        );
        assert_eq!(
            SecondsRange::parse("12").unwrap(),
            SecondsRange::new(12, 12)
        );
        assert!(matches!(
            SecondsRange::parse("10-5"),
            Err(LimitsError::Reversed(_))
        ));
        assert!(matches!(
            SecondsRange::parse("soon"),
            Err(LimitsError::BadRange(_))
        ));
    }
}
