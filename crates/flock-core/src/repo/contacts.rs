//! Contacts: people found in groups or imported, keyed by E.164 phone or,
//! while WhatsApp hides the phone, by privacy id (`@lid`).

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func},
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;

use super::{now, Page, RepoError};
use crate::entities::{contact, opt_out};

/// Who a contact is, as far as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey<'a> {
    /// E.164, already normalised.
    Phone(&'a str),
    /// `<id>@lid`: the phone is hidden.
    Lid(&'a str),
}

/// Finds the contact by key or creates it; returns it and whether it is new.
/// A name is filled in only where none was known, so imports and scrapes never
/// overwrite what a person typed.
pub async fn upsert(
    db: &impl ConnectionTrait,
    key: ContactKey<'_>,
    name: Option<&str>,
) -> Result<(contact::Model, bool), RepoError> {
    let existing = match key {
        ContactKey::Phone(phone) => {
            contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(db).await?
        }
        ContactKey::Lid(lid) => {
            contact::Entity::find().filter(contact::Column::Lid.eq(lid)).one(db).await?
        }
    };
    let at = now();
    if let Some(found) = existing {
        if found.name.is_none() && name.is_some() {
            let mut row: contact::ActiveModel = found.into();
            row.name = Set(name.map(str::to_string));
            row.updated_at = Set(at);
            return Ok((row.update(db).await?, false));
        }
        return Ok((found, false));
    }
    let (phone, lid) = match key {
        ContactKey::Phone(p) => (Some(p.to_string()), None),
        ContactKey::Lid(l) => (None, Some(l.to_string())),
    };
    let row = contact::ActiveModel {
        phone: Set(phone),
        lid: Set(lid),
        name: Set(name.map(str::to_string)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, true))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ContactSort {
    #[default]
    Name,
    Phone,
    Newest,
}

/// The Contacts page's query: filter, sort, page.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactQuery {
    /// Matches name or number (substring, case-insensitive).
    pub search: Option<String>,
    pub region: Option<String>,
    pub district: Option<String>,
    /// `Some(true)`: only opted-out; `Some(false)`: only reachable.
    pub opted_out: Option<bool>,
    pub sort: ContactSort,
    pub page: u64,
    pub page_size: u64,
}

pub async fn search(
    db: &impl ConnectionTrait,
    query: &ContactQuery,
) -> Result<Page<contact::Model>, RepoError> {
    let mut cond = Condition::all();
    if let Some(text) = query.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        cond = cond.add(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(contact::Column::Name))).like(&pattern))
                .add(contact::Column::Phone.like(&pattern)),
        );
    }
    if let Some(region) = &query.region {
        cond = cond.add(contact::Column::Region.eq(region.as_str()));
    }
    if let Some(district) = &query.district {
        cond = cond.add(contact::Column::District.eq(district.as_str()));
    }
    match query.opted_out {
        Some(true) => cond = cond.add(contact::Column::OptedOutAt.is_not_null()),
        Some(false) => cond = cond.add(contact::Column::OptedOutAt.is_null()),
        None => {}
    }
    let select = contact::Entity::find().filter(cond);
    let select = match query.sort {
        ContactSort::Name => select.order_by_asc(contact::Column::Name),
        ContactSort::Phone => select.order_by_asc(contact::Column::Phone),
        ContactSort::Newest => select.order_by_desc(contact::Column::CreatedAt),
    }
    .order_by_asc(contact::Column::Id);
    let page_size = query.page_size.clamp(1, 1000);
    let total = select.clone().count(db).await?;
    let items = select.offset(query.page * page_size).limit(page_size).all(db).await?;
    Ok(Page { items, total, page: query.page, page_size })
}

/// Marks a contact as opted out: every future message to it is blocked.
pub async fn opt_out(
    db: &DatabaseConnection,
    contact_id: i64,
    reason: &str,
    source: &str,
) -> Result<contact::Model, RepoError> {
    let txn = db.begin().await?;
    let found = contact::Entity::find_by_id(contact_id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound { what: "contact", id: contact_id })?;
    let at = now();
    opt_out::ActiveModel {
        contact_id: Set(contact_id),
        reason: Set(reason.to_string()),
        source: Set(source.to_string()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut row: contact::ActiveModel = found.into();
    row.opted_out_at = Set(Some(at));
    row.updated_at = Set(at);
    let updated = row.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Lifts an opt-out; the history in `opt_outs` stays.
pub async fn opt_in(
    db: &DatabaseConnection,
    contact_id: i64,
) -> Result<contact::Model, RepoError> {
    let txn = db.begin().await?;
    let found = contact::Entity::find_by_id(contact_id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound { what: "contact", id: contact_id })?;
    let at = now();
    opt_out::Entity::update_many()
        .col_expr(opt_out::Column::RevokedAt, Expr::value(at))
        .filter(opt_out::Column::ContactId.eq(contact_id))
        .filter(opt_out::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let mut row: contact::ActiveModel = found.into();
    row.opted_out_at = Set(None);
    row.updated_at = Set(at);
    let updated = row.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}
