//! The Campaigns list: every campaign with its counts ([`super::super::list`]),
//! the accounts it may use, and for one with messages still to send the
//! forecast of when it ends (the live list then follows the dispatcher's
//! progress events).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use serde::Serialize;

use super::super::show::list;
use super::super::{load, parse_state};
use crate::campaigns::eta::eta;
use crate::campaigns::lifecycle::{CampaignStatus, PauseCause};
use crate::campaigns::model::CampaignCounts;
use crate::campaigns::CampaignError;
use crate::entities::{account, campaign, campaign_account, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub status: CampaignStatus,
    pub reason: Option<String>,
    pub paused_by: Option<PauseCause>,
    pub kind: String,
    pub counts: CampaignCounts,
    /// The chosen accounts (empty: every active account).
    pub accounts: Vec<AccountRef>,
    /// "about 14:20 Thursday with 3 accounts at today's limits", while messages are left.
    pub eta: Option<String>,
    pub finishes_at: Option<DateTime<Utc>>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// Every campaign, newest first.
pub async fn overview(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<Vec<CampaignRow>, CampaignError> {
    let summaries = list(db).await?;
    let names: HashMap<i64, String> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut chosen: HashMap<i64, Vec<AccountRef>> = HashMap::new();
    for ca in campaign_account::Entity::find().all(db).await? {
        let name = names
            .get(&ca.account_id)
            .cloned()
            .unwrap_or_else(|| format!("account {}", ca.account_id));
        chosen.entry(ca.campaign_id).or_default().push(AccountRef {
            id: ca.account_id,
            name,
        });
    }
    let paused: HashMap<i64, Option<PauseCause>> = campaign::Entity::find()
        .all(db)
        .await?
        .iter()
        .filter_map(|r| parse_state(r).ok().map(|s| (r.id, s.paused_by)))
        .collect();
    let mut out = Vec::with_capacity(summaries.len());
    for s in summaries {
        let open = s.counts.open() > 0 && !s.status.is_final() && s.status != CampaignStatus::Draft;
        let forecast = if open {
            Some(eta(db, &load(db, s.id).await?, s.counts.open(), now, zone).await?)
        } else {
            None
        };
        let mut accounts = chosen.remove(&s.id).unwrap_or_default();
        accounts.sort_by_key(|a| a.id);
        out.push(CampaignRow {
            id: s.id,
            paused_by: paused.get(&s.id).copied().flatten(),
            name: s.name,
            status: s.status,
            reason: s.reason,
            kind: s.kind,
            counts: s.counts,
            accounts,
            eta: forecast.as_ref().map(|f| f.text.clone()),
            finishes_at: forecast.and_then(|f| f.finishes_at),
            created_at: s.created_at,
            started_at: s.started_at,
            finished_at: s.finished_at,
        });
    }
    Ok(out)
}
