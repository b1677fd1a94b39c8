//! The campaigns the dispatcher works for, as it needs them: running ones
//! (to send), paused-by-no-sender ones (to resume by themselves) and
//! scheduled ones (to start at their time), each with its schedule, its
//! accounts and what it sends.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::DispatchError;
use crate::campaigns::lifecycle::{CampaignStatus, PauseCause};
use crate::campaigns::model::{CampaignCounts, ContentKind};
use crate::campaigns::Schedule;
use crate::entities::{campaign, campaign_account, media_asset, message};
use crate::paths::DataPaths;

/// What a campaign's messages carry besides their rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    None,
    /// A link (its preview is made when it is sent).
    Link(String),
    Media { kind: ContentKind, path: PathBuf, file_name: String },
}

#[derive(Debug, Clone)]
pub struct CampaignInfo {
    pub id: i64,
    pub status: CampaignStatus,
    pub paused_by: Option<PauseCause>,
    pub schedule: Schedule,
    /// The chosen accounts (`None`: every account).
    pub accounts: Option<Vec<i64>>,
    pub attachment: Attachment,
    /// Why the campaign cannot send at all (unreadable schedule, missing media).
    pub broken: Option<String>,
}

impl CampaignInfo {
    pub fn allowed_now(&self, now: DateTime<Utc>) -> bool {
        self.broken.is_none() && self.schedule.is_allowed(now)
    }

    pub fn accounts(&self) -> Option<&[i64]> {
        self.accounts.as_deref()
    }
}

/// Running, paused and scheduled campaigns.
pub async fn load(db: &impl ConnectionTrait, paths: Option<&DataPaths>, zone: Tz) -> Result<Vec<CampaignInfo>, DispatchError> {
    let rows = campaign::Entity::find()
        .filter(campaign::Column::Status.is_in(["running", "paused", "scheduled"]))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut chosen: HashMap<i64, Vec<i64>> = HashMap::new();
    for ca in campaign_account::Entity::find().filter(campaign_account::Column::CampaignId.is_in(ids)).all(db).await? {
        chosen.entry(ca.campaign_id).or_default().push(ca.account_id);
    }
    let asset_ids: Vec<i64> = rows.iter().filter_map(|r| r.media_asset_id).collect();
    let assets: HashMap<i64, media_asset::Model> = if asset_ids.is_empty() {
        HashMap::new()
    } else {
        media_asset::Entity::find().filter(media_asset::Column::Id.is_in(asset_ids)).all(db).await?.into_iter().map(|a| (a.id, a)).collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(status) = CampaignStatus::parse(&row.status) else { continue };
        let paused_by = match row.paused_by.as_deref() {
            Some("user") => Some(PauseCause::User),
            Some("no_sender") => Some(PauseCause::NoSender),
            _ => None,
        };
        let mut broken = None;
        let schedule = match crate::campaigns::store::schedule_of(&row) {
            Ok(s) => s.unwrap_or_else(|| Schedule::anytime(zone)),
            Err(e) => {
                broken = Some(format!("its schedule cannot be read: {e}"));
                Schedule::anytime(zone)
            }
        };
        let attachment = match (row.media_asset_id, paths) {
            (Some(id), Some(paths)) => match assets.get(&id) {
                Some(a) => Attachment::Media {
                    kind: ContentKind::parse(&row.kind).filter(|k| *k != ContentKind::Text).unwrap_or(ContentKind::Document),
                    path: crate::campaigns::media::asset_path(paths, a),
                    file_name: a.file_name.clone(),
                },
                None => {
                    broken = Some(format!("its media file (asset {id}) is gone"));
                    Attachment::None
                }
            },
            (Some(_), None) => {
                broken = Some("no data folder to read its media from".into());
                Attachment::None
            }
            (None, _) => match row.link_url.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                Some(link) => Attachment::Link(link.to_string()),
                None => Attachment::None,
            },
        };
        out.push(CampaignInfo {
            id: row.id,
            status,
            paused_by,
            schedule,
            accounts: chosen.remove(&row.id).filter(|v| !v.is_empty()),
            attachment,
            broken,
        });
    }
    Ok(out)
}

/// A campaign's outbox by status (the same counts `campaigns show` gives).
pub async fn counts(db: &impl ConnectionTrait, campaign_id: i64) -> Result<CampaignCounts, DispatchError> {
    let q = Query::select()
        .column(message::Column::Status)
        .expr_as(Expr::col(message::Column::Id).count(), sea_orm::sea_query::Alias::new("n"))
        .from(message::Entity)
        .and_where(Expr::col(message::Column::CampaignId).eq(campaign_id))
        .group_by_col(message::Column::Status)
        .to_owned();
    let mut counts = CampaignCounts::default();
    for row in db.query_all(&q).await? {
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        if let Some(s) = super::MessageStatus::parse(&status) {
            counts.add(s, Ord::max(n, 0) as u64);
        }
    }
    Ok(counts)
}
