//! One claimed message, from the existence check to its stored result.
//!
//! ```text
//! (first message to a number) exists? ── no ──▶ skipped not_on_whatsapp
//!      │ yes (cached on the contact)
//! claim: ONE conditional UPDATE stores sending + account + message id
//!      │ (lost: another dispatcher has it, a STOP or a pause came: nothing sent)
//! send through the account's session
//!      │
//! outbox::step(SendResult) ─▶ sent | pending (backoff) | failed | still sending (unknown: reconcile)
//! ```

use std::sync::Arc;

use flock_wa::MessageId;

use super::engine::Inner;
use super::hooks::{hold, Stage};
use super::outbox::{self, AccountEffect, MessageEvent, MessageRow, MessageStatus, SkipReason};
use super::running::CampaignInfo;
use super::store::{accounts as account_store, claims, results};
use super::{content, outcome, DispatchError, SendOutcome};
use crate::repo::outbox::TargetKind;

pub(crate) struct Job {
    pub candidate: claims::Candidate,
    pub account_id: i64,
    pub needs_check: bool,
    pub sender_is_admin: bool,
    pub campaign: CampaignInfo,
}

pub(crate) async fn run(inner: Arc<Inner>, job: Job) {
    let (account, row, campaign) = (job.account_id, job.candidate.id, job.candidate.campaign_id);
    if let Err(e) = send(&inner, job).await {
        tracing::warn!(account, row, "send: {e}");
        inner.defer(row, inner.clock.now() + inner.config.recheck);
    }
    inner.release(account, Some(campaign));
}

async fn send(inner: &Inner, job: Job) -> Result<(), DispatchError> {
    let db = inner.db.conn();
    let c = &job.candidate;
    let account = job.account_id;
    if job.needs_check {
        let wid = match content::target_wa_id(&c.target_key, TargetKind::Phone) {
            Ok(w) => w,
            Err(_) => return skip(inner, c, SkipReason::NotOnWhatsApp).await,
        };
        match inner.gateway.exists(account, &wid).await {
            Ok(found) => {
                let now = inner.clock.now();
                if let Some(contact) = c.contact_id {
                    claims::set_on_whatsapp(db, contact, found.is_some(), now).await?;
                }
                if found.is_none() {
                    return skip(inner, c, SkipReason::NotOnWhatsApp).await;
                }
            }
            Err(e) => {
                tracing::info!(account, row = c.id, "existence check failed ({e}); trying later");
                inner.defer(c.id, inner.clock.now() + inner.config.recheck);
                return Ok(());
            }
        }
    }
    let id = MessageId::new();
    let now = inner.clock.now();
    if !claims::claim(db, c.id, account, id.as_str(), &inner.config.claimed_by, now).await? {
        return Ok(());
    }
    results::event(db, c.id, "sending", None, Some(format!("claimed for account {account} as {id}")), now).await?;
    inner.progress.mark(c.campaign_id);
    hold(Stage::AfterClaim, c.id).await;
    // The person's privacy id, when WhatsApp took a message to their number on their @lid chat.
    let mut lid_chat = None;
    let outcome = match content::request(id.clone(), &c.target_key, c.kind, c.rendered_text.as_deref(), &job.campaign) {
        Ok(req) => {
            let result = inner.gateway.send(account, &req).await;
            if let (Ok(a), TargetKind::Phone) = (&result, c.kind) {
                lid_chat = a.chat.is_lid().then(|| a.chat.to_string());
            }
            hold(Stage::AfterSend, c.id).await;
            let mut outcome = outcome::classify(&result, job.sender_is_admin);
            // WhatsApp's time has whole seconds; the pacing counts from the
            // send time, so take the later of it and the moment we heard
            // back (a window must never open before a minute has passed).
            if let SendOutcome::Accepted { at } = &mut outcome {
                *at = (*at).max(inner.clock.now());
            }
            outcome
        }
        Err(problem) => SendOutcome::Other { detail: problem, transient: false },
    };
    if let (SendOutcome::NotForThisAccount { .. }, Some(group)) = (&outcome, c.group_id) {
        claims::set_admins_only(db, group).await?;
    }
    let row = MessageRow { status: MessageStatus::Sending, attempts: c.attempts };
    finish(inner, c.id, c.campaign_id, account, id.as_str(), row, &MessageEvent::SendResult { outcome }).await?;
    if let Some(lid) = lid_chat {
        // After the result is stored: a failure here must not cost the send its record.
        if let Err(e) = learn_lid(db, &c.target_key, &lid, inner.clock.now()).await {
            tracing::warn!(account, row = c.id, "the privacy id of a sent-to number was not stored: {e}");
        }
    }
    Ok(())
}

