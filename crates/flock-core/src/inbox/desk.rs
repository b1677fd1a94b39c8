//! The Inbox screen: replies newest first with the person, the account that
//! got them and the campaign each answers; read / unread (kept in the
//! database, `inbound_messages.read_at`, so every workstation agrees); and
//! opting the person out or in from a reply, through the suppression list
//! (the same functions the Contacts page uses).
//!
//! [`ReplyRecorded`] is what the dispatcher broadcasts once a reply is
//! stored (`Engine::replies`), so the screen updates without polling.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entities::{account, campaign, contact, group, inbound_message, message};
use crate::repo::contacts as contacts_repo;
use crate::repo::suppressions::{self, Change};
use crate::repo::RepoError;

/// The most replies one page shows.
pub const MAX_PAGE: u64 = 500;

/// A reply was stored (not a second delivery of one already stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyRecorded {
    pub id: i64,
    pub account_id: i64,
    pub contact_id: Option<i64>,
    /// The outbox message it answers.
    pub reply_to: Option<i64>,
    /// The reply was an opt-out keyword: the person is now on the suppression list.
    pub opted_out: bool,
    pub opted_in: bool,
}

/// Which replies the Inbox shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct InboxFilter {
    pub account_id: Option<i64>,
    pub campaign_id: Option<i64>,
    /// One person's replies.
    pub contact_id: Option<i64>,
    pub unread_only: bool,
    /// Only replies recognised as opt-out keywords.
    pub opt_outs_only: bool,
    /// How many (newest first); 0 means 100, at most [`MAX_PAGE`].
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    pub id: i64,
    pub account_id: i64,
    pub account_name: Option<String>,
    /// The chat: the person, or the group it was written in.
    pub chat_id: String,
    pub group_subject: Option<String>,
    pub msg_type: String,
    pub body: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// WhatsApp shows this person only by a privacy id.
    pub phone_hidden: bool,
    /// The campaign the reply answers (the message it quotes, or the last one we sent them).
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    /// The reply itself was an opt-out keyword (STOP, …).
    pub is_opt_out: bool,
    /// The person is on the suppression list now.
    pub opted_out: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// A campaign replies answer, for the Inbox's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignChoice {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// More replies match than shown.
    pub more: bool,
    /// Unread replies in the whole inbox (every filter off).
    pub unread: u64,
    /// The campaigns any reply answers, newest first.
    pub campaigns: Vec<CampaignChoice>,
}

/// Who wrote it: the author in a group, else the chat.
fn writer(r: &inbound_message::Model) -> &str {
    r.author_id.as_deref().unwrap_or(&r.chat_id)
}

fn limit_of(f: &InboxFilter) -> u64 {
    match f.limit {
        0 => 100,
        n => u64::from(n).min(MAX_PAGE),
    }
}

/// The filter as a condition on `inbound_messages` (the campaign through
/// a subquery: a campaign may hold 100,000 messages, too many to bind).
fn condition(f: &InboxFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(a) = f.account_id {
        c = c.add(inbound_message::Column::AccountId.eq(a));
    }
    if let Some(id) = f.contact_id {
        c = c.add(inbound_message::Column::ContactId.eq(id));
    }
    if f.unread_only {
        c = c.add(inbound_message::Column::ReadAt.is_null());
    }
    if f.opt_outs_only {
        c = c.add(inbound_message::Column::IsOptOut.eq(true));
    }
    if let Some(campaign_id) = f.campaign_id {
        let ids = Query::select()
            .column(message::Column::Id)
            .from(message::Entity)
            .and_where(message::Column::CampaignId.eq(campaign_id))
            .to_owned();
        c = c.add(inbound_message::Column::ReplyToMessageId.in_subquery(ids));
    }
    c
}

