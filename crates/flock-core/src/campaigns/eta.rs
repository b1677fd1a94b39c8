//! When a campaign will be done: [`crate::dispatch::forecast`] over the
//! accounts it may use, with their limits and their send history of the
//! last 24 hours from the outbox (every campaign's), under its schedule.
//!
//! The accounts' limits, link times (for the ramp-up) and reachout locks
//! are the dispatcher's storage ([`crate::dispatch::store::accounts`]);
//! [`account_plans`] is the one place here that reads them, so the forecast
//! at composition is the one the dispatcher makes while running.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::store::Loaded;
use super::CampaignError;
use crate::accounts::AccountState;
use crate::dispatch::forecast::{describe, forecast, AccountPlan};
use crate::dispatch::store::accounts as stored;
use crate::dispatch::Limits;
use crate::entities::{account, message, Timestamp};

/// The forecast as `show` and `preview` give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Eta {
    /// Messages still to send.
    pub messages: u64,
    /// When the last would go (`None`: no forecast, see `problem`).
    pub finishes_at: Option<DateTime<Utc>>,
    /// "about 14:20 Thursday with 3 accounts at today's limits".
    pub text: String,
    pub accounts: u32,
    pub problem: Option<String>,
}

/// The accounts campaign `c` may send through now: the chosen ones (else
/// every account) that are active or restricted (a restricted account
/// sends again when its lock ends), with their limits, link time, lock and
/// sends of the last 24 hours.
pub async fn account_plans(
    db: &impl ConnectionTrait,
    c: &Loaded,
    now: DateTime<Utc>,
) -> Result<Vec<AccountPlan>, CampaignError> {
    let mut q = account::Entity::find()
        .filter(account::Column::State.is_in([AccountState::Active.as_str(), AccountState::Restricted.as_str()]))
        .order_by_asc(account::Column::Id);
    if !c.accounts.is_empty() {
        q = q.filter(account::Column::Id.is_in(c.accounts.iter().copied()));
    }
    let accounts = q.all(db).await?;
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let since = now - Duration::hours(24);
    let sent: Vec<(Option<i64>, Option<Timestamp>)> = message::Entity::find()
        .select_only()
        .column(message::Column::AccountId)
        .column(message::Column::SentAt)
        .filter(message::Column::AccountId.is_in(accounts.iter().map(|a| a.id)))
        .filter(message::Column::SentAt.gte(since))
        .order_by_asc(message::Column::SentAt)
        .into_tuple()
        .all(db)
        .await?;
    let mut history: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for (a, at) in sent {
        if let (Some(a), Some(at)) = (a, at) {
            history.entry(a).or_default().push(at);
        }
    }
    let limits = stored::all_limits(db).await?;
    let mut linked = stored::linked_at(db).await?;
    let locks = stored::reachout_locks(db).await?;
    Ok(accounts
        .into_iter()
        .map(|a| AccountPlan {
            account_id: a.id,
            // An unreadable limits value is the dispatcher's to report; the
            // forecast assumes the defaults meanwhile.
            limits: match limits.get(&a.id) {
                Some(Ok(l)) => *l,
                _ => Limits::default(),
            },
            linked_at: linked.remove(&a.id).or(a.linked_at),
            history: history.remove(&a.id).unwrap_or_default(),
            restricted_until: locks.get(&a.id).copied().filter(|until| *until > now),
        })
        .collect())
}

/// The forecast for `messages` more messages of campaign `c`.
pub async fn eta(
    db: &impl ConnectionTrait,
    c: &Loaded,
    messages: u64,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<Eta, CampaignError> {
    let plans = account_plans(db, c, now).await?;
    let schedule = c.schedule_or_anytime(zone);
    let f = forecast(messages, &plans, &schedule, now);
    Ok(Eta {
        messages,
        finishes_at: f.finishes_at,
        text: describe(&f, now, schedule.time_zone),
        accounts: f.accounts_used,
        problem: f.problem.clone(),
    })
}