/// Links the phone `key` with the `@lid` chat its message went to, in one transaction.
async fn learn_lid(
    db: &sea_orm::DatabaseConnection,
    key: &str,
    lid: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DispatchError> {
    use sea_orm::TransactionTrait;
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            // A read-then-write transaction on SQLite: a writer from the start (see inbox::record).
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    crate::groups::learn_lid(&txn, key, lid, now).await?;
    txn.commit().await?;
    Ok(())
}

async fn skip(inner: &Inner, c: &claims::Candidate, reason: SkipReason) -> Result<(), DispatchError> {
    let now = inner.clock.now();
    if claims::skip(inner.db.conn(), c.id, &reason, now).await? {
        results::event(inner.db.conn(), c.id, "skipped", None, Some(reason.describe()), now).await?;
    }
    Ok(())
}

/// Stores a send or reconcile result of a `sending` row through
/// [`outbox::step`], with its history line; a 463 restricts the account;
/// acks that came while it was sending are applied after.
pub(crate) async fn finish(
    inner: &Inner,
    row_id: i64,
    campaign_id: i64,
    account_id: i64,
    wa_id: &str,
    row: MessageRow,
    event: &MessageEvent,
) -> Result<(), DispatchError> {
    let db = inner.db.conn();
    let now = inner.clock.now();
    let step = match outbox::step(row, event, &inner.config.retry, now, row_id as u64) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(row = row_id, "{e}");
            return Ok(());
        }
    };
    if step.changed {
        if !results::apply(db, row_id, MessageStatus::Sending, Some(wa_id), &step, now).await? {
            tracing::info!(row = row_id, "the row changed meanwhile; its result is not stored");
            return Ok(());
        }
        let detail = step.reason.clone();
        results::event(db, row_id, step.status.as_str(), None, detail, now).await?;
    } else {
        results::event(db, row_id, "sending", None, step.reason.clone(), now).await?;
        inner.defer(row_id, now + inner.config.settle);
    }
    inner.progress.mark(campaign_id);
    if let Some(AccountEffect::Restrict { until }) = step.account {
        // WhatsApp states the end in whole seconds, cut down: held to that, the
        // engine lifted the lock up to a second early and met 463 again in a
        // tight loop. So the lock lasts to the end of that second, and one more.
        let until = until.map(|u| u + chrono::Duration::seconds(2)).unwrap_or(now + inner.config.default_timelock);
        account_store::set_reachout_until(db, account_id, Some(until)).await?;
        tracing::warn!(account = account_id, %until, "reachout timelock (463): no first messages to new contacts until then");
        if let Err(e) = inner.gateway.restrict(account_id, Some(until)).await {
            tracing::warn!(account = account_id, "cannot mark the account restricted: {e}");
        }
    }
    if step.status.is_sent() {
        apply_recorded_acks(inner, row_id, step.status, step.attempts).await?;
    }
    Ok(())
}

/// Acks recorded while the row was `sending`, applied now it is sent.
pub(crate) async fn apply_recorded_acks(
    inner: &Inner,
    row_id: i64,
    status: MessageStatus,
    attempts: u32,
) -> Result<(), DispatchError> {
    let db = inner.db.conn();
    let Some(code) = results::highest_ack(db, row_id).await? else { return Ok(()) };
    apply_ack(inner, row_id, status, attempts, code as i64).await
}

/// Moves a sent row up by an ack (only up; -1 fails a sent row).
pub(crate) async fn apply_ack(inner: &Inner, row_id: i64, status: MessageStatus, attempts: u32, code: i64) -> Result<(), DispatchError> {
    let Some(ack) = outcome::ack_of(flock_wa::Ack::from_code(code)) else { return Ok(()) };
    let now = inner.clock.now();
    let row = MessageRow { status, attempts };
    match outbox::step(row, &MessageEvent::Ack { ack }, &inner.config.retry, now, row_id as u64) {
        Ok(step) if step.changed => {
            results::apply(inner.db.conn(), row_id, status, None, &step, now).await?;
        }
        Ok(_) => {}
        Err(e) => tracing::debug!(row = row_id, "{e}"),
    }
    Ok(())
}
