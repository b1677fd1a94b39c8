//! `flockctl accounts limits ID [--per-minute N] [--per-hour N] [--per-day N]
//! [--gap MIN-MAX] [--pause-every N] [--pause-for MIN-MAX] [--ramp-up on|off]
//! [--defaults]`: changes the given limits of one account (the others stay)
//! and prints the limits in force, the ramp-up schedule, what is left now
//! and when the account may send next. `N` may be `off`.

use std::str::FromStr;

use chrono::Utc;
use clap::Args;
use flock_core::db::Database;
use flock_core::dispatch::store::{accounts as store, history};
use flock_core::dispatch::{allowance, next_send_at, Limits, LimitsError, RampUp, SecondsRange};
use flock_core::ErrorReport;
use serde_json::json;

use crate::cli::Cli;
use crate::output::print_json;

/// A number, or `off` (no limit of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap(Option<u32>);

impl FromStr for Cap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Ok(Cap(None)),
            n => n.parse::<u32>().map(|v| Cap(Some(v))).map_err(|_| format!("`{s}` is not a number or `off`")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct LimitsArgs {
    pub id: i64,
    /// Sends per rolling minute (`off`: no limit).
    #[arg(long, value_name = "N|off")]
    pub per_minute: Option<Cap>,
    /// Sends per rolling hour.
    #[arg(long, value_name = "N|off")]
    pub per_hour: Option<Cap>,
    /// Sends per rolling 24 hours (the ramp-up rises to it).
    #[arg(long, value_name = "N|off")]
    pub per_day: Option<Cap>,
    /// Random wait between two sends, seconds, e.g. 8-25.
    #[arg(long, value_name = "MIN-MAX")]
    pub gap: Option<String>,
    /// A pause after this many sends in a row.
    #[arg(long, value_name = "N|off")]
    pub pause_every: Option<Cap>,
    /// How long that pause lasts, seconds, e.g. 180-360.
    #[arg(long, value_name = "MIN-MAX")]
    pub pause_for: Option<String>,
    /// The ramp-up of a newly linked account (20 a day rising to the daily cap on day 14).
    #[arg(long, value_enum, value_name = "on|off")]
    pub ramp_up: Option<OnOff>,
    /// Back to the documented defaults first.
    #[arg(long)]
    pub defaults: bool,
}

impl LimitsArgs {
    fn changes(&self) -> bool {
        self.defaults
            || self.per_minute.is_some()
            || self.per_hour.is_some()
            || self.per_day.is_some()
            || self.gap.is_some()
            || self.pause_every.is_some()
            || self.pause_for.is_some()
            || self.ramp_up.is_some()
    }

    fn apply(&self, mut l: Limits) -> Result<Limits, LimitsError> {
        if self.defaults {
            l = Limits::default();
        }
        if let Some(Cap(v)) = self.per_minute {
            l.per_minute = v;
        }
        if let Some(Cap(v)) = self.per_hour {
            l.per_hour = v;
        }
        if let Some(Cap(v)) = self.per_day {
            l.per_day = v;
        }
        if let Some(g) = &self.gap {
            l.gap = SecondsRange::parse(g)?;
        }
        if let Some(Cap(v)) = self.pause_every {
            l.pause_every = v;
        }
        if let Some(p) = &self.pause_for {
            l.pause_for = SecondsRange::parse(p)?;
        }
        match self.ramp_up {
            Some(OnOff::On) => l.ramp_up = l.ramp_up.or(Some(RampUp::default())),
            Some(OnOff::Off) => l.ramp_up = None,
            None => {}
        }
        l.validate()?;
        Ok(l)
    }
}

fn report(e: &LimitsError) -> ErrorReport {
    e.into()
}

pub async fn run(cli: &Cli, db: &Database, args: &LimitsArgs) -> Result<(), ErrorReport> {
    let conn = db.conn();
    let current = store::limits(conn, args.id).await?;
    let limits = if args.changes() {
        let new = args.apply(current).map_err(|e| report(&e))?;
        store::set_limits(conn, args.id, &new).await?;
        new
    } else {
        current
    };
    let now = Utc::now();
    let linked_at = store::linked_at(conn).await?.get(&args.id).copied();
    let (window, n) = history::needed(&limits);
    let past = history::history(conn, args.id, now, window, n).await?;
    let left = allowance(&limits, linked_at, &past, now);
    let next = next_send_at(&limits, linked_at, &past, now, args.id as u64);
    let schedule = limits.ramp_schedule();
    if cli.json {
        print_json(&json!({
            "id": args.id,
            "limits": limits,
            "rampUp": limits.ramp_up.is_some(),
            "rampSchedule": schedule,
            "linkedAt": linked_at,
            "allowance": left,
            "next": next,
        }));
        return Ok(());
    }
    let cap = |v: Option<u32>| v.map_or("off".to_string(), |v| v.to_string());
    println!("account {}", args.id);
    println!("  per minute {}, per hour {}, per day {}", cap(limits.per_minute), cap(limits.per_hour), cap(limits.per_day));
    println!("  gap {}-{} s", limits.gap.min, limits.gap.max);
    match limits.pause_every {
        Some(n) => println!("  pause {}-{} s after every {n} sends", limits.pause_for.min, limits.pause_for.max),
        None => println!("  no pauses"),
    }
    match limits.ramp_up {
        Some(r) => println!(
            "  ramp-up on: no send in the first {} min after linking, then a day's cap of {}",
            r.hold_minutes,
            schedule.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ),
        None => println!("  ramp-up off"),
    }
    println!("  left now: minute {}, hour {}, day {}", cap(left.minute_left), cap(left.hour_left), cap(left.day_left));
    match next {
        flock_core::dispatch::Decision::SendAt { at } => println!("  next send: {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        flock_core::dispatch::Decision::Blocked { until, reason } => {
            println!("  next send: {} ({})", until.format("%Y-%m-%d %H:%M:%S UTC"), reason.describe())
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(f: impl FnOnce(&mut LimitsArgs)) -> LimitsArgs {
        let mut a = LimitsArgs {
            id: 1,
            per_minute: None,
            per_hour: None,
            per_day: None,
            gap: None,
            pause_every: None,
            pause_for: None,
            ramp_up: None,
            defaults: false,
        };
        f(&mut a);
        a
    }

    #[test]
    fn only_the_given_limits_change() {
        let a = args(|a| {
            a.per_minute = Some("6".parse().unwrap());
            a.gap = Some("5-10".into());
            a.ramp_up = Some(OnOff::Off);
            a.per_hour = Some("off".parse().unwrap());
        });
        let l = a.apply(Limits::default()).unwrap();
        assert_eq!((l.per_minute, l.per_hour, l.per_day), (Some(6), None, Some(1500)));
        assert_eq!(l.gap, SecondsRange::new(5, 10));
        assert!(l.ramp_up.is_none());
        assert!(args(|a| a.gap = Some("10-5".into())).apply(Limits::default()).is_err());
        assert!(args(|a| a.per_day = Some(Cap(Some(0)))).apply(Limits::default()).is_err());
        assert!("soon".parse::<Cap>().is_err());
        let back = args(|a| a.defaults = true).apply(Limits::off()).unwrap();
        assert_eq!(back, Limits::default());
    }
}
