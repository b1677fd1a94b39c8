//! The claim: due pending rows of the campaigns that may send now, what is
//! known about their targets (for the rotation), and the one conditional
//! UPDATE that takes a row for an account.
//!
//! At most once: [`claim`] stores `sending`, the account, the message id
//! it will use and the claim time in ONE statement whose WHERE requires the
//! row to be `pending`, its target not suppressed and its campaign running,
//! so of two dispatchers (or a claim racing a STOP, a pause, or a
//! duplicate-person skip) exactly one wins.
//! On PostgreSQL the row is picked `FOR UPDATE SKIP LOCKED`, so a claim
//! never waits on another workstation's; SQLite has one writer per file.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use flock_wa::WaId;

use super::col;
use crate::dispatch::outbox::SkipReason;
use crate::dispatch::DispatchError;
use crate::campaigns::lifecycle::CampaignStatus;
use crate::entities::{account_group, campaign, contact, group, inbound_message, message, suppression};
use crate::repo::outbox::TargetKind;
use crate::repo::suppressions::{contact_keys, person_keys, suppressed_keys};

/// A pending row that may be claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub campaign_id: i64,
    pub target_key: String,
    pub kind: TargetKind,
    pub contact_id: Option<i64>,
    pub group_id: Option<i64>,
    pub attempts: u32,
    /// The text rendered at materialisation (a retry sends the very same).
    pub rendered_text: Option<String>,
}

impl Candidate {
    fn from_row(m: message::Model) -> Self {
        let kind = match m.target_kind.as_str() {
            "group" => TargetKind::Group,
            "lid" => TargetKind::Lid,
            _ if m.target_key.ends_with("@g.us") => TargetKind::Group,
            _ if m.target_key.ends_with("@lid") => TargetKind::Lid,
            _ => TargetKind::Phone,
        };
        Self {
            id: m.id,
            campaign_id: m.campaign_id,
            target_key: m.target_key,
            kind,
            contact_id: m.contact_id,
            group_id: m.group_id,
            attempts: Ord::max(m.attempts, 0) as u32,
            rendered_text: m.rendered_text,
        }
    }
}

/// Due pending rows of `campaigns` after row `after`, oldest first.
pub async fn candidates(
    db: &impl ConnectionTrait,
    campaigns: &[i64],
    now: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<Candidate>, DispatchError> {
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let rows = message::Entity::find()
        .filter(message::Column::Status.eq("pending"))
        .filter(message::Column::CampaignId.is_in(campaigns.iter().copied()))
        .filter(message::Column::NextAttemptAt.is_null().or(message::Column::NextAttemptAt.lte(now)))
        .filter(message::Column::Id.gt(after))
        .order_by_asc(message::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Candidate::from_row).collect())
}