pub async fn list(db: &impl ConnectionTrait, f: &InboxFilter) -> Result<InboxPage, RepoError> {
    let limit = limit_of(f);
    let mut rows = inbound_message::Entity::find()
        .filter(condition(f))
        .order_by_desc(inbound_message::Column::SentAt)
        .order_by_desc(inbound_message::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let items = items(db, rows).await?;
    let unread = inbound_message::Entity::find().filter(inbound_message::Column::ReadAt.is_null()).count(db).await?;
    Ok(InboxPage { items, more, unread, campaigns: campaigns_replied(db).await? })
}

/// One reply as the Inbox shows it.
pub async fn item(db: &impl ConnectionTrait, id: i64) -> Result<InboxItem, RepoError> {
    let row = inbound_message::Entity::find_by_id(id).one(db).await?.ok_or(RepoError::NotFound { what: "reply", id })?;
    let mut out = items(db, vec![row]).await?;
    out.pop().ok_or(RepoError::NotFound { what: "reply", id })
}

/// The rows with their person, account, group and campaign (one query each, by id).
async fn items(db: &impl ConnectionTrait, rows: Vec<inbound_message::Model>) -> Result<Vec<InboxItem>, RepoError> {
    let contact_ids: Vec<i64> = rows.iter().filter_map(|r| r.contact_id).collect();
    let contacts: HashMap<i64, contact::Model> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(contact_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let accounts: HashMap<i64, String> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Name)
        .filter(account::Column::Id.is_in(account_ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let chats: Vec<String> = rows.iter().filter(|r| r.chat_id.ends_with("@g.us")).map(|r| r.chat_id.clone()).collect();
    let groups: HashMap<String, String> = group::Entity::find()
        .select_only()
        .column(group::Column::WaId)
        .column(group::Column::Subject)
        .filter(group::Column::WaId.is_in(chats))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let reply_ids: Vec<i64> = rows.iter().filter_map(|r| r.reply_to_message_id).collect();
    let answered: HashMap<i64, i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::CampaignId)
        .filter(message::Column::Id.is_in(reply_ids))
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let names = campaign_names(db, answered.values().copied().collect()).await?;
    // A writer with no contact row (a group member not synced yet) is looked up by their id.
    let loose: Vec<String> = rows
        .iter()
        .filter(|r| r.contact_id.is_none())
        .flat_map(|r| suppressions::person_keys(None, Some(writer(r))).into_iter().map(|k| k.key))
        .collect();
    let suppressed = suppressions::suppressed_keys(db, &loose).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = r.contact_id.and_then(|id| contacts.get(&id));
            let campaign_id = r.reply_to_message_id.and_then(|m| answered.get(&m).copied());
            let opted_out = match c {
                Some(c) => c.opted_out_at.is_some(),
                None => suppressions::person_keys(None, Some(writer(&r))).iter().any(|k| suppressed.contains_key(&k.key)),
            };
            InboxItem {
                id: r.id,
                account_id: r.account_id,
                account_name: accounts.get(&r.account_id).cloned(),
                group_subject: groups.get(&r.chat_id).cloned(),
                chat_id: r.chat_id,
                msg_type: r.msg_type,
                body: r.body,
                contact_id: r.contact_id,
                contact_name: c.and_then(|c| c.name.clone()),
                contact_phone: c.and_then(|c| c.phone.clone()),
                phone_hidden: c.is_some_and(|c| c.phone.is_none()),
                campaign_id,
                campaign_name: campaign_id.and_then(|id| names.get(&id).cloned()),
                is_opt_out: r.is_opt_out,
                opted_out,
                read_at: r.read_at,
                sent_at: r.sent_at,
                received_at: r.received_at,
            }
        })
        .collect())
}

async fn campaign_names(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<HashMap<i64, String>, RepoError> {
    Ok(campaign::Entity::find()
        .select_only()
        .column(campaign::Column::Id)
        .column(campaign::Column::Name)
        .filter(campaign::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

async fn campaigns_replied(db: &impl ConnectionTrait) -> Result<Vec<CampaignChoice>, RepoError> {
    let answered = Query::select()
        .column(inbound_message::Column::ReplyToMessageId)
        .from(inbound_message::Entity)
        .and_where(inbound_message::Column::ReplyToMessageId.is_not_null())
        .to_owned();
    let ids: Vec<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::CampaignId)
        .distinct()
        .filter(message::Column::Id.in_subquery(answered))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<CampaignChoice> =
        campaign_names(db, ids).await?.into_iter().map(|(id, name)| CampaignChoice { id, name }).collect();
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}

/// Marks replies read (`read: false`: unread again); returns how many changed.
pub async fn set_read(db: &impl ConnectionTrait, ids: &[i64], read: bool, now: DateTime<Utc>) -> Result<u64, RepoError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut update = inbound_message::Entity::update_many().filter(inbound_message::Column::Id.is_in(ids.iter().copied()));
    update = if read {
        // The first opening counts: a reply read before keeps its time.
        update.col_expr(inbound_message::Column::ReadAt, Expr::value(now)).filter(inbound_message::Column::ReadAt.is_null())
    } else {
        update
            .col_expr(inbound_message::Column::ReadAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(inbound_message::Column::ReadAt.is_not_null())
    };
    Ok(update.exec(db).await?.rows_affected)
}

/// Marks every unread reply that passes the filter read.
pub async fn mark_all_read(db: &impl ConnectionTrait, f: &InboxFilter, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let res = inbound_message::Entity::update_many()
        .col_expr(inbound_message::Column::ReadAt, Expr::value(now))
        .filter(condition(f))
        .filter(inbound_message::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Opts the person who wrote reply `id` out (or back in), by hand: their
/// contact's keys, or for a writer with no contact row (a group member not
/// synced yet) the keys of their WhatsApp id. Returns the reply as it is now.
pub async fn set_opt_out(
    db: &DatabaseConnection,
    id: i64,
    opted_out: bool,
    reason: Option<&str>,
    actor: &str,
) -> Result<InboxItem, RepoError> {
    let row = inbound_message::Entity::find_by_id(id).one(db).await?.ok_or(RepoError::NotFound { what: "reply", id })?;
    let default_reason = "marked from the Inbox";
    let change = Change::manual(Some(reason.unwrap_or(default_reason)), actor);
    match row.contact_id {
        Some(contact_id) if opted_out => drop(contacts_repo::opt_out_by(db, contact_id, change).await?),
        Some(contact_id) => drop(contacts_repo::opt_in_by(db, contact_id, change).await?),
        None => {
            let writer = writer(&row);
            let keys = suppressions::person_keys(None, Some(writer));
            if keys.is_empty() {
                return Err(RepoError::Conflict {
                    message: format!("reply {id} has no person to opt out ({writer})"),
                    fix: "Opt the person out on the Contacts page".into(),
                });
            }
            let txn = crate::db::begin_write(db).await?;
            if opted_out {
                suppressions::suppress(&txn, &keys, change, Utc::now()).await?;
            } else {
                suppressions::lift(&txn, &keys, change, Utc::now()).await?;
            }
            txn.commit().await?;
        }
    }
    item(db, id).await
}
