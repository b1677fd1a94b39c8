//! Starting a campaign: its outbox materialised, one `messages` row per
//! target (pending with its rendered text, or skipped with the reason), in
//! multi-row INSERTs inside one transaction with the status change, so the
//! outbox and the status appear together or not at all. The rows are
//! `ON CONFLICT (campaign_id, target_key) DO NOTHING`: a second start adds
//! nothing (the unique key makes it a database fact, whatever races).

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{OnConflict, Query},
    ConnectionTrait, DatabaseConnection, TransactionTrait,
};
use serde::Serialize;

use super::plan::{plan, Outcome, Planned};
use super::transition::{note, transition};
use super::{load, Loaded};
use crate::campaigns::lifecycle::{CampaignEvent, CampaignStatus, LifecycleError, Transition};
use crate::campaigns::model::AudienceCount;
use crate::campaigns::CampaignError;
use crate::dispatch::MessageStatus;
use crate::entities::message;

/// Rows per INSERT: 12 values each, under SQLite's 32,766 bind parameters.
const INSERT_ROWS: usize = 2_500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartReport {
    pub id: i64,
    pub status: CampaignStatus,
    /// Why it is in that status.
    pub reason: String,
    /// Outbox rows this start wrote (0 when they were all there already).
    pub added: u64,
    /// Targets / to send / skipped by reason.
    pub audience: AudienceCount,
    /// The status change this start made, if any.
    pub transition: Option<Transition>,
}

/// What `start` does in each status: the lifecycle event, if any.
fn start_event(c: &Loaded, now: DateTime<Utc>) -> Result<Option<CampaignEvent>, CampaignError> {
    let later = c.schedule.as_ref().and_then(|s| s.start_at).filter(|at| *at > now);
    Ok(match (c.state.status, later) {
        (CampaignStatus::Draft, Some(start_at)) => Some(CampaignEvent::Schedule { start_at }),
        (CampaignStatus::Draft, None) => Some(CampaignEvent::Start),
        (CampaignStatus::Scheduled, Some(_)) => None,
        (CampaignStatus::Scheduled, None) => Some(CampaignEvent::Start),
        // Started already: the outbox is written again, which adds nothing.
        (CampaignStatus::Running | CampaignStatus::Paused, _) => None,
        (status @ (CampaignStatus::Completed | CampaignStatus::Cancelled), _) => {
            return Err(LifecycleError::Invalid { status, event: "start" }.into())
        }
    })
}

/// Starts campaign `id` (see the module doc): a draft with a start time in
/// the future becomes `scheduled` (the dispatcher starts it then), else
/// `running`. Its audience is resolved and rendered at `now`.
pub async fn start(db: &DatabaseConnection, id: i64, now: DateTime<Utc>) -> Result<StartReport, CampaignError> {
    let c = load(db, id).await?;
    let event = start_event(&c, now)?;
    let plan = plan(db, &c, now).await?;
    if let Some(p) = plan.problems.first() {
        return Err(CampaignError::Render { target: p.target.clone(), source: p.error.clone() });
    }
    if plan.rows.is_empty() {
        return Err(CampaignError::NoTargets);
    }
    let audience = plan.count();
    let txn = db.begin().await?;
    let made = match &event {
        Some(e) => transition(&txn, id, e, None).await?,
        None => None,
    };
    let added = write_rows(&txn, id, &plan.rows, now).await?;
    let status = made.as_ref().map_or(c.state.status, |t| t.to.status);
    if added > 0 {
        let what = format!(
            "outbox: {added} rows added ({} targets, {} to send, {} skipped)",
            audience.targets, audience.to_send, audience.skipped
        );
        note(&txn, id, status, "materialise", &what).await?;
    }
    txn.commit().await?;
    let reason = match &made {
        Some(t) => t.reason.clone(),
        None => c.row.status_reason.clone().unwrap_or_default(),
    };
    Ok(StartReport { id, status, reason, added, audience, transition: made })
}

/// Inserts the planned rows that are not in the outbox yet; returns how many.
pub(crate) async fn write_rows(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    rows: &[Planned],
    now: DateTime<Utc>,
) -> Result<u64, CampaignError> {
    use message::Column as M;
    let mut added = 0;
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut insert = Query::insert();
        insert
            .into_table(message::Entity)
            .columns([
                M::CampaignId,
                M::TargetKey,
                M::TargetKind,
                M::ContactId,
                M::GroupId,
                M::Status,
                M::Attempts,
                M::RenderedText,
                M::SkipReason,
                M::LastError,
                M::CreatedAt,
                M::UpdatedAt,
            ])
            .on_conflict(OnConflict::columns([M::CampaignId, M::TargetKey]).do_nothing().to_owned());
        for r in chunk {
            let (status, text, code, why) = match &r.outcome {
                Outcome::Send(text) => (MessageStatus::Pending, Some(text.clone()), None, None),
                Outcome::Skip(reason) => {
                    (MessageStatus::Skipped, None, Some(reason.code().to_string()), Some(reason.describe()))
                }
            };
            insert
                .values([
                    campaign_id.into(),
                    r.target.key.clone().into(),
                    r.target.kind.as_str().into(),
                    r.target.contact_id.into(),
                    r.target.group_id.into(),
                    status.as_str().into(),
                    0i32.into(),
                    text.into(),
                    code.into(),
                    why.into(),
                    now.into(),
                    now.into(),
                ])
                .map_err(|e| CampaignError::Corrupt { id: campaign_id, what: "outbox row", detail: e.to_string() })?;
        }
        added += db.execute(&insert).await?.rows_affected();
    }
    Ok(added)
}
