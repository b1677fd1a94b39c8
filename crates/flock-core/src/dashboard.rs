//! The Dashboard: the desk at a glance. Key figures (accounts active of
//! all, messages today against today's allowance, delivery and read rates
//! over the last 7 days, replies, opt-outs), messages per day by status for
//! 30 days, the campaigns running, scheduled or paused with their counts,
//! and alerts that name what to fix (an account restricted, logged out or
//! failed; a campaign paused and why).
//!
//! Days are the local days of `zone` (a message sent at 23:30 in Chennai
//! counts on that Chennai day), so they are bucketed here, not in SQL
//! (SQLite and PostgreSQL have no common time-zone functions). Only the
//! status and two times of the last 30 days' messages are read.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::accounts::AccountState;
use crate::campaigns::store::desk::{overview, senders, CampaignRow};
use crate::campaigns::lifecycle::{CampaignStatus, PauseCause};
use crate::campaigns::CampaignError;
use crate::entities::{account, contact, inbound_message, message};
use crate::error::{ErrorKind, ErrorReport, Report};

/// Days in the chart.
pub const CHART_DAYS: i64 = 30;
/// The window of the rates, replies and opt-outs.
pub const RATE_DAYS: i64 = 7;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl Report for DashboardError {
    fn report(&self) -> ErrorReport {
        match self {
            DashboardError::Campaign(e) => e.report(),
            DashboardError::Db(_) => ErrorReport {
                kind: ErrorKind::Database,
                message: self.to_string(),
                fix: Some("Try again; if it keeps failing, check the database on Settings".into()),
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub accounts_active: u32,
    pub accounts_total: u32,
    /// Sent since local midnight.
    pub sent_today: u64,
    /// Today's daily caps of the accounts that can send, added up (`None`:
    /// one of them has no daily cap).
    pub allowance_today: Option<u64>,
    /// What those accounts may still send in their rolling day.
    pub allowance_left: Option<u64>,
    pub week: WeekFigures,
    /// Unread replies in the Inbox.
    pub unread_replies: u64,
    /// People opted out now.
    pub opted_out_total: u64,
    /// Oldest first, [`CHART_DAYS`] local days ending today.
    pub days: Vec<DayCounts>,
    /// Running, paused and scheduled campaigns (running first).
    pub campaigns: Vec<CampaignRow>,
    pub alerts: Vec<Alert>,
}

/// The last [`RATE_DAYS`] × 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WeekFigures {
    /// Messages WhatsApp accepted in the window (whatever became of them).
    pub sent: u64,
    /// Of those, delivered (or read).
    pub delivered: u64,
    /// Of those, read.
    pub read: u64,
    pub failed: u64,
    /// `delivered / sent`; `None` when nothing was sent.
    pub delivery_rate: Option<f64>,
    pub read_rate: Option<f64>,
    pub replies: u64,
    /// People who opted out in the window (by reply or by hand).
    pub opt_outs: u64,
}

/// One local day's messages by their status now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayCounts {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Sent, not (yet) delivered.
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    AccountRestricted,
    AccountLoggedOut,
    AccountFailed,
    AccountLinkExpired,
    CampaignPaused,
}

/// Something that needs a person; the UI links it to the page that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub kind: AlertKind,
    pub title: String,
    /// Why (the account's or the campaign's stored reason).
    pub reason: Option<String>,
    pub fix: Option<String>,
    pub account_id: Option<i64>,
    pub campaign_id: Option<i64>,
}

pub async fn dashboard(db: &impl ConnectionTrait, now: DateTime<Utc>, zone: Tz) -> Result<Dashboard, DashboardError> {
    let accounts = account::Entity::find().order_by_asc(account::Column::Id).all(db).await?;
    let states: Vec<(account::Model, AccountState)> = accounts
        .into_iter()
        .map(|a| {
            let s = AccountState::parse(&a.state).unwrap_or(AccountState::Failed);
            (a, s)
        })
        .collect();
    let (allowance_today, allowance_left) = allowance(db, now).await?;
    let times = message_times(db, now, zone).await?;
    let week_start = now - Duration::days(RATE_DAYS);
    let midnight = local_midnight(now, zone);
    let mut week = week_figures(&times, week_start);
    week.replies = inbound_message::Entity::find().filter(inbound_message::Column::SentAt.gte(week_start)).count(db).await?;
    week.opt_outs = contact::Entity::find().filter(contact::Column::OptedOutAt.gte(week_start)).count(db).await?;
    let mut campaigns: Vec<CampaignRow> = overview(db, now, zone)
        .await?
        .into_iter()
        .filter(|c| matches!(c.status, CampaignStatus::Running | CampaignStatus::Paused | CampaignStatus::Scheduled))
        .collect();
    campaigns.sort_by_key(|c| (status_rank(c.status), -c.id));
    Ok(Dashboard {
        accounts_active: states.iter().filter(|(_, s)| *s == AccountState::Active).count() as u32,
        accounts_total: states.len() as u32,
        sent_today: times.iter().filter(|t| t.sent_at.is_some_and(|s| s >= midnight)).count() as u64,
        allowance_today,
        allowance_left,
        week,
        unread_replies: inbound_message::Entity::find().filter(inbound_message::Column::ReadAt.is_null()).count(db).await?,
        opted_out_total: contact::Entity::find().filter(contact::Column::OptedOutAt.is_not_null()).count(db).await?,
        days: days(&times, now, zone),
        alerts: alerts(&states, &campaigns),
        campaigns,
    })
}