/// The earliest time a pending row of `campaigns` becomes due, if any is
/// waiting for a retry.
pub async fn next_due(db: &impl ConnectionTrait, campaigns: &[i64], now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, DispatchError> {
    if campaigns.is_empty() {
        return Ok(None);
    }
    let row = message::Entity::find()
        .select_only()
        .column(message::Column::NextAttemptAt)
        .filter(message::Column::Status.eq("pending"))
        .filter(message::Column::CampaignId.is_in(campaigns.iter().copied()))
        .filter(message::Column::NextAttemptAt.gt(now))
        .order_by_asc(message::Column::NextAttemptAt)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?;
    Ok(row.flatten())
}

/// What the rotation needs to know about a batch of candidates.
#[derive(Debug, Default)]
pub struct Facts {
    /// Candidate id → it (or the person behind it) is opted out.
    pub suppressed: HashMap<i64, bool>,
    /// Contact id → the last existence check's answer.
    pub on_whatsapp: HashMap<i64, Option<bool>>,
    /// Candidate id → our accounts the person wrote to, most recent first.
    pub wrote_to: HashMap<i64, Vec<i64>>,
    /// Candidate id → the account that last sent to the person.
    pub last_sender: HashMap<i64, i64>,
    /// Group id → our member accounts (account, admin), and admins-only.
    pub groups: HashMap<i64, (Vec<(i64, bool)>, bool)>,
}

impl Facts {
    /// The account the person already talks to: the one they wrote to last,
    /// else the one that sent to them last.
    pub fn sticky(&self, candidate: i64) -> Option<i64> {
        self.wrote_to.get(&candidate).and_then(|w| w.first().copied()).or_else(|| self.last_sender.get(&candidate).copied())
    }
}

/// The chat id WhatsApp gives a person key (`+91…` → `91…@c.us`).
pub fn chat_id_of(key: &str) -> String {
    match WaId::from_e164(key) {
        Ok(chat) => chat.to_string(),
        // Already a chat id (`…@lid`, `…@g.us`).
        Err(_) => key.to_string(),
    }
}

pub async fn facts(db: &impl ConnectionTrait, batch: &[Candidate]) -> Result<Facts, DispatchError> {
    let mut facts = Facts::default();
    let contact_ids: Vec<i64> = batch.iter().filter_map(|c| c.contact_id).collect();
    let contacts: HashMap<i64, contact::Model> = if contact_ids.is_empty() {
        HashMap::new()
    } else {
        contact::Entity::find().filter(contact::Column::Id.is_in(contact_ids.clone())).all(db).await?.into_iter().map(|c| (c.id, c)).collect()
    };
    // Every key of every person: the row's own and its contact's.
    let mut person_keys_of: HashMap<i64, Vec<String>> = HashMap::new();
    for c in batch.iter().filter(|c| c.kind != TargetKind::Group) {
        let mut keys: Vec<String> = person_keys(
            (c.kind == TargetKind::Phone).then_some(c.target_key.as_str()),
            (c.kind == TargetKind::Lid).then_some(c.target_key.as_str()),
        )
        .into_iter()
        .map(|k| k.key)
        .collect();
        if let Some(contact) = c.contact_id.and_then(|id| contacts.get(&id)) {
            for k in contact_keys(contact) {
                if !keys.contains(&k.key) {
                    keys.push(k.key);
                }
            }
        }
        person_keys_of.insert(c.id, keys);
    }
    let all_keys: Vec<String> = person_keys_of.values().flatten().cloned().collect();
    let suppressed = suppressed_keys(db, &all_keys).await?;
    for (id, keys) in &person_keys_of {
        facts.suppressed.insert(*id, keys.iter().any(|k| suppressed.contains_key(k)));
    }
    if !contact_ids.is_empty() {
        let q = Query::select()
            .column(contact::Column::Id)
            .expr_as(Expr::col(col("on_whatsapp")), col("on_whatsapp"))
            .from(contact::Entity)
            .and_where(Expr::col(contact::Column::Id).is_in(contact_ids.clone()))
            .to_owned();
        for row in db.query_all(&q).await? {
            facts.on_whatsapp.insert(row.try_get("", "id")?, row.try_get("", "on_whatsapp")?);
        }
    }
    // Who wrote to which of our accounts (one-to-one chats only).
    let chat_ids: Vec<String> = person_keys_of.values().flatten().map(|k| chat_id_of(k)).collect();
    if !chat_ids.is_empty() || !contact_ids.is_empty() {
        let inbound = inbound_message::Entity::find()
            .filter(
                inbound_message::Column::ChatId
                    .is_in(chat_ids.clone())
                    .or(inbound_message::Column::ContactId.is_in(contact_ids.clone())),
            )
            .filter(inbound_message::Column::ChatId.not_like("%@g.us"))
            .order_by_desc(inbound_message::Column::SentAt)
            .all(db)
            .await?;
        for c in batch.iter().filter(|c| c.kind != TargetKind::Group) {
            let keys = &person_keys_of[&c.id];
            let mine: Vec<String> = keys.iter().map(|k| chat_id_of(k)).collect();
            let mut accounts: Vec<i64> = Vec::new();
            for m in &inbound {
                let same = mine.contains(&m.chat_id) || (c.contact_id.is_some() && m.contact_id == c.contact_id);
                if same && !accounts.contains(&m.account_id) {
                    accounts.push(m.account_id);
                }
            }
            if !accounts.is_empty() {
                facts.wrote_to.insert(c.id, accounts);
            }
        }
    }
    let all_person_keys: Vec<String> = person_keys_of.values().flatten().cloned().collect();
    if !all_person_keys.is_empty() {
        let sent: Vec<(String, Option<i64>)> = message::Entity::find()
            .select_only()
            .column(message::Column::TargetKey)
            .column(message::Column::AccountId)
            .filter(message::Column::TargetKey.is_in(all_person_keys))
            .filter(message::Column::SentAt.is_not_null())
            .filter(message::Column::AccountId.is_not_null())
            .order_by_desc(message::Column::SentAt)
            .into_tuple()
            .all(db)
            .await?;
        for c in batch.iter().filter(|c| c.kind != TargetKind::Group) {
            let keys = &person_keys_of[&c.id];
            if let Some((_, Some(a))) = sent.iter().find(|(k, _)| keys.contains(k)) {
                facts.last_sender.insert(c.id, *a);
            }
        }
    }
    let group_ids: Vec<i64> = batch.iter().filter(|c| c.kind == TargetKind::Group).filter_map(|c| c.group_id).collect();
    if !group_ids.is_empty() {
        let q = Query::select()
            .column(group::Column::Id)
            .expr_as(Expr::col(col("admins_only")), col("admins_only"))
            .from(group::Entity)
            .and_where(Expr::col(group::Column::Id).is_in(group_ids.clone()))
            .to_owned();
        for row in db.query_all(&q).await? {
            let id: i64 = row.try_get("", "id")?;
            let admins_only: bool = row.try_get("", "admins_only")?;
            facts.groups.insert(id, (Vec::new(), admins_only));
        }
        let members = account_group::Entity::find()
            .filter(account_group::Column::GroupId.is_in(group_ids))
            .filter(account_group::Column::LeftAt.is_null())
            .order_by_asc(account_group::Column::AccountId)
            .all(db)
            .await?;
        for m in members {
            if let Some((list, _)) = facts.groups.get_mut(&m.group_id) {
                list.push((m.account_id, m.is_admin));
            }
        }
    }
    Ok(facts)
}

/// Takes the row for `account_id` with the message id it will use, if it
/// is still pending and its target not suppressed. `true`: this caller owns
/// the send now.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: i64,
    account_id: i64,
    wa_message_id: &str,
    claimed_by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DispatchError> {
    let pick = Query::select()
        .column(message::Column::Id)
        .from(message::Entity)
        .and_where(Expr::col(message::Column::Id).eq(id))
        .and_where(Expr::col(message::Column::Status).eq("pending"))
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let suppressed = Query::select()
        .expr(Expr::val(1))
        .from(suppression::Entity)
        .and_where(Expr::col((suppression::Entity, suppression::Column::Key)).equals((message::Entity, message::Column::TargetKey)))
        .to_owned();
    // The round that picked the row saw its campaign running; a pause or a
    // cancel since then (during the existence check, say) must still hold.
    let running = Query::select()
        .expr(Expr::val(1))
        .from(campaign::Entity)
        .and_where(Expr::col((campaign::Entity, campaign::Column::Id)).equals((message::Entity, message::Column::CampaignId)))
        .and_where(Expr::col((campaign::Entity, campaign::Column::Status)).eq(CampaignStatus::Running.as_str()))
        .to_owned();
    let q = Query::update()
        .table(message::Entity)
        .value(message::Column::Status, "sending")
        .value(message::Column::AccountId, account_id)
        .value(message::Column::WaMessageId, wa_message_id)
        .value(message::Column::ClaimedBy, claimed_by)
        .value(message::Column::ClaimedAt, now)
        .value(message::Column::UpdatedAt, now)
        .and_where(Expr::col(message::Column::Id).in_subquery(pick))
        .and_where(Expr::col(message::Column::Status).eq("pending"))
        .and_where(Expr::exists(suppressed).not())
        .and_where(Expr::exists(running))
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() == 1)
}

