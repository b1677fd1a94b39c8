//! A campaign as `show` and `list` give it: its status with the reason,
//! the counts of its outbox by status (one GROUP BY on the
//! `(campaign_id, status)` index) and the forecast of the rest.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::super::eta::{eta, Eta};
use super::super::lifecycle::{CampaignStatus, PauseCause};
use super::super::model::{Audience, CampaignCounts, CampaignOptions, ContentKind};
use super::super::schedule::Schedule;
use super::{load, parse_state};
use crate::campaigns::CampaignError;
use crate::dispatch::MessageStatus;
use crate::entities::{campaign, campaign_event, message, Timestamp};

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub status: CampaignStatus,
    /// The reason of the last transition ("all 3 accounts restricted").
    pub reason: Option<String>,
    pub paused_by: Option<PauseCause>,
    pub counts: CampaignCounts,
    /// The forecast for what is still pending (`None` once nothing is open
    /// or the campaign is finished).
    pub eta: Option<Eta>,
    pub kind: ContentKind,
    pub text: String,
    pub media_asset_id: Option<i64>,
    pub link: Option<String>,
    pub audience: Audience,
    pub schedule: Option<Schedule>,
    pub options: CampaignOptions,
    /// Chosen accounts (empty: every active account).
    pub accounts: Vec<i64>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// One line of `list`.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignSummary {
    pub id: i64,
    pub name: String,
    pub status: CampaignStatus,
    pub reason: Option<String>,
    pub kind: String,
    pub counts: CampaignCounts,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignEventView {
    pub from: String,
    pub to: String,
    pub event: String,
    pub reason: String,
    pub actor: Option<String>,
    pub at: Timestamp,
}

fn add_counts(counts: &mut CampaignCounts, status: &str, n: i64) {
    if let Some(s) = MessageStatus::parse(status) {
        counts.add(s, n.max(0) as u64);
    }
}

/// The outbox of campaign `id` by status.
pub async fn counts(db: &impl ConnectionTrait, id: i64) -> Result<CampaignCounts, CampaignError> {
    let rows: Vec<(String, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(message::Column::CampaignId.eq(id))
        .group_by(message::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = CampaignCounts::default();
    for (status, n) in rows {
        add_counts(&mut counts, &status, n);
    }
    Ok(counts)
}

/// Campaign `id` with its counts and forecast at `now` (in `zone` when it
/// has no schedule of its own).
pub async fn show(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<CampaignView, CampaignError> {
    let c = load(db, id).await?;
    let counts = counts(db, id).await?;
    let eta = if counts.open() > 0 && !c.state.status.is_final() {
        Some(eta(db, &c, counts.open(), now, zone).await?)
    } else {
        None
    };
    Ok(CampaignView {
        id,
        name: c.row.name.clone(),
        status: c.state.status,
        reason: c.row.status_reason.clone(),
        paused_by: c.state.paused_by,
        counts,
        eta,
        kind: ContentKind::parse(&c.row.kind).unwrap_or(ContentKind::Text),
        text: c.row.body.clone().unwrap_or_default(),
        media_asset_id: c.row.media_asset_id,
        link: c.row.link_url.clone(),
        audience: c.audience,
        schedule: c.schedule,
        options: c.options,
        accounts: c.accounts,
        created_at: c.row.created_at,
        started_at: c.row.started_at,
        finished_at: c.row.finished_at,
    })
}

/// Every campaign, newest first, with its counts (one query for all counts).
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<CampaignSummary>, CampaignError> {
    let rows = campaign::Entity::find().order_by_desc(campaign::Column::Id).all(db).await?;
    let grouped: Vec<(i64, String, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::CampaignId)
        .column(message::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(message::Column::CampaignId)
        .group_by(message::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_campaign: HashMap<i64, CampaignCounts> = HashMap::new();
    for (id, status, n) in grouped {
        add_counts(by_campaign.entry(id).or_default(), &status, n);
    }
    rows.into_iter()
        .map(|r| {
            Ok(CampaignSummary {
                id: r.id,
                status: parse_state(&r)?.status,
                counts: by_campaign.remove(&r.id).unwrap_or_default(),
                name: r.name,
                reason: r.status_reason,
                kind: r.kind,
                created_at: r.created_at,
                started_at: r.started_at,
                finished_at: r.finished_at,
            })
        })
        .collect()
}

/// Campaign `id`'s history, oldest first.
pub async fn events(db: &impl ConnectionTrait, id: i64) -> Result<Vec<CampaignEventView>, CampaignError> {
    let rows = campaign_event::Entity::find()
        .filter(campaign_event::Column::CampaignId.eq(id))
        .order_by_asc(campaign_event::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| CampaignEventView {
            from: e.from_status,
            to: e.to_status,
            event: e.event,
            reason: e.reason,
            actor: e.actor,
            at: e.at,
        })
        .collect())
}
