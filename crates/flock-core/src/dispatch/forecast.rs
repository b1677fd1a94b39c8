//! When a campaign will be done: a simulation of the dispatcher over the
//! accounts' pacing ([`super::pace::next_send_at`]) and the campaign's
//! schedule, message by message, each going to the account free first.
//!
//! O(messages × accounts), no allocation per message beyond the accounts'
//! 24-hour histories. It assumes every send succeeds and every account stays
//! as it is now (a restricted account joins when its lock ends), which is
//! what "at today's limits" means in the sentence it gives.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::limits::Limits;
use super::pace::next_send_at;
use crate::campaigns::schedule::Schedule;

/// One account as the forecast sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPlan {
    pub account_id: i64,
    pub limits: Limits,
    pub linked_at: Option<DateTime<Utc>>,
    /// Send times of the last 24 hours, oldest first (as for the pacing).
    pub history: Vec<DateTime<Utc>>,
    /// No sending to new contacts before then (reachout timelock).
    pub restricted_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountShare {
    pub account_id: i64,
    pub messages: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    pub messages: u64,
    /// When the last message would go (`None` when it cannot be forecast).
    pub finishes_at: Option<DateTime<Utc>>,
    /// Accounts that would send at least one message.
    pub accounts_used: u32,
    pub per_account: Vec<AccountShare>,
    /// Why there is no forecast.
    pub problem: Option<String>,
}

struct Sim<'a> {
    plan: &'a AccountPlan,
    history: Vec<DateTime<Utc>>,
    /// First index of `history` still inside the last 24 hours.
    start: usize,
    ready: DateTime<Utc>,
    sent: u64,
}

impl Sim<'_> {
    fn window(&self) -> &[DateTime<Utc>] {
        &self.history[self.start..]
    }

    fn plan_next(&mut self, now: DateTime<Utc>, schedule: &Schedule) {
        let seed = self.plan.account_id as u64;
        let paced = next_send_at(
            &self.plan.limits,
            self.plan.linked_at,
            self.window(),
            now,
            seed,
        )
        .at();
        let not_before = self.plan.restricted_until.map_or(paced, |r| r.max(paced));
        self.ready = schedule.next_allowed(not_before);
    }

    fn record(&mut self, at: DateTime<Utc>) {
        self.history.push(at);
        let from = at - Duration::hours(24);
        while self.start < self.history.len() && self.history[self.start] <= from {
            self.start += 1;
        }
        if self.start > 4096 && self.start * 2 > self.history.len() {
            self.history.drain(..self.start);
            self.start = 0;
        }
        self.sent += 1;
    }
}

pub fn forecast(
    messages: u64,
    accounts: &[AccountPlan],
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Forecast {
    let mut out = Forecast {
        messages,
        finishes_at: None,
        accounts_used: 0,
        per_account: Vec::new(),
        problem: None,
    };
    if messages == 0 {
        out.finishes_at = Some(now);
        return out;
    }
    if accounts.is_empty() {
        out.problem = Some("no account can send for this campaign".into());
        return out;
    }
    let mut sims: Vec<Sim> = accounts
        .iter()
        .map(|plan| {
            let cut = now - Duration::hours(24);
            let history: Vec<_> = plan.history.iter().copied().filter(|&t| t > cut).collect();
            let mut s = Sim {
                plan,
                history,
                start: 0,
                ready: now,
                sent: 0,
            };
            s.plan_next(now, schedule);
            s
        })
        .collect();
    let mut last = now;
    for _ in 0..messages {
        let i = (0..sims.len()).min_by_key(|&i| sims[i].ready).unwrap_or(0);
        let at = sims[i].ready;
        sims[i].record(at);
        sims[i].plan_next(at, schedule);
        last = at;
    }
    out.finishes_at = Some(last);
    out.per_account = sims
        .iter()
        .map(|s| AccountShare {
            account_id: s.plan.account_id,
            messages: s.sent,
        })
        .collect();
    out.accounts_used = sims.iter().filter(|s| s.sent > 0).count() as u32;
    out
}

/// "about 14:20 Thursday with 3 accounts at today's limits".
pub fn describe(f: &Forecast, now: DateTime<Utc>, tz: Tz) -> String {
    if let Some(p) = &f.problem {
        return p.clone();
    }
    let Some(end) = f.finishes_at else {
        return "no forecast".into();
    };
    if f.messages == 0 {
        return "nothing left to send".into();
    }
    let accounts = match f.accounts_used {
        1 => "with 1 account".to_string(),
        n => format!("with {n} accounts"),
    };
    let left = end - now;
    let when = if left < Duration::minutes(1) {
        "in under a minute".to_string()
    } else if left < Duration::minutes(60) {
        let m = (left.num_seconds() + 30) / 60;
        format!("in about {m} minute{}", if m == 1 { "" } else { "s" })
    } else {
        let rounded = round_to_5_minutes(end).with_timezone(&tz);
        let today = now.with_timezone(&tz).date_naive();
        let day = rounded.date_naive();
        let days = (day - today).num_days();
        let clock = rounded.format("%H:%M");
        let on = match days {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            2..=6 => rounded.format("%A").to_string(),
            _ if day.year() == today.year() => rounded.format("%a %-d %b").to_string(),
            _ => rounded.format("%a %-d %b %Y").to_string(),
        };
        format!("about {clock} {on}")
    };
    format!("{when} {accounts} at today's limits")
}

fn round_to_5_minutes(t: DateTime<Utc>) -> DateTime<Utc> {
    let step = 300;
    let s = t.timestamp();
    let r = (s + step / 2).div_euclid(step) * step;
    DateTime::from_timestamp(r, 0).unwrap_or(t)
}

#[cfg(test)]
#[path = "forecast_tests.rs"]
mod tests;
