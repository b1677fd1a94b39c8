//! Reconcile: a row found `sending` that this process is not sending (a
//! crash, a killed browser, a timeout, an unknown outcome) is looked up by
//! its stored id in THAT account's session, once the session is active:
//! - found with ack ≥ 1: it reached WhatsApp → `sent` (its claim time as
//!   the send time), then any later ack;
//! - found at the clock (ack 0): it may still go out → look again later,
//!   never send again;
//! - found failed (ack < 0) or not found: it never went → `pending` again,
//!   the attempt counted.
//!
//! A `sending` row is never handed to another account: only its own
//! account's session is asked, one lookup at a time per account.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use flock_wa::{Lookup, MessageId};

use super::engine::{lock, Inner};
use super::lanes::AccountLane;
use super::outbox::{MessageEvent, MessageRow, MessageStatus};
use super::route::Mode;
use super::send::{apply_ack, finish};
use super::store::results;
use super::{content, DispatchError};
use crate::entities::message;
use crate::repo::outbox::TargetKind;

/// Starts a lookup for every orphaned `sending` row whose account is free
/// and active here.
pub(crate) async fn start(inner: &Arc<Inner>, lanes: &[AccountLane], now: DateTime<Utc>) -> Result<(), DispatchError> {
    let able: Vec<i64> = lanes.iter().filter(|l| l.mode != Mode::Off).map(|l| l.account_id).collect();
    let rows = results::sending_of(inner.db.conn(), &able).await?;
    let deferred = lock(&inner.not_before).clone();
    for row in rows {
        let Some(account) = row.account_id else { continue };
        if inner.row_in_flight(row.id) || deferred.get(&row.id).is_some_and(|t| *t > now) {
            continue;
        }
        if !inner.take(account, row.id) {
            continue;
        }
        let task_inner = inner.clone();
        inner.spawn(async move {
            let (id, campaign) = (row.id, row.campaign_id);
            if let Err(e) = look_up(&task_inner, row).await {
                tracing::warn!(row = id, "reconcile: {e}");
                task_inner.defer(id, task_inner.clock.now() + task_inner.config.recheck);
            }
            task_inner.release(account, Some(campaign));
        });
    }
    Ok(())
}

/// Team mode: the `sending` rows of an account whose workstation went
/// offline are left alone (never handed to another account) and say what
/// they wait for, on every screen of every desk.
pub(crate) async fn park_elsewhere(
    inner: &Inner,
    lanes: &[AccountLane],
    now: DateTime<Utc>,
) -> Result<(), DispatchError> {
    for l in lanes {
        let super::gateway::Elsewhere::Offline { desk } = &l.elsewhere else {
            continue;
        };
        let reason = format!("waiting for {desk} to reconcile: only this account's session there can tell whether it went out");
        let n = results::park(inner.db.conn(), l.account_id, &reason, now).await?;
        if n > 0 {
            tracing::info!(account = l.account_id, desk = %desk, rows = n, "sending rows wait for their workstation to come back");
        }
    }
    Ok(())
}

fn kind_of(row: &message::Model) -> TargetKind {
    match row.target_kind.as_str() {
        "group" => TargetKind::Group,
        "lid" => TargetKind::Lid,
        _ => TargetKind::Phone,
    }
}

async fn look_up(inner: &Inner, row: message::Model) -> Result<(), DispatchError> {
    let Some(account) = row.account_id else { return Ok(()) };
    let state = MessageRow { status: MessageStatus::Sending, attempts: row.attempts.max(0) as u32 };
    let wa_id = row.wa_message_id.clone().unwrap_or_default();
    // The id is stored before every send: a row without a readable one was never sent.
    let Ok(id) = MessageId::parse(&wa_id) else {
        return finish(inner, row.id, row.campaign_id, account, &wa_id, state, &MessageEvent::Reconciled { found_at: None }).await;
    };
    let chat = content::target_wa_id(&row.target_key, kind_of(&row)).ok();
    let found = match inner.gateway.lookup(account, &id, chat.as_ref()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::info!(row = row.id, account, "reconcile lookup failed ({e}); trying later");
            inner.defer(row.id, inner.clock.now() + inner.config.recheck);
            return Ok(());
        }
    };
    let now = inner.clock.now();
    match found {
        Lookup::Found { ack, .. } if ack.reached_server() => {
            let at = row.claimed_at.unwrap_or(now);
            finish(inner, row.id, row.campaign_id, account, &wa_id, state, &MessageEvent::Reconciled { found_at: Some(at) }).await?;
            if ack.code() > 1 {
                apply_ack(inner, row.id, MessageStatus::Sent, state.attempts, ack.code() as i64).await?;
            }
        }
        Lookup::Found { ack: flock_wa::Ack::Pending, .. } => {
            results::event(inner.db.conn(), row.id, "sending", Some(0), Some("found in the chat, not yet sent (clock): looking again later".into()), now).await?;
            inner.defer(row.id, now + inner.config.recheck);
        }
        Lookup::Found { .. } | Lookup::NotFound { .. } => {
            finish(inner, row.id, row.campaign_id, account, &wa_id, state, &MessageEvent::Reconciled { found_at: None }).await?;
        }
    }
    Ok(())
}

/// An ack (≥ 1) for an orphaned `sending` row proves it reached WhatsApp.
pub(crate) async fn found_by_ack(inner: &Inner, row: &message::Model, code: i64) -> Result<(), DispatchError> {
    let Some(account) = row.account_id else { return Ok(()) };
    let wa_id = row.wa_message_id.clone().unwrap_or_default();
    let state = MessageRow { status: MessageStatus::Sending, attempts: row.attempts.max(0) as u32 };
    let at = row.claimed_at.unwrap_or_else(|| inner.clock.now());
    finish(inner, row.id, row.campaign_id, account, &wa_id, state, &MessageEvent::Reconciled { found_at: Some(at) }).await?;
    if code > 1 {
        apply_ack(inner, row.id, MessageStatus::Sent, state.attempts, code).await?;
    }
    Ok(())
}
