//! The accounts as the composer's "Accounts and pace" step shows them: the
//! limits in force (stored per account, else the documented defaults), what
//! is left today / this hour / this minute ([`crate::dispatch::allowance`]
//! over the account's send history, every campaign's, from the outbox), the
//! ramp-up stage of a newly linked account ([`Limits::ramp_schedule`]),
//! and the reachout timelock. The same numbers the dispatcher paces with.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde::Serialize;

use super::from_dispatch;
use crate::accounts::AccountState;
use crate::campaigns::CampaignError;
use crate::dispatch::store::{accounts as limits_store, history};
use crate::dispatch::{allowance, next_send_at, Allowance, Decision, Limits};
use crate::entities::account;

/// Where a newly linked account is in its ramp-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RampStage {
    /// 1 = the first 24 hours after linking.
    pub day: u32,
    /// The day the full daily cap applies.
    pub full_on_day: u32,
    /// Today's cap under the ramp.
    pub today_cap: u32,
    /// The daily caps, day 1 to full.
    pub schedule: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SenderView {
    pub account_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub state: AccountState,
    pub limits: Limits,
    /// The stored limits could not be read (the defaults are shown and used).
    pub limits_problem: Option<String>,
    pub allowance: Allowance,
    /// Sends counted in the rolling 24 hours.
    pub sent_last_day: u32,
    /// `None` once the full cap applies (or without a ramp-up).
    pub ramp: Option<RampStage>,
    /// While a reachout timelock (error 463) holds: first messages to new contacts wait until then.
    pub restricted_until: Option<DateTime<Utc>>,
    /// When it may send next, or what holds it.
    pub next_send: Decision,
    /// Active (or timelocked: replies only) now.
    pub usable: bool,
}

/// The ramp stage at `now` for an account linked at `linked_at`.
pub fn ramp_stage(
    limits: &Limits,
    linked_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<RampStage> {
    let (r, linked) = limits.ramp_up.zip(linked_at)?;
    let day = ((now - linked).num_seconds().max(0) / 86_400) as u32 + 1;
    if day >= r.full_on_day {
        return None;
    }
    Some(RampStage {
        day,
        full_on_day: r.full_on_day,
        today_cap: limits.day_cap(day).unwrap_or(u32::MAX),
        schedule: limits.ramp_schedule(),
    })
}

/// Every account, in id order.
pub async fn senders(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<SenderView>, CampaignError> {
    let accounts = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?;
    let stored = limits_store::all_limits(db).await.map_err(from_dispatch)?;
    let linked = limits_store::linked_at(db).await.map_err(from_dispatch)?;
    let locks = limits_store::reachout_locks(db)
        .await
        .map_err(from_dispatch)?;
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        let (limits, limits_problem) = match stored.get(&a.id) {
            Some(Ok(l)) => (*l, None),
            Some(Err(e)) => (Limits::default(), Some(e.to_string())),
            None => (Limits::default(), None),
        };
        let linked_at = linked.get(&a.id).copied();
        let (window, n) = history::needed(&limits);
        let sent = history::history(db, a.id, now, window, n)
            .await
            .map_err(from_dispatch)?;
        let state = AccountState::parse(&a.state).unwrap_or(AccountState::Failed);
        let restricted_until = locks.get(&a.id).copied().filter(|u| *u > now);
        let day_ago = now - chrono::Duration::hours(24);
        out.push(SenderView {
            account_id: a.id,
            name: a.name,
            phone: a.phone,
            usable: state == AccountState::Active
                || (state == AccountState::Restricted && restricted_until.is_some()),
            state,
            allowance: allowance(&limits, linked_at, &sent, now),
            sent_last_day: sent.iter().filter(|t| **t > day_ago).count() as u32,
            ramp: ramp_stage(&limits, linked_at, now),
            next_send: next_send_at(&limits, linked_at, &sent, now, a.id as u64),
            restricted_until,
            limits,
            limits_problem,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn the_ramp_stage_follows_the_days_since_linking() {
        let now = Utc::now();
        let l = Limits::default();
        let day3 = ramp_stage(&l, Some(now - Duration::hours(50)), now).unwrap();
        assert_eq!((day3.day, day3.full_on_day, day3.today_cap), (3, 14, 39));
        assert_eq!(day3.schedule.len(), 14);
        assert!(
            ramp_stage(&l, Some(now - Duration::days(20)), now).is_none(),
            "full cap"
        );
        assert!(ramp_stage(&l, None, now).is_none(), "never linked");
        assert!(
            ramp_stage(&Limits::off(), Some(now), now).is_none(),
            "no ramp-up"
        );
    }
}
