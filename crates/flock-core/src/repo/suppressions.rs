//! The suppression list: the people who must never get a message, keyed by
//! the person (E.164 phone, or the `…@lid` privacy id of a member whose phone
//! WhatsApp hides), not by a contact row. Deleting, re-importing or merging
//! a contact never lifts an opt-out; every opt-out and opt-in stays in
//! `suppression_events` with who, when, from where and why.
//!
//! Invariant: when a phone and a privacy id are known to be one person (a
//! contact row holds both), a suppression of either key is held under both
//! ([`link_person`]), so a check of either key alone is enough.
//! `contacts.opted_out_at` mirrors the list for the Contacts page and is kept
//! right in the same transaction by every writer ([`refresh_contacts`]).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    sea_query::{Expr, ExprTrait, Query, SimpleExpr},
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use flock_wa::WaId;

use super::tags::ID_CHUNK;
use super::RepoError;
use crate::entities::{contact, suppression, suppression_event, Timestamp};

/// Which kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// E.164.
    Phone,
    /// `<id>@lid`.
    Lid,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Phone => "phone",
            KeyKind::Lid => "lid",
        }
    }
}

/// Where an opt-out or opt-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionSource {
    /// A reply such as STOP.
    Reply,
    /// Marked (or unmarked) by a person in the app or flockctl.
    Manual,
    /// A "do not contact" list.
    Import,
    /// Carried to the other key of a person when phone and privacy id were linked.
    Merge,
}

impl SuppressionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionSource::Reply => "reply",
            SuppressionSource::Manual => "manual",
            SuppressionSource::Import => "import",
            SuppressionSource::Merge => "merge",
        }
    }

    /// Reads the flockctl/app spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reply" => Some(Self::Reply),
            "manual" => Some(Self::Manual),
            "import" => Some(Self::Import),
            "merge" => Some(Self::Merge),
            _ => None,
        }
    }
}

/// Who changed the list, from where and why.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub source: SuppressionSource,
    pub reason: Option<&'a str>,
    /// "app", "flockctl", "account:<id>" (the account that got the reply), ….
    pub actor: Option<&'a str>,
}

impl<'a> Change<'a> {
    pub fn manual(reason: Option<&'a str>, actor: &'a str) -> Self {
        Change { source: SuppressionSource::Manual, reason, actor: Some(actor) }
    }
}

/// One key of a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonKey {
    pub key: String,
    pub kind: KeyKind,
}

/// The keys of a person: the E.164 phone, and the WhatsApp id. A `…@lid`
/// id is a key of its own (device suffix dropped); a `<digits>@c.us` id is the
/// phone. Anything else (a group id, an empty string) is no key.
pub fn person_keys(phone: Option<&str>, wa_id: Option<&str>) -> Vec<PersonKey> {
    let mut keys = Vec::with_capacity(2);
    let mut push = |key: String, kind: KeyKind| {
        if !keys.iter().any(|k: &PersonKey| k.key == key) {
            keys.push(PersonKey { key, kind });
        }
    };
    if let Some(p) = phone.map(str::trim).filter(|p| !p.is_empty()) {
        push(p.to_string(), KeyKind::Phone);
    }
    // flock-wa reads the id (device suffixes, @s.whatsapp.net); the core only keys it.
    match wa_id.map(WaId::parse) {
        Some(Ok(id @ WaId::Lid(_))) => push(id.to_string(), KeyKind::Lid),
        Some(Ok(id @ WaId::User(_))) => push(id.e164().unwrap_or_default(), KeyKind::Phone),
        _ => {}
    }
    keys
}

/// The keys of a contact row.
pub fn contact_keys(c: &contact::Model) -> Vec<PersonKey> {
    person_keys(c.phone.as_deref(), c.lid.as_deref())
}

/// Is this person on the suppression list? (The dispatcher's check when it
/// claims a message; one indexed lookup per key.)
pub async fn is_suppressed(
    db: &impl ConnectionTrait,
    phone: Option<&str>,
    wa_id: Option<&str>,
) -> Result<bool, RepoError> {
    let keys: Vec<String> = person_keys(phone, wa_id).into_iter().map(|k| k.key).collect();
    if keys.is_empty() {
        return Ok(false);
    }
    Ok(suppression::Entity::find().filter(suppression::Column::Key.is_in(keys)).one(db).await?.is_some())
}

