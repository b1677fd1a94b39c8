//! "Retry failed": the failed messages of a campaign that certainly never
//! reached WhatsApp go back to `pending`, with their very text (rendered at
//! materialisation) and a fresh attempt budget; the dispatcher claims them
//! again with a new message id.
//!
//! Which failed rows qualify, and why the others never do:
//! - no `sent_at`, `delivered_at` or `read_at`: a row WhatsApp accepted and
//!   then reported undeliverable (ack -1) has `sent_at`, and stays failed;
//! - no ack in its history (`message_events.ack`, even 0: a lookup found it
//!   in the chat) and no `sent`/`delivered`/`read` entry: an ack that came
//!   while it was `sending` is kept there, and means it reached WhatsApp.
//! A failed row is only ever the result of a definite refusal (the outbox
//! machine keeps an uncertain outcome in `sending` until the session has
//! looked it up), so these rows were refused, not lost; rows in `sending`
//! are never touched here.
//!
//! A completed campaign runs again (`CampaignEvent::RetryFailed`); a running
//! or paused one keeps its status; a draft, scheduled or cancelled one is
//! refused. All in one transaction, with a history line per message.

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;

use super::super::parse_state;
use super::super::transition::{note, transition};
use crate::campaigns::lifecycle::{CampaignEvent, CampaignStatus, LifecycleError};
use crate::campaigns::CampaignError;
use crate::dispatch::MessageStatus;
use crate::entities::{campaign, message, message_event};

/// Rows updated per statement.
const CHUNK: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetryReport {
    /// Failed messages back to pending.
    pub moved: u64,
    /// Failed messages left as they are: they may have reached WhatsApp.
    pub kept: u64,
    /// The campaign was completed and runs again.
    pub reopened: bool,
    pub status: CampaignStatus,
}

/// The failed rows that certainly never reached WhatsApp (see the module doc).
pub(crate) fn retryable() -> Condition {
    let reached = Query::select()
        .expr(Expr::val(1))
        .from(message_event::Entity)
        .and_where(
            Expr::col((message_event::Entity, message_event::Column::MessageId))
                .equals((message::Entity, message::Column::Id)),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((message_event::Entity, message_event::Column::Ack)).is_not_null())
                .add(
                    Expr::col((message_event::Entity, message_event::Column::Status)).is_in([
                        "sent",
                        "delivered",
                        "read",
                    ]),
                ),
        )
        .to_owned();
    Condition::all()
        .add(message::Column::Status.eq(MessageStatus::Failed.as_str()))
        .add(message::Column::SentAt.is_null())
        .add(message::Column::DeliveredAt.is_null())
        .add(message::Column::ReadAt.is_null())
        .add(Expr::exists(reached).not())
}

/// Moves campaign `id`'s retryable failed messages (only those failed with
/// `reason`, when given) back to pending; see the module doc.
pub async fn retry_failed(
    db: &DatabaseConnection,
    id: i64,
    reason: Option<&str>,
) -> Result<RetryReport, CampaignError> {
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let row = campaign::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CampaignError::NotFound(id))?;
    let status = parse_state(&row)?.status;
    if matches!(
        status,
        CampaignStatus::Draft | CampaignStatus::Scheduled | CampaignStatus::Cancelled
    ) {
        return Err(LifecycleError::Invalid {
            status,
            event: "retry failed",
        }
        .into());
    }
    let mut of_campaign = message::Entity::find().filter(message::Column::CampaignId.eq(id));
    if let Some(r) = reason {
        of_campaign = of_campaign.filter(message::Column::LastError.eq(r));
    }
    let failed: u64 = {
        use sea_orm::PaginatorTrait;
        of_campaign
            .clone()
            .filter(message::Column::Status.eq(MessageStatus::Failed.as_str()))
            .count(&txn)
            .await?
    };
    let ids: Vec<(i64, Option<String>)> = of_campaign
        .filter(retryable())
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::LastError)
        .into_tuple()
        .all(&txn)
        .await?;
    let kept = failed - ids.len() as u64;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(RetryReport {
            moved: 0,
            kept,
            reopened: false,
            status,
        });
    }
    let what = format!("retry: {} failed messages back to pending", ids.len());
    let made = transition(&txn, id, &CampaignEvent::RetryFailed, Some(&what)).await?;
    let now = Utc::now();
    let mut moved = 0;
    for chunk in ids.chunks(CHUNK) {
        let chunk_ids: Vec<i64> = chunk.iter().map(|(i, _)| *i).collect();
        moved += message::Entity::update_many()
            .col_expr(
                message::Column::Status,
                Expr::value(MessageStatus::Pending.as_str()),
            )
            .col_expr(message::Column::Attempts, Expr::value(0))
            .col_expr(
                message::Column::NextAttemptAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(
                message::Column::FailedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(message::Column::AccountId, Expr::value(Option::<i64>::None))
            .col_expr(
                message::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                message::Column::ClaimedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(
                message::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(message::Column::UpdatedAt, Expr::value(now))
            .filter(message::Column::Id.is_in(chunk_ids))
            .filter(retryable())
            .exec(&txn)
            .await?
            .rows_affected;
        message_event::Entity::insert_many(chunk.iter().map(|(row_id, last)| {
            message_event::ActiveModel {
                message_id: Set(*row_id),
                status: Set(MessageStatus::Pending.as_str().into()),
                ack: Set(None),
                detail: Set(Some(format!(
                    "retry requested by the user (it had failed: {})",
                    last.as_deref().unwrap_or("no reason")
                ))),
                at: Set(now),
                ..Default::default()
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let status = match &made {
        Some(t) => {
            // Running again: it is not finished any more.
            campaign::Entity::update_many()
                .col_expr(
                    campaign::Column::FinishedAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                )
                .filter(campaign::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            t.to.status
        }
        None => {
            note(&txn, id, status, "retry failed", &what).await?;
            status
        }
    };
    txn.commit().await?;
    Ok(RetryReport {
        moved,
        kept,
        reopened: made.is_some(),
        status,
    })
}
