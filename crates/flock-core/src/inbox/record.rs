//! Recording an inbound message (the inbox): stored once per account and
//! WhatsApp id, linked to the person (phone or privacy id) and to the
//! campaign message it answers, the contact marked as having written to us,
//! and a reply matching the opt-out keywords puts the person on the
//! suppression list at once (source `reply`), so every pending message to
//! them, in every campaign, is skipped when the dispatcher claims it.
//!
//! Which message it answers: the one it quotes, when that is ours; else,
//! in a one-to-one chat, the latest message the receiving account sent to
//! that person. A group message is linked only when it quotes ours, and
//! only such a quoted reply in a group is read for keywords (people talk
//! to each other there). Writing in a group is not writing to us.

use chrono::{DateTime, Utc};
use flock_wa::{InboundMessage, WaId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;

use super::keywords::{KeywordMatcher, ReplyIntent};
use crate::dispatch::DispatchError;
use crate::entities::{contact, inbound_message, message};
use crate::repo::contacts::{self, ContactKey, ContactSource};
use crate::repo::suppressions::{self, contact_keys, person_keys, Change, PersonKey, SuppressionSource};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// `None`: already stored (the same message delivered twice).
    pub id: Option<i64>,
    pub contact_id: Option<i64>,
    pub reply_to: Option<i64>,
    pub opted_out: bool,
    pub opted_in: bool,
}

/// The person who wrote: the chat in a one-to-one chat, the author in a group.
fn writer(m: &InboundMessage) -> Option<&WaId> {
    if m.chat.is_group() {
        m.author.as_ref()
    } else {
        Some(&m.chat)
    }
}

fn keys_of(w: &WaId) -> Vec<PersonKey> {
    let phone = w.e164();
    let id = w.to_string();
    person_keys(phone.as_deref(), Some(&id))
}

pub async fn record(
    db: &DatabaseConnection,
    account_id: i64,
    m: &InboundMessage,
    keywords: &KeywordMatcher,
    now: DateTime<Utc>,
) -> Result<Recorded, DispatchError> {
    // IMMEDIATE on SQLite: a read-then-write transaction that starts as a
    // reader fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when another
    // process (the dispatcher) wrote meanwhile; as a writer it waits its turn.
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let out = record_in(&txn, account_id, m, keywords, now).await?;
    txn.commit().await?;
    Ok(out)
}

async fn record_in(
    db: &impl ConnectionTrait,
    account_id: i64,
    m: &InboundMessage,
    keywords: &KeywordMatcher,
    now: DateTime<Utc>,
) -> Result<Recorded, DispatchError> {
    let duplicate = inbound_message::Entity::find()
        .filter(inbound_message::Column::AccountId.eq(account_id))
        .filter(inbound_message::Column::WaMessageId.eq(m.id.as_str()))
        .one(db)
        .await?;
    if let Some(d) = duplicate {
        return Ok(Recorded { id: None, contact_id: d.contact_id, reply_to: d.reply_to_message_id, opted_out: false, opted_in: false });
    }
    let group = m.chat.is_group();
    let mut keys = writer(m).map(keys_of).unwrap_or_default();
    // The contact: found by any key; created for a one-to-one chat.
    let mut found = None;
    for k in &keys {
        let col = match k.kind {
            suppressions::KeyKind::Phone => contact::Column::Phone,
            suppressions::KeyKind::Lid => contact::Column::Lid,
        };
        if let Some(c) = contact::Entity::find().filter(col.eq(k.key.clone())).one(db).await? {
            found = Some(c);
            break;
        }
    }
    if found.is_none() && !group {
        let key = keys.iter().find(|k| k.kind == suppressions::KeyKind::Phone).or(keys.first());
        if let Some(k) = key {
            let key = match k.kind {
                suppressions::KeyKind::Phone => ContactKey::Phone(&k.key),
                suppressions::KeyKind::Lid => ContactKey::Lid(&k.key),
            };
            found = Some(contacts::upsert_from(db, key, None, ContactSource::Reply).await?.0);
        }
    }
    if let Some(c) = &found {
        for k in contact_keys(c) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    // The campaign message it answers.
    let mut reply_to = None;
    if let Some(q) = &m.quoted_id {
        reply_to = message::Entity::find().filter(message::Column::WaMessageId.eq(q.as_str())).one(db).await?.map(|r| r.id);
    }
    if reply_to.is_none() && !group && !keys.is_empty() {
        reply_to = message::Entity::find()
            .filter(message::Column::AccountId.eq(account_id))
            .filter(message::Column::TargetKey.is_in(keys.iter().map(|k| k.key.clone())))
            .filter(message::Column::SentAt.is_not_null())
            .order_by_desc(message::Column::SentAt)
            .one(db)
            .await?
            .map(|r| r.id);
    }
    let read_keywords = !group || reply_to.is_some();
    let intent = match (&m.text, read_keywords) {
        (Some(text), true) => keywords.classify(text),
        _ => ReplyIntent::Other,
    };
    let opted_out = matches!(intent, ReplyIntent::OptOut { .. });
    let row = inbound_message::ActiveModel {
        account_id: Set(account_id),
        wa_message_id: Set(m.id.as_str().to_string()),
        chat_id: Set(m.chat.to_string()),
        author_id: Set(m.author.as_ref().map(|a| a.to_string())),
        msg_type: Set(m.kind.clone()),
        body: Set(m.text.clone()),
        quoted_wa_message_id: Set(m.quoted_id.as_ref().map(|q| q.as_str().to_string())),
        reply_to_message_id: Set(reply_to),
        contact_id: Set(found.as_ref().map(|c| c.id)),
        is_opt_out: Set(opted_out),
        sent_at: Set(m.at),
        received_at: Set(now),
        ..Default::default()
    };
    let id = inbound_message::Entity::insert(row).exec(db).await?.last_insert_id;
    if let (Some(c), false) = (&found, group) {
        contacts::record_inbound(db, c.id, m.at).await?;
    }
    let actor = format!("account:{account_id}");
    let mut opted_in = false;
    match &intent {
        ReplyIntent::OptOut { keyword } => {
            let reason = format!("replied \"{keyword}\"");
            let change = Change { source: SuppressionSource::Reply, reason: Some(&reason), actor: Some(&actor) };
            suppressions::suppress(db, &keys, change, now).await?;
            tracing::info!(account_id, inbound = id, "opt-out by reply");
        }
        ReplyIntent::OptIn { keyword } => {
            let reason = format!("replied \"{keyword}\"");
            let change = Change { source: SuppressionSource::Reply, reason: Some(&reason), actor: Some(&actor) };
            opted_in = suppressions::lift(db, &keys, change, now).await? > 0;
        }
        ReplyIntent::Other => {}
    }
    Ok(Recorded { id: Some(id), contact_id: found.map(|c| c.id), reply_to, opted_out, opted_in })
}
