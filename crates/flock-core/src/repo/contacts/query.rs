//! The Contacts page's query: filters, sort, paging, and the counts a
//! campaign's audience shows.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Select,
};
use serde::{Deserialize, Serialize};

use super::filter::{group_only, Filter};
use super::paging;
use super::rows::{rows, ContactRow};
use super::ContactSource;
use crate::entities::contact;
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
    /// Page number from 0 (the rows after `page * page_size`).
    pub page: u64,
    /// 1 to 1000 (0 means 50).
    pub page_size: u64,
    /// The id of the last row of the previous page: the page after that row
    /// (keyset paging: as fast on page 1,000 as on page 1). `page` is then
    /// only echoed back. A row that no longer exists falls back to `page`.
    pub after: Option<i64>,
}

/// The WHERE of the Contacts page without a database at hand (tag names by
/// subquery), in the shape the backend's planner answers best for counting
/// and selecting every match (e.g. a campaign's audience).
pub fn filter_condition(query: &ContactQuery, backend: DbBackend) -> Condition {
    counting(&Filter::new(query, backend))
}

fn counting(filter: &Filter) -> Condition {
    match filter.backend() {
        DbBackend::Sqlite => filter.set_shape(),
        _ => filter.probe_shape(None),
    }
}

/// The filtered, sorted contacts (not paged).
pub fn filtered(query: &ContactQuery, backend: DbBackend) -> Select<contact::Entity> {
    paging::ordered(contact::Entity::find().filter(filter_condition(query, backend)), query.sort)
}

/// One page of the Contacts page: rows with their tag names and group count.
pub async fn search(db: &impl ConnectionTrait, query: &ContactQuery) -> Result<Page<ContactRow>, RepoError> {
    let page_size = if query.page_size == 0 { 50 } else { Ord::min(query.page_size, 1000) };
    let filter = Filter::resolve(db, query).await?;
    let total = paging::count(db, &filter).await?;
    let after = match query.after {
        Some(id) => contact::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let models = paging::page(db, &filter, query.sort, after.as_ref(), query.page * page_size, page_size, total).await?;
    Ok(Page { items: rows(db, models).await?, total, page: query.page, page_size })
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
    let filter = Filter::resolve(db, query).await?;
    let cond = counting(&filter);
    let base = || contact::Entity::find().filter(cond.clone());
    Ok(ReachBreakdown {
        total: base().count(db).await?,
        consented: base().filter(contact::Column::ConsentAt.is_not_null()).count(db).await?,
        wrote_to_us: base().filter(contact::Column::FirstInboundAt.is_not_null()).count(db).await?,
        permitted: base().filter(permitted()).count(db).await?,
        group_only: base().filter(group_only()).count(db).await?,
        opted_out: base().filter(contact::Column::OptedOutAt.is_not_null()).count(db).await?,
    })
}

/// Consent on record, or wrote to us.
fn permitted() -> Condition {
    Condition::any().add(contact::Column::ConsentAt.is_not_null()).add(contact::Column::FirstInboundAt.is_not_null())
}
