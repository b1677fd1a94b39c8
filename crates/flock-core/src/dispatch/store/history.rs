//! An account's send history as the pacing counts it: the send time of
//! every outbox row of the account that reached WhatsApp (`sent_at`, also
//! kept on rows later delivered, read or failed by an ack) and the claim
//! time of every row still `sending`, across all campaigns.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::ConnectionTrait;

use crate::dispatch::{DispatchError, Limits};
use crate::entities::message;

/// How much history `limits` need: the window and how many entries of it
/// (the pacing only looks at the last `cap` entries of each window).
pub fn needed(limits: &Limits) -> (Duration, u64) {
    let day = limits.per_day.is_some() || limits.ramp_up.is_some();
    let window = if day {
        Duration::hours(24)
    } else if limits.per_hour.is_some() {
        Duration::hours(1)
    } else if limits.per_minute.is_some() {
        Duration::minutes(1)
    } else {
        Duration::hours(1)
    };
    let caps = [limits.per_minute, limits.per_hour, limits.pause_every, day.then(|| limits.per_day.unwrap_or(super::super::limits::DEFAULT_PER_DAY))];
    let n = Ord::max(caps.into_iter().flatten().max().unwrap_or(1), 1);
    (window, n as u64)
}

/// The account's send times since `now - window`, oldest first, at most the
/// last `max` of them.
pub async fn history(
    db: &impl ConnectionTrait,
    account_id: i64,
    now: DateTime<Utc>,
    window: Duration,
    max: u64,
) -> Result<Vec<DateTime<Utc>>, DispatchError> {
    let from = now - window;
    let sent = Query::select()
        .column(message::Column::SentAt)
        .from(message::Entity)
        .and_where(Expr::col(message::Column::AccountId).eq(account_id))
        .and_where(Expr::col(message::Column::SentAt).gt(from))
        .order_by(message::Column::SentAt, Order::Desc)
        .limit(max)
        .to_owned();
    let mut times: Vec<DateTime<Utc>> = Vec::new();
    for row in db.query_all(&sent).await? {
        times.push(row.try_get("", "sent_at")?);
    }
    let sending = Query::select()
        .column(message::Column::ClaimedAt)
        .from(message::Entity)
        .and_where(Expr::col(message::Column::AccountId).eq(account_id))
        .and_where(Expr::col(message::Column::Status).eq("sending"))
        .and_where(Expr::col(message::Column::SentAt).is_null())
        .and_where(Expr::col(message::Column::ClaimedAt).gt(from))
        .to_owned();
    for row in db.query_all(&sending).await? {
        let at: Option<DateTime<Utc>> = row.try_get("", "claimed_at")?;
        times.extend(at);
    }
    times.sort();
    let skip = times.len().saturating_sub(max as usize);
    Ok(times.split_off(skip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_needed_follows_the_limits() {
        assert_eq!(needed(&Limits::default()), (Duration::hours(24), 1500));
        assert_eq!(needed(&Limits::off()), (Duration::hours(1), 1));
        let minute = Limits { per_minute: Some(6), ..Limits::off() };
        assert_eq!(needed(&minute), (Duration::minutes(1), 6));
    }
}