/// Skips a pending row with its reason (never a claimed one).
pub async fn skip(db: &impl ConnectionTrait, id: i64, reason: &SkipReason, now: DateTime<Utc>) -> Result<bool, DispatchError> {
    let q = Query::update()
        .table(message::Entity)
        .value(message::Column::Status, "skipped")
        .value(message::Column::SkipReason, reason.code())
        .value(message::Column::LastError, reason.describe())
        .value(message::Column::UpdatedAt, now)
        .and_where(Expr::col(message::Column::Id).eq(id))
        .and_where(Expr::col(message::Column::Status).eq("pending"))
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() == 1)
}

/// Caches an existence check on the contact.
pub async fn set_on_whatsapp(db: &impl ConnectionTrait, contact_id: i64, on: bool, at: DateTime<Utc>) -> Result<(), DispatchError> {
    let q = Query::update()
        .table(contact::Entity)
        .value(col("on_whatsapp"), on)
        .value(col("whatsapp_checked_at"), at)
        .and_where(Expr::col(contact::Column::Id).eq(contact_id))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// Marks a group as admins-only (a send was refused for a non-admin).
pub async fn set_admins_only(db: &impl ConnectionTrait, group_id: i64) -> Result<(), DispatchError> {
    let q = Query::update()
        .table(group::Entity)
        .value(col("admins_only"), true)
        .and_where(Expr::col(group::Column::Id).eq(group_id))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}
