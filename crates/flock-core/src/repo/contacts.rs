//! Contacts: people found in groups or imported, keyed by E.164 phone or,
//! while WhatsApp hides the phone, by privacy id (`@lid`).

use std::collections::HashMap;

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, NullOrdering, Order, Query, SimpleExpr},
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::{now, Page, RepoError};
use crate::entities::{contact, contact_tag, group_member, opt_out, tag, Timestamp};

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ContactSort {
    #[default]
    Name,
    Phone,
    Newest,
    Region,
}

/// The Contacts page's query: filter, sort, page. Every filter is optional;
/// the same filter drives the CSV export.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactQuery {
    /// Matches name, number (digits, whatever the spacing) or tag name
    /// (substring, case-insensitive).
    pub search: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    /// Tag name (exact).
    pub tag: Option<String>,
    /// Current members of this group.
    pub group_id: Option<i64>,
    /// `Some(true)`: only opted-out; `Some(false)`: only reachable.
    pub opted_out: Option<bool>,
    /// `Some(true)`: only privacy-id contacts whose phone WhatsApp hides.
    pub phone_hidden: Option<bool>,
    pub sort: ContactSort,
    pub page: u64,
    /// 1 to 1000 (0 means 50).
    pub page_size: u64,
}

/// One row of the Contacts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactRow {
    pub id: i64,
    /// E.164; `None` while the phone is hidden.
    pub phone: Option<String>,
    pub lid: Option<String>,
    pub phone_hidden: bool,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    pub consent_source: Option<String>,
    pub opted_out: bool,
    pub opted_out_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// Groups the contact is currently a member of.
    pub group_count: u32,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Contacts linked to a tag matching `tag_cond` (a condition on `tags`).
fn tagged(tag_cond: impl sea_orm::sea_query::IntoCondition) -> SimpleExpr {
    Expr::col((contact::Entity, contact::Column::Id)).in_subquery(
        Query::select()
            .column(contact_tag::Column::ContactId)
            .from(contact_tag::Entity)
            .and_where(
                Expr::col((contact_tag::Entity, contact_tag::Column::TagId)).in_subquery(
                    Query::select().column(tag::Column::Id).from(tag::Entity).cond_where(tag_cond).to_owned(),
                ),
            )
            .to_owned(),
    )
}

/// The WHERE of the Contacts page (and of the export).
pub fn filter_condition(query: &ContactQuery) -> Condition {
    let mut cond = Condition::all();
    if let Some(text) = non_empty(&query.search) {
        // Each term is an id subquery, so that SQLite answers it from an
        // index alone (name, phone) instead of reading every row.
        let pattern = format!("%{}%", text.to_lowercase());
        let ids_where = |c: SimpleExpr| {
            Expr::col((contact::Entity, contact::Column::Id)).in_subquery(
                Query::select().column(contact::Column::Id).from(contact::Entity).and_where(c).to_owned(),
            )
        };
        let mut any = Condition::any();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let looks_like_number = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !looks_like_number {
            any = any
                .add(ids_where(Expr::expr(Func::lower(Expr::col((contact::Entity, contact::Column::Name)))).like(&pattern)))
                .add(tagged(Expr::expr(Func::lower(Expr::col((tag::Entity, tag::Column::Name)))).like(&pattern)));
        }
        if digits.len() >= 3 || looks_like_number {
            let digits = if digits.is_empty() { text.to_string() } else { digits };
            any = any.add(ids_where(Expr::col((contact::Entity, contact::Column::Phone)).like(format!("%{digits}%"))));
        }
        cond = cond.add(any);
    }
    for (value, col) in [
        (&query.region, contact::Column::Region),
        (&query.state, contact::Column::State),
        (&query.district, contact::Column::District),
        (&query.segment, contact::Column::Segment),
    ] {
        if let Some(v) = non_empty(value) {
            cond = cond.add(col.eq(v));
        }
    }
    if let Some(name) = non_empty(&query.tag) {
        cond = cond.add(tagged(tag::Column::Name.eq(name)));
    }
    if let Some(group_id) = query.group_id {
        cond = cond.add(
            Expr::col((contact::Entity, contact::Column::Id)).in_subquery(
                Query::select()
                    .column(group_member::Column::ContactId)
                    .from(group_member::Entity)
                    .and_where(Expr::col((group_member::Entity, group_member::Column::GroupId)).eq(group_id))
                    .and_where(Expr::col((group_member::Entity, group_member::Column::LeftAt)).is_null())
                    .to_owned(),
            ),
        );
    }
    match query.opted_out {
        Some(true) => cond = cond.add(contact::Column::OptedOutAt.is_not_null()),
        Some(false) => cond = cond.add(contact::Column::OptedOutAt.is_null()),
        None => {}
    }
    match query.phone_hidden {
        Some(true) => cond = cond.add(contact::Column::Phone.is_null()),
        Some(false) => cond = cond.add(contact::Column::Phone.is_not_null()),
        None => {}
    }
    cond
}