fn status_rank(s: CampaignStatus) -> u8 {
    match s {
        CampaignStatus::Running => 0,
        CampaignStatus::Paused => 1,
        _ => 2,
    }
}

/// Today's caps and what is left, over the accounts that can send now.
async fn allowance(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(Option<u64>, Option<u64>), DashboardError> {
    let mut cap = Some(0u64);
    let mut left = Some(0u64);
    for s in senders(db, now).await?.into_iter().filter(|s| s.usable) {
        cap = cap.zip(s.allowance.day_cap).map(|(a, b)| a + u64::from(b));
        left = left.zip(s.allowance.day_left).map(|(a, b)| a + u64::from(b));
    }
    Ok((cap, left))
}

/// A message of the last 30 days: its status now and when it went (or failed).
#[derive(Debug, Clone, Copy)]
struct Times {
    status: Bucket,
    sent_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Sent,
    Delivered,
    Read,
    Failed,
    Other,
}

impl Bucket {
    fn of(status: &str) -> Self {
        match status {
            "sent" => Bucket::Sent,
            "delivered" => Bucket::Delivered,
            "read" => Bucket::Read,
            "failed" => Bucket::Failed,
            _ => Bucket::Other,
        }
    }
}

impl Times {
    /// The time the chart files it under.
    fn at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            Bucket::Failed => self.failed_at.or(self.sent_at),
            _ => self.sent_at,
        }
    }
}

fn local_midnight(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let day = now.with_timezone(&zone).date_naive();
    day_start(day, zone).unwrap_or(now - Duration::hours(24))
}

/// The first instant of a local day (a day starting in a DST gap starts at its first valid time).
fn day_start(day: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::None => zone.from_local_datetime(&(midnight + Duration::hours(1))).earliest().map(|t| t.with_timezone(&Utc)),
    }
}

fn first_day(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive() - Duration::days(CHART_DAYS - 1)
}

async fn message_times(db: &impl ConnectionTrait, now: DateTime<Utc>, zone: Tz) -> Result<Vec<Times>, DashboardError> {
    let start = day_start(first_day(now, zone), zone).unwrap_or(now - Duration::days(CHART_DAYS));
    let rows: Vec<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .column(message::Column::SentAt)
        .column(message::Column::FailedAt)
        .filter(Condition::any().add(message::Column::SentAt.gte(start)).add(message::Column::FailedAt.gte(start)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, sent_at, failed_at)| Times { status: Bucket::of(&status), sent_at, failed_at })
        .filter(|t| t.status != Bucket::Other || t.sent_at.is_some())
        .collect())
}

fn week_figures(times: &[Times], start: DateTime<Utc>) -> WeekFigures {
    let sent: Vec<&Times> = times.iter().filter(|t| t.sent_at.is_some_and(|s| s >= start)).collect();
    let delivered = sent.iter().filter(|t| matches!(t.status, Bucket::Delivered | Bucket::Read)).count() as u64;
    let read = sent.iter().filter(|t| t.status == Bucket::Read).count() as u64;
    let failed = times.iter().filter(|t| t.status == Bucket::Failed && t.at().is_some_and(|a| a >= start)).count() as u64;
    let n = sent.len() as u64;
    let rate = |k: u64| (n > 0).then(|| k as f64 / n as f64);
    WeekFigures { sent: n, delivered, read, failed, delivery_rate: rate(delivered), read_rate: rate(read), replies: 0, opt_outs: 0 }
}

fn days(times: &[Times], now: DateTime<Utc>, zone: Tz) -> Vec<DayCounts> {
    let first = first_day(now, zone);
    let mut by_day: HashMap<NaiveDate, DayCounts> = HashMap::new();
    for t in times {
        let Some(at) = t.at() else { continue };
        let day = at.with_timezone(&zone).date_naive();
        if day < first {
            continue;
        }
        let c = by_day.entry(day).or_insert_with(|| empty_day(day));
        match t.status {
            Bucket::Sent | Bucket::Other => c.sent += 1,
            Bucket::Delivered => c.delivered += 1,
            Bucket::Read => c.read += 1,
            Bucket::Failed => c.failed += 1,
        }
    }
    (0..CHART_DAYS)
        .map(|i| first + Duration::days(i))
        .map(|d| by_day.remove(&d).unwrap_or_else(|| empty_day(d)))
        .collect()
}

