//! Contacts: people found in groups, imported, or who wrote to us, keyed by
//! E.164 phone or, while WhatsApp hides the phone, by privacy id (`@lid`).
//! Each carries where it came from (first source and every source since) and
//! whether it gave consent: being in a group is not consent.

mod filter;
mod paging;
mod query;
mod rows;

pub use filter::Filter;
pub(crate) use paging::{count, page};
pub use paging::walks_sort_index;
pub use query::{filter_condition, filtered, reach_breakdown, search, ContactQuery, ContactSort, ReachBreakdown};
pub use rows::{rows, ContactRow};

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};

use super::suppressions::{self, contact_keys, person_keys, Change, SuppressionSource};
use super::{now, RepoError};
use crate::entities::{contact, Timestamp};

/// Who a contact is, as far as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey<'a> {
    /// E.164, already normalised.
    Phone(&'a str),
    /// `<id>@lid`: the phone is hidden.
    Lid(&'a str),
}

/// Where a contact came from. Stored as `first_source` (text) and in the
/// `sources` bit set (every source that has brought it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// A member of a group one of our accounts is in (not consent).
    GroupSync,
    /// A CSV import.
    Csv,
    /// The person wrote to one of our accounts.
    Reply,
    /// Added by hand (app, flockctl).
    Manual,
}

impl ContactSource {
    pub const ALL: [ContactSource; 4] =
        [ContactSource::GroupSync, ContactSource::Csv, ContactSource::Reply, ContactSource::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactSource::GroupSync => "group_sync",
            ContactSource::Csv => "csv",
            ContactSource::Reply => "reply",
            ContactSource::Manual => "manual",
        }
    }

    /// Its bit in `contacts.sources`.
    pub fn bit(self) -> i32 {
        match self {
            ContactSource::GroupSync => 1,
            ContactSource::Csv => 2,
            ContactSource::Reply => 4,
            ContactSource::Manual => 8,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|x| x.as_str() == s || (s == "group" && *x == ContactSource::GroupSync))
    }

    pub fn from_bits(bits: i32) -> Vec<ContactSource> {
        Self::ALL.into_iter().filter(|s| bits & s.bit() != 0).collect()
    }
}

/// Finds the contact by key or creates it as added by hand; see [`upsert_from`].
pub async fn upsert(
    db: &impl ConnectionTrait,
    key: ContactKey<'_>,
    name: Option<&str>,
) -> Result<(contact::Model, bool), RepoError> {
    upsert_from(db, key, name, ContactSource::Manual).await
}

