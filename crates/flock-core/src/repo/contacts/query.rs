//! The Contacts page's query: filters, sort, paging, and the counts a
//! campaign's audience shows.

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, NullOrdering, Order, Query, SimpleExpr},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use super::rows::{rows, ContactRow};
use super::ContactSource;
use crate::entities::{contact, contact_tag, group_member, tag};
use crate::repo::{Page, RepoError};

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
    /// Came from this source (first or later).
    pub source: Option<ContactSource>,
    /// `Some(true)`: consent on record; `Some(false)`: none.
    pub consent: Option<bool>,
    /// `Some(true)`: has written to one of our accounts.
    pub wrote_to_us: Option<bool>,
    /// `Some(true)`: consent on record or wrote to us (the safer audience);
    /// `Some(false)`: neither.
    pub permitted: Option<bool>,
    /// `Some(true)`: known only from groups (no other source, no consent,
    /// never wrote): the highest ban and complaint risk.
    pub group_only: Option<bool>,
    pub sort: ContactSort,
    pub page: u64,
    /// 1 to 1000 (0 means 50).
    pub page_size: u64,
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
    if let Some(source) = query.source {
        cond = cond.add(Expr::col((contact::Entity, contact::Column::Sources)).bit_and(source.bit()).ne(0));
    }
    for (wanted, col) in [(query.consent, contact::Column::ConsentAt), (query.wrote_to_us, contact::Column::FirstInboundAt)] {
        match wanted {
            Some(true) => cond = cond.add(col.is_not_null()),
            Some(false) => cond = cond.add(col.is_null()),
            None => {}
        }
    }
    match query.permitted {
        Some(true) => cond = cond.add(permitted()),
        Some(false) => cond = cond.add(permitted().not()),
        None => {}
    }
    match query.group_only {
        Some(true) => cond = cond.add(group_only()),
        Some(false) => cond = cond.add(group_only().not()),
        None => {}
    }
    cond
}

/// Consent on record, or wrote to us.
fn permitted() -> Condition {
    Condition::any().add(contact::Column::ConsentAt.is_not_null()).add(contact::Column::FirstInboundAt.is_not_null())
}

/// Known only from groups: no other source, no consent, never wrote.
fn group_only() -> Condition {
    Condition::all()
        .add(contact::Column::Sources.eq(ContactSource::GroupSync.bit()))
        .add(contact::Column::ConsentAt.is_null())
        .add(contact::Column::FirstInboundAt.is_null())
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


/// How a set of contacts may be reached: the basis a campaign's audience
/// shows (consent, wrote first, or only a group member).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReachBreakdown {
    pub total: u64,
    /// Consent on record.
    pub consented: u64,
    /// Wrote to one of our accounts.
    pub wrote_to_us: u64,
    /// Consent or wrote to us (the two above, each person once).
    pub permitted: u64,
    /// Known only from groups.
    pub group_only: u64,
    pub opted_out: u64,
}

/// The breakdown of the contacts matching `query` (its paging ignored).
pub async fn reach_breakdown(db: &impl ConnectionTrait, query: &ContactQuery) -> Result<ReachBreakdown, RepoError> {
    let base = || contact::Entity::find().filter(filter_condition(query));
    Ok(ReachBreakdown {
        total: base().count(db).await?,
        consented: base().filter(contact::Column::ConsentAt.is_not_null()).count(db).await?,
        wrote_to_us: base().filter(contact::Column::FirstInboundAt.is_not_null()).count(db).await?,
        permitted: base().filter(permitted()).count(db).await?,
        group_only: base().filter(group_only()).count(db).await?,
        opted_out: base().filter(contact::Column::OptedOutAt.is_not_null()).count(db).await?,
    })
}
