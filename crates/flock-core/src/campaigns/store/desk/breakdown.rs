//! The live report's tables, all from the outbox: the campaign with its
//! counts and forecast ([`super::super::show`]), one line per account (sent,
//! delivered, read, failed; restricted now), the failures grouped by reason
//! (with how many "retry failed" would take back), the skipped targets by
//! reason, sent / delivered / read over time, the replies (the inbox's
//! messages answering this campaign) and the history.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::super::show::{events, show, CampaignEventView, CampaignView};
use super::from_dispatch;
use super::retry::retryable;
use crate::accounts::AccountState;
use crate::campaigns::CampaignError;
use crate::dispatch::store::accounts::reachout_locks;
use crate::dispatch::MessageStatus;
use crate::entities::{account, message, Timestamp};
use crate::inbox::{InboxEntry, InboxQuery};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountLine {
    pub account_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub state: Option<AccountState>,
    /// Restricted now (by WhatsApp, or a reachout timelock that holds).
    pub restricted: bool,
    pub restricted_until: Option<DateTime<Utc>>,
    pub sending: u64,
    /// Reached WhatsApp (sent, delivered or read).
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FailureGroup {
    pub reason: String,
    pub count: u64,
    /// Of them, the ones that certainly never reached WhatsApp ("retry failed" takes them).
    pub retryable: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SkipGroup {
    /// `opted_out`, `phone_hidden`, …
    pub code: String,
    pub reason: String,
    pub count: u64,
}

/// Messages sent, delivered and read by the end of each bucket (running totals).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub bucket_seconds: u32,
    /// Start of each bucket.
    pub starts: Vec<DateTime<Utc>>,
    pub sent: Vec<u64>,
    pub delivered: Vec<u64>,
    pub read: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignReport {
    pub campaign: CampaignView,
    pub accounts: Vec<AccountLine>,
    pub failures: Vec<FailureGroup>,
    /// Failed messages "retry failed" would take back, over every reason.
    pub retryable: u64,
    pub skipped: Vec<SkipGroup>,
    pub timeline: Timeline,
    /// Newest first, at most [`REPLIES`].
    pub replies: Vec<InboxEntry>,
    pub events: Vec<CampaignEventView>,
}

/// Replies shown with the report.
pub const REPLIES: u64 = 200;
/// At most this many buckets in the timeline.
const MAX_BUCKETS: i64 = 48;
const BUCKET_SECONDS: [i64; 15] = [
    10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800,
];

/// The timeline of these (sent, delivered, read) times, until `until`.
pub fn timeline(
    times: &[(Option<Timestamp>, Option<Timestamp>, Option<Timestamp>)],
    until: DateTime<Utc>,
) -> Timeline {
    let all = times.iter().flat_map(|(s, d, r)| [*s, *d, *r]).flatten();
    let Some(first) = all.clone().min() else {
        return Timeline::default();
    };
    let last = all
        .max()
        .unwrap_or(first)
        .max(until.min(first + Duration::days(365)));
    let span = (last - first).num_seconds().max(1);
    let size = BUCKET_SECONDS
        .iter()
        .copied()
        .find(|s| span / s < MAX_BUCKETS)
        .unwrap_or(604_800);
    let start = first
        .duration_trunc(Duration::seconds(size))
        .unwrap_or(first);
    let buckets = ((last - start).num_seconds() / size + 1).clamp(1, MAX_BUCKETS + 1) as usize;
    let index =
        |t: DateTime<Utc>| (((t - start).num_seconds() / size).max(0) as usize).min(buckets - 1);
    let mut per = [
        vec![0u64; buckets],
        vec![0u64; buckets],
        vec![0u64; buckets],
    ];
    for (s, d, r) in times {
        for (slot, t) in [*s, *d, *r].into_iter().enumerate() {
            if let Some(t) = t {
                per[slot][index(t)] += 1;
            }
        }
    }
    let running = |v: &Vec<u64>| {
        v.iter()
            .scan(0u64, |acc, x| {
                *acc += x;
                Some(*acc)
            })
            .collect::<Vec<u64>>()
    };
    Timeline {
        bucket_seconds: size as u32,
        starts: (0..buckets)
            .map(|i| start + Duration::seconds(size * i as i64))
            .collect(),
        sent: running(&per[0]),
        delivered: running(&per[1]),
        read: running(&per[2]),
    }
}

async fn account_lines(
    db: &impl ConnectionTrait,
    id: i64,
    chosen: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<AccountLine>, CampaignError> {
    let grouped: Vec<(Option<i64>, String, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::AccountId)
        .column(message::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(message::Column::CampaignId.eq(id))
        .filter(message::Column::AccountId.is_not_null())
        .group_by(message::Column::AccountId)
        .group_by(message::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut lines: BTreeMap<i64, [u64; 5]> = chosen.iter().map(|&a| (a, [0; 5])).collect();
    for (account_id, status, n) in grouped {
        let (Some(a), Some(s)) = (account_id, MessageStatus::parse(&status)) else {
            continue;
        };
        let n = n.max(0) as u64;
        let slot = lines.entry(a).or_default();
        match s {
            MessageStatus::Sending => slot[0] += n,
            MessageStatus::Sent => slot[1] += n,
            MessageStatus::Delivered => {
                slot[1] += n;
                slot[2] += n;
            }
            MessageStatus::Read => {
                slot[1] += n;
                slot[2] += n;
                slot[3] += n;
            }
            MessageStatus::Failed => slot[4] += n,
            MessageStatus::Pending | MessageStatus::Skipped => {}
        }
    }
    let locks = reachout_locks(db).await.map_err(from_dispatch)?;
    let accounts = account::Entity::find()
        .filter(account::Column::Id.is_in(lines.keys().copied()))
        .all(db)
        .await?;
    Ok(lines
        .into_iter()
        .map(|(a, [sending, sent, delivered, read, failed])| {
            let row = accounts.iter().find(|r| r.id == a);
            let state = row.and_then(|r| AccountState::parse(&r.state));
            let restricted_until = locks.get(&a).copied().filter(|u| *u > now);
            AccountLine {
                account_id: a,
                name: row
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| format!("account {a} (removed)")),
                phone: row.and_then(|r| r.phone.clone()),
                restricted: state == Some(AccountState::Restricted) || restricted_until.is_some(),
                state,
                restricted_until,
                sending,
                sent,
                delivered,
                read,
                failed,
            }
        })
        .collect())
}

async fn grouped_reasons(
    db: &impl ConnectionTrait,
    cond: Condition,
) -> Result<BTreeMap<String, u64>, CampaignError> {
    let rows: Vec<(Option<String>, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::LastError)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(cond)
        .group_by(message::Column::LastError)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = BTreeMap::new();
    for (reason, n) in rows {
        *out.entry(reason.unwrap_or_else(|| "no reason recorded".into()))
            .or_default() += n.max(0) as u64;
    }
    Ok(out)
}

/// The report of campaign `id` at `now` (forecast in `zone` without a schedule of its own).
pub async fn report(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<CampaignReport, CampaignError> {
    let campaign = show(db, id, now, zone).await?;
    let of = || Condition::all().add(message::Column::CampaignId.eq(id));
    let failed = grouped_reasons(
        db,
        of().add(message::Column::Status.eq(MessageStatus::Failed.as_str())),
    )
    .await?;
    let mut retry = grouped_reasons(db, of().add(retryable())).await?;
    let mut failures: Vec<FailureGroup> = failed
        .into_iter()
        .map(|(reason, count)| FailureGroup {
            retryable: retry.remove(&reason).unwrap_or(0),
            reason,
            count,
        })
        .collect();
    failures.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    let skipped_rows: Vec<(Option<String>, Option<String>, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::SkipReason)
        .column_as(Expr::cust("MIN(last_error)"), "reason")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(message::Column::CampaignId.eq(id))
        .filter(message::Column::Status.eq(MessageStatus::Skipped.as_str()))
        .group_by(message::Column::SkipReason)
        .into_tuple()
        .all(db)
        .await?;
    let mut skipped: Vec<SkipGroup> = skipped_rows
        .into_iter()
        .map(|(code, reason, n)| {
            let code = code.unwrap_or_else(|| "unknown".into());
            SkipGroup {
                reason: reason.unwrap_or_else(|| code.replace('_', " ")),
                code,
                count: n.max(0) as u64,
            }
        })
        .collect();
    skipped.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    let times: Vec<(Option<Timestamp>, Option<Timestamp>, Option<Timestamp>)> =
        message::Entity::find()
            .select_only()
            .column(message::Column::SentAt)
            .column(message::Column::DeliveredAt)
            .column(message::Column::ReadAt)
            .filter(message::Column::CampaignId.eq(id))
            .filter(
                Condition::any()
                    .add(message::Column::SentAt.is_not_null())
                    .add(message::Column::DeliveredAt.is_not_null()),
            )
            .order_by_asc(message::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
    let until = if campaign.status.is_final() {
        campaign.finished_at.unwrap_or(now)
    } else {
        now
    };
    let replies = crate::inbox::list(
        db,
        &InboxQuery {
            campaign_id: Some(id),
            limit: REPLIES,
            ..Default::default()
        },
    )
    .await
    .map_err(from_dispatch)?;
    Ok(CampaignReport {
        accounts: account_lines(db, id, &campaign.accounts, now).await?,
        retryable: failures.iter().map(|f| f.retryable).sum(),
        failures,
        skipped,
        timeline: timeline(&times, until),
        replies,
        events: events(db, id).await?,
        campaign,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_timeline_counts_running_totals_in_even_buckets() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 5).unwrap();
        let at = |s: i64| Some(t0 + Duration::seconds(s));
        let times = vec![
            (at(0), at(4), at(70)),
            (at(20), at(25), None),
            (at(40), None, None),
            (None, None, None),
        ];
        let t = timeline(&times, t0 + Duration::seconds(90));
        assert_eq!(t.bucket_seconds, 10);
        assert_eq!(
            t.starts[0],
            Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
        );
        assert_eq!(t.starts.len(), 10);
        assert_eq!(t.sent, [1, 1, 2, 2, 3, 3, 3, 3, 3, 3]);
        assert_eq!(t.delivered, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
        assert_eq!(t.read, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
        // A long campaign gets coarser buckets, never more than 49.
        let days = timeline(&[(at(0), None, None)], t0 + Duration::days(3));
        assert_eq!(days.bucket_seconds, 7_200);
        assert!(days.starts.len() <= 49, "{}", days.starts.len());
        assert_eq!(*days.sent.last().unwrap(), 1);
        assert_eq!(timeline(&[], t0), Timeline::default());
    }
}
