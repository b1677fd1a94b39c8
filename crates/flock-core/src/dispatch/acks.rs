//! Acks: every one is kept in `message_events` (status, raw number); a sent
//! row moves up to delivered and read (never down; -1 fails it). An ack for
//! a row still `sending` is applied after its send result, or, when no send
//! of this process owns the row, proves it reached WhatsApp (reconcile).

use flock_wa::MessageId;

use super::engine::Inner;
use super::outbox::MessageStatus;
use super::send::apply_ack;
use super::store::results;
use super::DispatchError;

pub(crate) async fn on_ack(inner: &Inner, account_id: i64, id: &MessageId, ack: flock_wa::Ack) -> Result<(), DispatchError> {
    let db = inner.db.conn();
    let Some(row) = results::by_wa_id(db, id.as_str()).await? else { return Ok(()) };
    if row.account_id.is_some_and(|a| a != account_id) {
        tracing::debug!(row = row.id, account_id, "an ack from another account than the sender; ignored");
        return Ok(());
    }
    let now = inner.clock.now();
    let name = match ack {
        flock_wa::Ack::Failed(_) => "ack failed",
        flock_wa::Ack::Pending => "ack pending",
        flock_wa::Ack::Server => "ack server",
        flock_wa::Ack::Device => "ack delivered",
        flock_wa::Ack::Read => "ack read",
        flock_wa::Ack::Played => "ack played",
    };
    results::event(db, row.id, name, Some(ack.code() as i32), None, now).await?;
    let Some(status) = MessageStatus::parse(&row.status) else { return Ok(()) };
    let attempts = row.attempts.max(0) as u32;
    match status {
        MessageStatus::Sending if inner.row_in_flight(row.id) => {}
        MessageStatus::Sending if ack.reached_server() => super::reconcile::found_by_ack(inner, &row, ack.code() as i64).await?,
        s if s.is_sent() => apply_ack(inner, row.id, s, attempts, ack.code() as i64).await?,
        _ => {}
    }
    inner.progress.mark(row.campaign_id);
    Ok(())
}