fn empty_day(day: NaiveDate) -> DayCounts {
    DayCounts { day: day.format("%Y-%m-%d").to_string(), sent: 0, delivered: 0, read: 0, failed: 0 }
}

fn alerts(accounts: &[(account::Model, AccountState)], campaigns: &[CampaignRow]) -> Vec<Alert> {
    let mut out = Vec::new();
    for (a, state) in accounts {
        let (kind, what, fix) = match state {
            AccountState::Restricted => (
                AlertKind::AccountRestricted,
                "is restricted by WhatsApp",
                "Flock pauses its sending to new contacts; wait until WhatsApp lifts the restriction",
            ),
            AccountState::LoggedOut => (AlertKind::AccountLoggedOut, "is logged out", "Link it again on the Accounts page"),
            AccountState::Failed => (AlertKind::AccountFailed, "has failed", "See the reason on the Accounts page"),
            AccountState::LinkExpired => (AlertKind::AccountLinkExpired, "was not linked in time", "Link it again on the Accounts page"),
            _ => continue,
        };
        out.push(Alert {
            kind,
            title: format!("{} {what}", a.name),
            reason: a.state_reason.clone(),
            fix: Some(a.state_fix.clone().unwrap_or_else(|| fix.to_string())),
            account_id: Some(a.id),
            campaign_id: None,
        });
    }
    for c in campaigns.iter().filter(|c| c.status == CampaignStatus::Paused) {
        let fix = match c.paused_by {
            Some(PauseCause::NoSender) => "It resumes by itself when an account can send again; check the Accounts page",
            _ => "Resume it on its report when ready",
        };
        out.push(Alert {
            kind: AlertKind::CampaignPaused,
            title: format!("Campaign \u{201c}{}\u{201d} is paused", c.name),
            reason: c.reason.clone(),
            fix: Some(fix.into()),
            account_id: None,
            campaign_id: Some(c.id),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(status: Bucket, sent: Option<&str>, failed: Option<&str>) -> Times {
        let p = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        Times { status, sent_at: sent.map(p), failed_at: failed.map(p) }
    }

    #[test]
    fn days_are_local_days_and_a_failure_counts_when_it_failed() {
        let zone: Tz = "Asia/Kolkata".parse().unwrap();
        let now: DateTime<Utc> = "2026-12-02T06:00:00Z".parse().unwrap(); // 11:30 in Chennai
        let times = [
            // 23:50 UTC on Dec 1 is 05:20 on Dec 2 in Chennai.
            t(Bucket::Read, Some("2026-12-01T23:50:00Z"), None),
            t(Bucket::Delivered, Some("2026-12-01T10:00:00Z"), None),
            t(Bucket::Failed, None, Some("2026-12-02T01:00:00Z")),
            t(Bucket::Sent, Some("2026-10-01T10:00:00Z"), None),
        ];
        let d = days(&times, now, zone);
        assert_eq!(d.len(), 30);
        let last = d.last().unwrap();
        assert_eq!((last.day.as_str(), last.read, last.failed, last.delivered), ("2026-12-02", 1, 1, 0));
        assert_eq!((d[28].day.as_str(), d[28].delivered), ("2026-12-01", 1));
        assert_eq!(d.iter().map(|d| d.sent).sum::<u64>(), 0, "older than 30 days is left out");
    }

    #[test]
    fn rates_are_of_the_messages_sent_in_the_window() {
        let start: DateTime<Utc> = "2026-11-25T06:00:00Z".parse().unwrap();
        let times = [
            t(Bucket::Read, Some("2026-12-01T10:00:00Z"), None),
            t(Bucket::Delivered, Some("2026-12-01T10:00:00Z"), None),
            t(Bucket::Sent, Some("2026-12-01T10:00:00Z"), None),
            t(Bucket::Sent, Some("2026-12-01T10:00:00Z"), None),
            t(Bucket::Read, Some("2026-11-20T10:00:00Z"), None),
            t(Bucket::Failed, None, Some("2026-12-01T10:00:00Z")),
        ];
        let w = week_figures(&times, start);
        assert_eq!((w.sent, w.delivered, w.read, w.failed), (4, 2, 1, 1));
        assert_eq!((w.delivery_rate, w.read_rate), (Some(0.5), Some(0.25)));
        assert_eq!(week_figures(&[], start).delivery_rate, None);
    }
}
