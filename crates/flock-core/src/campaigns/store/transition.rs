//! The one writer of `campaigns.status`: every change goes through
//! [`transition`], used by the user's commands and by the dispatcher alike.

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};

use super::{parse_state, pause_cause_str};
use crate::campaigns::lifecycle::{step, CampaignEvent, CampaignStatus, Transition};
use crate::campaigns::CampaignError;
use crate::dispatch::{MessageStatus, SkipReason};
use crate::entities::{campaign, campaign_event, message};

/// Who makes an event happen (stored with the history).
fn actor(event: &CampaignEvent) -> &'static str {
    match event {
        CampaignEvent::StartTimeReached
        | CampaignEvent::NoSender { .. }
        | CampaignEvent::SendersBack
        | CampaignEvent::Finished => "dispatcher",
        _ => "user",
    }
}

/// Applies `event` to campaign `id`: reads its state, runs
/// [`crate::campaigns::lifecycle::step`], and in one transaction writes the
/// new status (compare-and-set on the old status and pause cause) and the
/// `campaign_events` row. `reason` replaces the step's own reason when given.
///
/// `Ok(None)`: the event changes nothing (an account back while the user has
/// paused). A refused event is `CampaignError::Lifecycle`; a lost
/// compare-and-set (someone else moved it meanwhile) `CampaignError::Stale`.
/// A cancel also skips the campaign's `pending` rows (`campaign_cancelled`);
/// rows already `sending` are left to the dispatcher's reconcile.
pub async fn transition<C>(
    db: &C,
    id: i64,
    event: &CampaignEvent,
    reason: Option<&str>,
) -> Result<Option<Transition>, CampaignError>
where
    C: ConnectionTrait + TransactionTrait,
{
    // IMMEDIATE on SQLite: a read-then-write transaction that starts as a
    // reader fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when another
    // process (the dispatcher) wrote meanwhile; as a writer it waits its turn.
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let row = campaign::Entity::find_by_id(id).one(&txn).await?.ok_or(CampaignError::NotFound(id))?;
    let state = parse_state(&row)?;
    let Some(mut t) = step(state, event)? else {
        txn.commit().await?;
        return Ok(None);
    };
    if let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        t.reason = r.to_string();
    }
    let now = Utc::now();
    let to = t.to.status;
    let mut update = campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
        .col_expr(campaign::Column::PausedBy, Expr::value(t.to.paused_by.map(pause_cause_str)))
        .col_expr(campaign::Column::StatusReason, Expr::value(t.reason.clone()))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Status.eq(state.status.as_str()));
    update = match state.paused_by {
        Some(c) => update.filter(campaign::Column::PausedBy.eq(pause_cause_str(c))),
        None => update.filter(campaign::Column::PausedBy.is_null()),
    };
    if to == CampaignStatus::Running && row.started_at.is_none() {
        update = update.col_expr(campaign::Column::StartedAt, Expr::value(now));
    }
    if to.is_final() {
        update = update.col_expr(campaign::Column::FinishedAt, Expr::value(now));
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(CampaignError::Stale(id));
    }
    campaign_event::Entity::insert(campaign_event::ActiveModel {
        campaign_id: Set(id),
        from_status: Set(t.from.as_str().into()),
        to_status: Set(to.as_str().into()),
        event: Set(event.name().into()),
        reason: Set(t.reason.clone()),
        actor: Set(Some(actor(event).into())),
        at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    if to == CampaignStatus::Cancelled {
        let reason = SkipReason::CampaignCancelled;
        message::Entity::update_many()
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Skipped.as_str()))
            .col_expr(message::Column::SkipReason, Expr::value(reason.code()))
            .col_expr(message::Column::LastError, Expr::value(reason.describe()))
            .col_expr(message::Column::UpdatedAt, Expr::value(now))
            .filter(message::Column::CampaignId.eq(id))
            .filter(message::Column::Status.eq(MessageStatus::Pending.as_str()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Some(t))
}

/// Records a history entry that is not a status change (the campaign was
/// created, its outbox materialised).
pub(crate) async fn note(
    db: &impl ConnectionTrait,
    id: i64,
    status: CampaignStatus,
    event: &str,
    reason: &str,
) -> Result<(), CampaignError> {
    campaign_event::Entity::insert(campaign_event::ActiveModel {
        campaign_id: Set(id),
        from_status: Set(status.as_str().into()),
        to_status: Set(status.as_str().into()),
        event: Set(event.into()),
        reason: Set(reason.into()),
        actor: Set(Some("user".into())),
        at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
