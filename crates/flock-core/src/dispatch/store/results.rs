//! Writing what happened to a row: the outcome of a send or a reconcile
//! ([`crate::dispatch::outbox::step`]'s [`MessageStep`]), acks, and the
//! history in `message_events`. Every write is conditional on the status
//! (and message id) the caller saw, so a stale writer changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::dispatch::outbox::{MessageStatus, MessageStep};
use crate::dispatch::DispatchError;
use crate::entities::{message, message_event};

/// Writes `step` to row `id` if it is still `from` with message id `wa_id`.
/// A row back in `pending` loses its account (it may go to another one);
/// its message id stays until the next claim replaces it.
pub async fn apply(
    db: &impl ConnectionTrait,
    id: i64,
    from: MessageStatus,
    wa_id: Option<&str>,
    step: &MessageStep,
    now: DateTime<Utc>,
) -> Result<bool, DispatchError> {
    let mut q = Query::update();
    q.table(message::Entity)
        .value(message::Column::Status, step.status.as_str())
        .value(message::Column::Attempts, step.attempts as i32)
        .value(message::Column::UpdatedAt, now)
        .and_where(Expr::col(message::Column::Id).eq(id))
        .and_where(Expr::col(message::Column::Status).eq(from.as_str()));
    if let Some(w) = wa_id {
        q.and_where(Expr::col(message::Column::WaMessageId).eq(w));
    }
    if step.reason.is_some() || step.status == MessageStatus::Sent {
        q.value(message::Column::LastError, step.reason.clone());
    }
    if let Some(at) = step.sent_at {
        q.value(message::Column::SentAt, at);
    }
    match step.status {
        MessageStatus::Pending => {
            q.value(message::Column::NextAttemptAt, step.next_attempt_at);
            q.value(message::Column::AccountId, Option::<i64>::None);
            q.value(message::Column::ClaimedBy, Option::<String>::None);
        }
        MessageStatus::Failed => {
            q.value(message::Column::FailedAt, now);
        }
        MessageStatus::Delivered => {
            q.value(message::Column::DeliveredAt, Expr::col(message::Column::DeliveredAt).if_null(now));
        }
        MessageStatus::Read => {
            q.value(message::Column::DeliveredAt, Expr::col(message::Column::DeliveredAt).if_null(now));
            q.value(message::Column::ReadAt, Expr::col(message::Column::ReadAt).if_null(now));
        }
        _ => {}
    }
    Ok(db.execute(&q).await?.rows_affected() == 1)
}

/// One line of a row's history.
pub async fn event(
    db: &impl ConnectionTrait,
    message_id: i64,
    status: &str,
    ack: Option<i32>,
    detail: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DispatchError> {
    message_event::ActiveModel {
        message_id: Set(message_id),
        status: Set(status.to_string()),
        ack: Set(ack),
        detail: Set(detail),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The highest ack recorded for a row (acks that came while it was `sending`).
pub async fn highest_ack(db: &impl ConnectionTrait, message_id: i64) -> Result<Option<i32>, DispatchError> {
    let events = message_event::Entity::find()
        .filter(message_event::Column::MessageId.eq(message_id))
        .filter(message_event::Column::Ack.is_not_null())
        .all(db)
        .await?;
    Ok(events.iter().filter_map(|e| e.ack).max())
}

pub async fn by_wa_id(db: &impl ConnectionTrait, wa_id: &str) -> Result<Option<message::Model>, DispatchError> {
    Ok(message::Entity::find().filter(message::Column::WaMessageId.eq(wa_id)).one(db).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<message::Model>, DispatchError> {
    Ok(message::Entity::find_by_id(id).one(db).await?)
}

/// Names why the `sending` rows of an account whose workstation went
/// offline wait (team mode); only rows not yet saying so are written.
/// Returns how many.
pub async fn park(
    db: &impl ConnectionTrait,
    account_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, DispatchError> {
    let q = Query::update()
        .table(message::Entity)
        .value(message::Column::LastError, reason)
        .value(message::Column::UpdatedAt, now)
        .and_where(Expr::col(message::Column::Status).eq("sending"))
        .and_where(Expr::col(message::Column::AccountId).eq(account_id))
        .and_where(
            Expr::col(message::Column::LastError)
                .is_null()
                .or(Expr::col(message::Column::LastError).ne(reason)),
        )
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected())
}

/// Rows `sending` on these accounts (to reconcile).
pub async fn sending_of(db: &impl ConnectionTrait, accounts: &[i64]) -> Result<Vec<message::Model>, DispatchError> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    Ok(message::Entity::find()
        .filter(message::Column::Status.eq("sending"))
        .filter(message::Column::AccountId.is_in(accounts.iter().copied()))
        .all(db)
        .await?)
}