/// Finds the contact by key or creates it; returns it and whether it is new.
/// A name is filled in only where none was known, so imports and scrapes never
/// overwrite what a person typed; `source` joins the contact's sources. A new
/// contact whose key is on the suppression list starts opted out.
pub async fn upsert_from(
    db: &impl ConnectionTrait,
    key: ContactKey<'_>,
    name: Option<&str>,
    source: ContactSource,
) -> Result<(contact::Model, bool), RepoError> {
    let existing = match key {
        ContactKey::Phone(phone) => contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(db).await?,
        ContactKey::Lid(lid) => contact::Entity::find().filter(contact::Column::Lid.eq(lid)).one(db).await?,
    };
    let at = now();
    if let Some(found) = existing {
        let fill_name = found.name.is_none() && name.is_some();
        let add_source = found.sources & source.bit() == 0;
        if fill_name || add_source {
            let mut row: contact::ActiveModel = found.clone().into();
            if fill_name {
                row.name = Set(name.map(str::to_string));
            }
            row.sources = Set(found.sources | source.bit());
            row.updated_at = Set(at);
            return Ok((row.update(db).await?, false));
        }
        return Ok((found, false));
    }
    let (phone, lid) = match key {
        ContactKey::Phone(p) => (Some(p.to_string()), None),
        ContactKey::Lid(l) => (None, Some(l.to_string())),
    };
    let keys = person_keys(phone.as_deref(), lid.as_deref());
    let suppressed = suppressions::suppressed_keys(db, &keys.iter().map(|k| k.key.clone()).collect::<Vec<_>>()).await?;
    let row = contact::ActiveModel {
        phone: Set(phone),
        lid: Set(lid),
        name: Set(name.map(str::to_string)),
        first_source: Set(source.as_str().to_string()),
        sources: Set(source.bit()),
        opted_out_at: Set(suppressed.values().min().copied()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, true))
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<contact::Model, RepoError> {
    contact::Entity::find_by_id(id).one(db).await?.ok_or(RepoError::NotFound { what: "contact", id })
}

/// Puts the contact's person (phone and privacy id) on the suppression list:
/// every future message to it is blocked, in every campaign, whatever
/// happens to this row later. `source`: reply, manual, import.
pub async fn opt_out(db: &DatabaseConnection, contact_id: i64, reason: &str, source: &str) -> Result<contact::Model, RepoError> {
    let source = SuppressionSource::parse(source).ok_or_else(|| RepoError::Conflict {
        message: format!("\"{source}\" is not an opt-out source"),
        fix: "Use reply, manual or import".into(),
    })?;
    opt_out_by(db, contact_id, Change { source, reason: Some(reason), actor: None }).await
}

/// [`opt_out`] with who, from where and why.
pub async fn opt_out_by(db: &DatabaseConnection, contact_id: i64, change: Change<'_>) -> Result<contact::Model, RepoError> {
    let txn = crate::db::begin_write(db).await?;
    let found = find(&txn, contact_id).await?;
    suppressions::suppress(&txn, &contact_keys(&found), change, now()).await?;
    let updated = find(&txn, contact_id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Takes the contact's person off the suppression list (by hand); the history stays.
pub async fn opt_in(db: &DatabaseConnection, contact_id: i64) -> Result<contact::Model, RepoError> {
    opt_in_by(db, contact_id, Change { source: SuppressionSource::Manual, reason: None, actor: None }).await
}

/// [`opt_in`] with who, from where and why.
pub async fn opt_in_by(db: &DatabaseConnection, contact_id: i64, change: Change<'_>) -> Result<contact::Model, RepoError> {
    let txn = crate::db::begin_write(db).await?;
    let found = find(&txn, contact_id).await?;
    suppressions::lift(&txn, &contact_keys(&found), change, now()).await?;
    let updated = find(&txn, contact_id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Consent given: when, and how it is evidenced (`manual`, `csv:<file>`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentMark {
    pub at: Timestamp,
    pub source: String,
}

/// Records (`Some`) or withdraws (`None`) a contact's consent, explicitly.
pub async fn set_consent(
    db: &impl ConnectionTrait,
    contact_id: i64,
    consent: Option<&ConsentMark>,
) -> Result<contact::Model, RepoError> {
    let found = find(db, contact_id).await?;
    let mut row: contact::ActiveModel = found.into();
    row.consent_at = Set(consent.map(|c| c.at));
    row.consent_source = Set(consent.map(|c| c.source.trim().to_string()).filter(|s| !s.is_empty()));
    if consent.is_some_and(|c| c.source.trim().is_empty()) {
        row.consent_source = Set(Some("manual".into()));
    }
    row.updated_at = Set(now());
    Ok(row.update(db).await?)
}

/// "Wrote to us": the inbox calls this when a message from the contact
/// arrives at `at`. Sets the first time (once) and the last time, and adds
/// `reply` to its sources.
pub async fn record_inbound(db: &impl ConnectionTrait, contact_id: i64, at: Timestamp) -> Result<contact::Model, RepoError> {
    let found = find(db, contact_id).await?;
    let mut row: contact::ActiveModel = found.clone().into();
    row.first_inbound_at = Set(Some(found.first_inbound_at.map_or(at, |t| Ord::min(t, at))));
    row.last_inbound_at = Set(Some(found.last_inbound_at.map_or(at, |t| Ord::max(t, at))));
    row.sources = Set(found.sources | ContactSource::Reply.bit());
    row.updated_at = Set(now());
    Ok(row.update(db).await?)
}

/// Deletes contacts (their memberships and tags go with them). The
/// suppression list is untouched: a deleted person who had opted out is
/// still opted out when the number comes back. Returns the rows deleted.
pub async fn delete(db: &impl ConnectionTrait, ids: &[i64]) -> Result<u64, RepoError> {
    let mut n = 0;
    for chunk in ids.chunks(super::tags::ID_CHUNK) {
        n += contact::Entity::delete_many().filter(contact::Column::Id.is_in(chunk.iter().copied())).exec(db).await?.rows_affected;
    }
    Ok(n)
}

/// Adds `source` to the sources of `ids` where it is missing (one statement
/// per chunk).
pub(crate) async fn add_source(db: &impl ConnectionTrait, ids: &[i64], source: ContactSource) -> Result<u64, RepoError> {
    let bit = source.bit();
    let mut n = 0;
    for chunk in ids.chunks(super::tags::ID_CHUNK) {
        n += contact::Entity::update_many()
            .col_expr(contact::Column::Sources, Expr::col(contact::Column::Sources).bit_or(bit))
            .filter(contact::Column::Id.is_in(chunk.iter().copied()))
            .filter(Expr::col(contact::Column::Sources).bit_and(bit).eq(0))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(n)
}