/// The batch form, for enqueueing many targets: which of `keys` are
/// suppressed (chunked under every bind-parameter limit).
pub async fn suppressed_keys<S: AsRef<str>>(
    db: &impl ConnectionTrait,
    keys: &[S],
) -> Result<HashMap<String, Timestamp>, RepoError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(ID_CHUNK) {
        let rows: Vec<(String, Timestamp)> = suppression::Entity::find()
            .select_only()
            .column(suppression::Column::Key)
            .column(suppression::Column::CreatedAt)
            .filter(suppression::Column::Key.is_in(chunk.iter().map(|k| k.as_ref().to_string())))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// `NOT EXISTS (a suppression with key = <key_expr>)`: for SQL that filters
/// many rows at once (e.g. the outbox claim on `messages.target_key`).
pub fn not_suppressed(key_expr: impl Into<SimpleExpr>) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(suppression::Entity)
            .and_where(Expr::col((suppression::Entity, suppression::Column::Key)).eq(key_expr.into()))
            .to_owned(),
    )
    .not()
}

/// Puts `keys` on the list (keys already there keep their first opt-out) and
/// records the history; refreshes the contacts holding them. Returns the keys
/// newly suppressed.
pub async fn suppress(
    db: &impl ConnectionTrait,
    keys: &[PersonKey],
    change: Change<'_>,
    at: Timestamp,
) -> Result<u64, RepoError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let already = suppressed_keys(db, &keys.iter().map(|k| k.key.clone()).collect::<Vec<_>>()).await?;
    let fresh: Vec<&PersonKey> = keys.iter().filter(|k| !already.contains_key(&k.key)).collect();
    for chunk in fresh.chunks(ID_CHUNK / 8) {
        suppression::Entity::insert_many(chunk.iter().map(|k| suppression::ActiveModel {
            key: Set(k.key.clone()),
            kind: Set(k.kind.as_str().to_string()),
            source: Set(change.source.as_str().to_string()),
            reason: Set(change.reason.map(str::to_string)),
            actor: Set(change.actor.map(str::to_string)),
            created_at: Set(at),
            ..Default::default()
        }))
        .on_conflict_do_nothing_on([suppression::Column::Key])
        .exec_without_returning(db)
        .await?;
    }
    record_events(db, keys, "opt_out", change, at).await?;
    refresh_contacts(db, keys).await?;
    Ok(fresh.len() as u64)
}

/// Takes `keys` off the list (history kept) and refreshes their contacts.
pub async fn lift(
    db: &impl ConnectionTrait,
    keys: &[PersonKey],
    change: Change<'_>,
    at: Timestamp,
) -> Result<u64, RepoError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let res = suppression::Entity::delete_many()
        .filter(suppression::Column::Key.is_in(keys.iter().map(|k| k.key.clone())))
        .exec(db)
        .await?;
    record_events(db, keys, "opt_in", change, at).await?;
    refresh_contacts(db, keys).await?;
    Ok(res.rows_affected)
}