/// The filtered, sorted contacts (not paged).
pub fn filtered(query: &ContactQuery) -> Select<contact::Entity> {
    let select = contact::Entity::find().filter(filter_condition(query));
    match query.sort {
        ContactSort::Name => select.order_by_with_nulls(contact::Column::Name, Order::Asc, NullOrdering::Last),
        ContactSort::Phone => select.order_by_with_nulls(contact::Column::Phone, Order::Asc, NullOrdering::Last),
        ContactSort::Newest => select.order_by_desc(contact::Column::CreatedAt),
        ContactSort::Region => select
            .order_by_with_nulls(contact::Column::Region, Order::Asc, NullOrdering::Last)
            .order_by_with_nulls(contact::Column::Name, Order::Asc, NullOrdering::Last),
    }
    .order_by_asc(contact::Column::Id)
}

/// One page of the Contacts page: rows with their tag names and group count.
pub async fn search(db: &impl ConnectionTrait, query: &ContactQuery) -> Result<Page<ContactRow>, RepoError> {
    let page_size = if query.page_size == 0 { 50 } else { Ord::min(query.page_size, 1000) };
    let select = filtered(query);
    let total = contact::Entity::find().filter(filter_condition(query)).count(db).await?;
    let items = select.offset(query.page * page_size).limit(page_size).all(db).await?;
    let items = rows(db, items).await?;
    Ok(Page { items, total, page: query.page, page_size })
}

/// Adds tag names and group counts to contacts (two queries for the lot).
pub async fn rows(db: &impl ConnectionTrait, contacts: Vec<contact::Model>) -> Result<Vec<ContactRow>, RepoError> {
    let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    let mut groups: HashMap<i64, u32> = HashMap::new();
    for chunk in ids.chunks(super::tags::ID_CHUNK) {
        let links: Vec<(i64, String)> = contact_tag::Entity::find()
            .select_only()
            .column(contact_tag::Column::ContactId)
            .column(tag::Column::Name)
            .join(JoinType::InnerJoin, contact_tag::Relation::Tag.def())
            .filter(contact_tag::Column::ContactId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in links {
            tags.entry(id).or_default().push(name);
        }
        let counts: Vec<(i64, i64)> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::ContactId)
            .column_as(group_member::Column::GroupId.count(), "n")
            .filter(group_member::Column::ContactId.is_in(chunk.iter().copied()))
            .filter(group_member::Column::LeftAt.is_null())
            .group_by(group_member::Column::ContactId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, n) in counts {
            groups.insert(id, n as u32);
        }
    }
    Ok(contacts
        .into_iter()
        .map(|c| {
            let mut t = tags.remove(&c.id).unwrap_or_default();
            t.sort();
            ContactRow {
                id: c.id,
                phone_hidden: c.phone.is_none(),
                phone: c.phone,
                lid: c.lid,
                name: c.name,
                region: c.region,
                state: c.state,
                district: c.district,
                segment: c.segment,
                consent_source: c.consent_source,
                opted_out: c.opted_out_at.is_some(),
                opted_out_at: c.opted_out_at,
                created_at: c.created_at,
                tags: t,
                group_count: groups.get(&c.id).copied().unwrap_or(0),
            }
        })
        .collect())
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