async fn record_events(
    db: &impl ConnectionTrait,
    keys: &[PersonKey],
    action: &str,
    change: Change<'_>,
    at: Timestamp,
) -> Result<(), RepoError> {
    for chunk in keys.chunks(ID_CHUNK / 8) {
        suppression_event::Entity::insert_many(chunk.iter().map(|k| suppression_event::ActiveModel {
            key: Set(k.key.clone()),
            kind: Set(k.kind.as_str().to_string()),
            action: Set(action.to_string()),
            source: Set(change.source.as_str().to_string()),
            reason: Set(change.reason.map(str::to_string)),
            actor: Set(change.actor.map(str::to_string)),
            at: Set(at),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A phone and a privacy id turned out to be one person: a suppression of
/// either is now held under both (source `merge`). Returns whether the person
/// is suppressed.
pub async fn link_person(db: &impl ConnectionTrait, phone: &str, lid: &str, at: Timestamp) -> Result<bool, RepoError> {
    let keys = person_keys(Some(phone), Some(lid));
    let found = suppressed_keys(db, &keys.iter().map(|k| k.key.clone()).collect::<Vec<_>>()).await?;
    if found.is_empty() {
        return Ok(false);
    }
    let missing: Vec<PersonKey> = keys.into_iter().filter(|k| !found.contains_key(&k.key)).collect();
    if !missing.is_empty() {
        let other = if missing[0].kind == KeyKind::Phone { lid } else { phone };
        let reason = format!("same person as {other}, which is opted out");
        let change = Change { source: SuppressionSource::Merge, reason: Some(&reason), actor: None };
        suppress(db, &missing, change, at).await?;
    }
    Ok(true)
}

/// Sets `contacts.opted_out_at` of the contacts holding `keys` from the list
/// (the earliest suppression of their keys, or none).
pub async fn refresh_contacts(db: &impl ConnectionTrait, keys: &[PersonKey]) -> Result<(), RepoError> {
    let phones: Vec<String> = keys.iter().filter(|k| k.kind == KeyKind::Phone).map(|k| k.key.clone()).collect();
    let lids: Vec<String> = keys.iter().filter(|k| k.kind == KeyKind::Lid).map(|k| k.key.clone()).collect();
    let mut contacts = Vec::new();
    for chunk in phones.chunks(ID_CHUNK) {
        contacts.extend(contact::Entity::find().filter(contact::Column::Phone.is_in(chunk.to_vec())).all(db).await?);
    }
    for chunk in lids.chunks(ID_CHUNK) {
        contacts.extend(contact::Entity::find().filter(contact::Column::Lid.is_in(chunk.to_vec())).all(db).await?);
    }
    let mut seen = HashSet::new();
    contacts.retain(|c| seen.insert(c.id));
    refresh_models(db, &contacts).await
}

/// The same for known contact rows.
pub async fn refresh_models(db: &impl ConnectionTrait, contacts: &[contact::Model]) -> Result<(), RepoError> {
    let all_keys: Vec<String> = contacts.iter().flat_map(contact_keys).map(|k| k.key).collect();
    let suppressed = suppressed_keys(db, &all_keys).await?;
    for c in contacts {
        let want = contact_keys(c).iter().filter_map(|k| suppressed.get(&k.key)).min().copied();
        if want != c.opted_out_at {
            contact::Entity::update_many()
                .col_expr(contact::Column::OptedOutAt, Expr::value(want))
                .filter(contact::Column::Id.eq(c.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// One entry of a person's opt-out history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionEvent {
    pub key: String,
    pub kind: KeyKind,
    /// `opt_out` | `opt_in`.
    pub action: String,
    pub source: String,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub at: Timestamp,
}

/// The opt-out / opt-in history of a person's keys, newest first.
pub async fn history(db: &impl ConnectionTrait, keys: &[PersonKey]) -> Result<Vec<SuppressionEvent>, RepoError> {
    let rows = suppression_event::Entity::find()
        .filter(suppression_event::Column::Key.is_in(keys.iter().map(|k| k.key.clone())))
        .order_by_desc(suppression_event::Column::At)
        .order_by_desc(suppression_event::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| SuppressionEvent {
            kind: if e.kind == "lid" { KeyKind::Lid } else { KeyKind::Phone },
            key: e.key,
            action: e.action,
            source: e.source,
            reason: e.reason,
            actor: e.actor,
            at: e.at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_person() {
        let k = person_keys(Some("+919876543210"), Some("123@lid"));
        assert_eq!(k.iter().map(|k| (k.key.as_str(), k.kind)).collect::<Vec<_>>(), vec![
            ("+919876543210", KeyKind::Phone),
            ("123@lid", KeyKind::Lid)
        ]);
        assert_eq!(person_keys(None, Some("123:4@lid"))[0].key, "123@lid", "device suffix dropped");
        assert_eq!(person_keys(None, Some("919876543210@c.us"))[0].key, "+919876543210");
        assert_eq!(person_keys(Some("+919876543210"), Some("919876543210:2@c.us")).len(), 1, "one person, one key");
        assert!(person_keys(None, Some("120363@g.us")).is_empty(), "a group is not a person");
        assert!(person_keys(Some(" "), None).is_empty());
    }
}
