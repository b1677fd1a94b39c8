//! The WHERE of the Contacts page, in the two shapes a page needs:
//! - the *set* shape drives from the filters: each membership filter (tag,
//!   group, search) is `id IN (ids)`, answered by its own index, and the
//!   matching rows are sorted. Best when few rows match.
//! - the *probe* shape walks the sort's index and tests each row (`EXISTS`,
//!   a direct `LIKE`), stopping after one page. Best when many rows match.
//!
//! PostgreSQL's planner picks between them from its statistics, so it always
//! gets the probe shape (direct predicates it can also answer from the trigram
//! and membership indexes). SQLite's planner has no row estimates for these,
//! so `paging` chooses per page from the count. On SQLite the probe shape
//! writes column filters as `+column`, the documented way to keep a term from
//! choosing an index, so that the walk follows the sort.

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr, UnionType},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic, QueryFilter, QuerySelect,
};

use super::{ContactQuery, ContactSource};
use crate::entities::{contact, contact_tag, group_member, tag};
use crate::repo::RepoError;

/// A test on the contact's own columns.
#[derive(Debug, Clone)]
enum Plain {
    Eq(contact::Column, String),
    Null(contact::Column, bool),
    Source(ContactSource),
    Permitted(bool),
    GroupOnly(bool),
}

/// A membership filter: the ids it admits, and the same test per row.
#[derive(Debug, Clone)]
struct IdSet {
    ids: SelectStatement,
    probe: Condition,
}

/// The filters of one query, resolved against the database where that helps
/// the planners (tag names to ids).
#[derive(Debug, Clone)]
pub struct Filter {
    backend: DbBackend,
    plain: Vec<Plain>,
    sets: Vec<IdSet>,
    /// A filter that matches nothing (an unknown tag).
    nothing: bool,
}

/// How tag names are turned into conditions.
enum Tags<'a> {
    /// Subqueries on `tags` (no database at hand).
    Subquery,
    /// Looked up: the id of the exact tag, the ids of tags whose name contains the search.
    Resolved { exact: Option<i64>, matching: &'a [i64] },
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn id_col() -> Expr {
    Expr::col((contact::Entity, contact::Column::Id))
}

/// Contacts linked to one of the tags `tag_ids` admits (a test on a
/// `tag_id` column, given the column).
fn tag_set(tag_ids: impl Fn(Expr) -> SimpleExpr) -> IdSet {
    let link = Alias::new("ct");
    IdSet {
        ids: Query::select()
            .column(contact_tag::Column::ContactId)
            .from(contact_tag::Entity)
            .and_where(tag_ids(Expr::col((contact_tag::Entity, contact_tag::Column::TagId))))
            .to_owned(),
        probe: Condition::all().add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(contact_tag::Entity, link.clone())
                .and_where(Expr::col((link.clone(), contact_tag::Column::ContactId)).eq(id_col()))
                .and_where(tag_ids(Expr::col((link, contact_tag::Column::TagId))))
                .to_owned(),
        )),
    }
}

impl Filter {
    /// The filter with its tag names looked up (one small query on `tags`).
    pub async fn resolve(db: &impl ConnectionTrait, query: &ContactQuery) -> Result<Filter, RepoError> {
        let exact = match non_empty(&query.tag) {
            Some(name) => tag::Entity::find().filter(tag::Column::Name.eq(name)).one(db).await?.map(|t| t.id),
            None => None,
        };
        let matching: Vec<i64> = match non_empty(&query.search) {
            Some(text) if !looks_like_number(text) => tag::Entity::find()
                .select_only()
                .column(tag::Column::Id)
                .filter(Expr::expr(Func::lower(Expr::col((tag::Entity, tag::Column::Name)))).like(pattern(text)))
                .into_tuple()
                .all(db)
                .await?,
            _ => Vec::new(),
        };
        let mut f = Self::build(query, db.get_database_backend(), Tags::Resolved { exact, matching: &matching });
        f.nothing = non_empty(&query.tag).is_some() && exact.is_none();
        Ok(f)
    }

    /// The filter without a database at hand (tags by subquery).
    pub fn new(query: &ContactQuery, backend: DbBackend) -> Filter {
        Self::build(query, backend, Tags::Subquery)
    }

    fn build(query: &ContactQuery, backend: DbBackend, tags: Tags<'_>) -> Filter {
        let mut plain = Vec::new();
        for (value, col) in [
            (&query.region, contact::Column::Region),
            (&query.state, contact::Column::State),
            (&query.district, contact::Column::District),
            (&query.segment, contact::Column::Segment),
        ] {
            if let Some(v) = non_empty(value) {
                plain.push(Plain::Eq(col, v.to_string()));
            }
        }
        for (wanted, col) in [
            (query.opted_out, contact::Column::OptedOutAt),
            (query.phone_hidden.map(|h| !h), contact::Column::Phone),
            (query.consent, contact::Column::ConsentAt),
            (query.wrote_to_us, contact::Column::FirstInboundAt),
        ] {
            if let Some(w) = wanted {
                plain.push(Plain::Null(col, !w));
            }
        }
        plain.extend(query.source.map(Plain::Source));
        plain.extend(query.permitted.map(Plain::Permitted));
        plain.extend(query.group_only.map(Plain::GroupOnly));

        let mut sets = Vec::new();
        if let Some(text) = non_empty(&query.search) {
            sets.push(search_set(text, backend, &tags));
        }
        if let Some(name) = non_empty(&query.tag) {
            sets.push(match &tags {
                Tags::Subquery => tag_set(|tag_id| {
                    tag_id.in_subquery(
                        Query::select().column(tag::Column::Id).from(tag::Entity).and_where(tag::Column::Name.eq(name)).to_owned(),
                    )
                }),
                Tags::Resolved { exact, .. } => {
                    let id = exact.unwrap_or(-1);
                    tag_set(move |tag_id| tag_id.eq(id))
                }
            });
        }
        if let Some(group_id) = query.group_id {
            let gm = Alias::new("gm");
            sets.push(IdSet {
                ids: Query::select()
                    .column(group_member::Column::ContactId)
                    .from(group_member::Entity)
                    .and_where(Expr::col((group_member::Entity, group_member::Column::GroupId)).eq(group_id))
                    .and_where(Expr::col((group_member::Entity, group_member::Column::LeftAt)).is_null())
                    .to_owned(),
                probe: Condition::all().add(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from_as(group_member::Entity, gm.clone())
                        .and_where(Expr::col((gm.clone(), group_member::Column::ContactId)).eq(id_col()))
                        .and_where(Expr::col((gm.clone(), group_member::Column::GroupId)).eq(group_id))
                        .and_where(Expr::col((gm, group_member::Column::LeftAt)).is_null())
                        .to_owned(),
                )),
            });
        }
        Filter { backend, plain, sets, nothing: false }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Matches nothing whatever the rows (an unknown tag).
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.sets.is_empty()
    }

    /// The set shape (see the module doc).
    pub fn set_shape(&self) -> Condition {
        let mut cond = self.plain_condition(None);
        for s in &self.sets {
            cond = cond.add(id_col().in_subquery(s.ids.clone()));
        }
        cond
    }

    /// The probe shape; `lead` is the sort's first column, whose filter may
    /// still use its index (the walk follows that index anyway).
    pub fn probe_shape(&self, lead: Option<contact::Column>) -> Condition {
        let mut cond = self.plain_condition(if self.backend == DbBackend::Sqlite { Some(lead) } else { None });
        for s in &self.sets {
            cond = cond.add(s.probe.clone());
        }
        cond
    }

    /// The ids of the only filter, when the query is one membership filter:
    /// counting them needs no row of `contacts` (each set holds distinct ids
    /// of existing contacts).
    pub fn sole_set(&self) -> Option<&SelectStatement> {
        match (self.plain.as_slice(), self.sets.as_slice()) {
            ([], [only]) => Some(&only.ids),
            _ => None,
        }
    }

    /// `opaque`: on SQLite, every column but this one is written `+column`.
    fn plain_condition(&self, opaque: Option<Option<contact::Column>>) -> Condition {
        let col = |c: contact::Column| -> Expr {
            match opaque {
                Some(lead) if lead.map(|l| l.as_str()) != Some(c.as_str()) => Expr::cust(format!("+\"{}\".\"{}\"", contact::Entity.table_name(), c.as_str())),
                _ => Expr::col((contact::Entity, c)),
            }
        };
        let null = |c: contact::Column, is_null: bool| if is_null { col(c).is_null() } else { col(c).is_not_null() };
        let permitted = || {
            Condition::any().add(null(contact::Column::ConsentAt, false)).add(null(contact::Column::FirstInboundAt, false))
        };
        let mut cond = Condition::all();
        for p in &self.plain {
            cond = match p {
                Plain::Eq(c, v) => cond.add(col(*c).eq(v.clone())),
                Plain::Null(c, is_null) => cond.add(null(*c, *is_null)),
                Plain::Source(s) => cond.add(col(contact::Column::Sources).bit_and(s.bit()).ne(0)),
                Plain::Permitted(true) => cond.add(permitted()),
                Plain::Permitted(false) => cond.add(permitted().not()),
                // Never opaque: its partial index holds a few percent of the
                // rows, already in name order.
                Plain::GroupOnly(true) => cond.add(group_only()),
                Plain::GroupOnly(false) => cond.add(group_only().not()),
            };
        }
        if self.nothing {
            cond = cond.add(Expr::val(1).eq(0));
        }
        cond
    }
}

fn looks_like_number(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

fn pattern(text: &str) -> String {
    format!("%{}%", text.to_lowercase())
}

/// An FTS5 phrase: the text in double quotes, inner quotes doubled.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Name, number or tag name contains `text` (case-insensitive). A number
/// search (digits and `+-() .`) looks at phones only.
fn search_set(text: &str, backend: DbBackend, tags: &Tags<'_>) -> IdSet {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let number = looks_like_number(text);
    let by_name = !number;
    let by_phone = digits.len() >= 3 || number;
    let digits = if digits.is_empty() { text.to_string() } else { digits };
    let name_like = || Expr::expr(Func::lower(Expr::col((contact::Entity, contact::Column::Name)))).like(pattern(text));
    let phone_like = || Expr::col((contact::Entity, contact::Column::Phone)).like(format!("%{digits}%"));

    let tagged = match tags {
        _ if !by_name => None,
        Tags::Subquery => Some(tag_set(|tag_id| {
            tag_id.in_subquery(
                Query::select()
                    .column(tag::Column::Id)
                    .from(tag::Entity)
                    .and_where(Expr::expr(Func::lower(Expr::col((tag::Entity, tag::Column::Name)))).like(pattern(text)))
                    .to_owned(),
            )
        })),
        Tags::Resolved { matching, .. } if matching.is_empty() => None,
        Tags::Resolved { matching, .. } => {
            let ids: Vec<i64> = matching.to_vec();
            Some(tag_set(move |tag_id| tag_id.is_in(ids.clone())))
        }
    };

    // The row test: direct predicates (PostgreSQL answers them from its trigram indexes).
    let mut probe = Condition::any();
    let mut direct = Condition::any();
    // The ids: SQLite's FTS5 trigram table answers a phrase of 3 characters
    // or more; a shorter one is a direct LIKE.
    let mut phrases: Vec<String> = Vec::new();
    let fts = backend == DbBackend::Sqlite;
    if by_name {
        probe = probe.add(name_like());
        if fts && text.chars().count() >= 3 {
            phrases.push(format!("name : {}", phrase(text)));
        } else {
            direct = direct.add(name_like());
        }
    }
    if by_phone {
        probe = probe.add(phone_like());
        if fts && digits.chars().count() >= 3 {
            phrases.push(format!("phone : {}", phrase(&digits)));
        } else {
            direct = direct.add(phone_like());
        }
    }
    let mut parts: Vec<SelectStatement> = Vec::new();
    if !phrases.is_empty() {
        parts.push(
            Query::select()
                .column(Alias::new("rowid"))
                .from(Alias::new("contacts_search"))
                .and_where(Expr::cust_with_values("contacts_search MATCH ?", [phrases.join(" OR ")]))
                .to_owned(),
        );
    }
    if !direct.is_empty() {
        parts.push(Query::select().column(contact::Column::Id).from(contact::Entity).cond_where(direct).to_owned());
    }
    if let Some(t) = tagged {
        probe = probe.add(t.probe);
        parts.push(t.ids);
    }
    let mut parts = parts.into_iter();
    let mut ids = parts.next().expect("a search has a name or a number part");
    for p in parts {
        ids.union(UnionType::Distinct, p);
    }
    IdSet { ids, probe }
}

/// Known only from groups: no source but group sync, no consent, never
/// wrote. The bit is written as a literal, the very terms of the partial
/// index `idx_contacts_group_only`, so both planners use it whatever the
/// bound values (PostgreSQL's generic plans cannot prove a predicate from a
/// parameter).
pub(crate) fn group_only() -> Condition {
    Condition::all()
        .add(Expr::col((contact::Entity, contact::Column::Sources)).eq(Expr::cust(ContactSource::GroupSync.bit().to_string())))
        .add(Expr::col((contact::Entity, contact::Column::ConsentAt)).is_null())
        .add(Expr::col((contact::Entity, contact::Column::FirstInboundAt)).is_null())
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    /// The page query of "known only from groups", as SQLite's walk of the
    /// name index writes it: its terms stay the partial index's own
    /// (`sources = (1)`, not `+sources = ?`), or SQLite reads every contact.
    #[test]
    fn known_only_from_groups_is_written_as_its_partial_index_on_every_shape() {
        let query = ContactQuery { group_only: Some(true), ..Default::default() };
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let filter = Filter::new(&query, backend);
            for cond in [filter.probe_shape(Some(contact::Column::Name)), filter.set_shape()] {
                let sql = contact::Entity::find().filter(cond).build(backend).to_string();
                assert!(sql.contains(r#""contacts"."sources" = (1)"#), "{sql}");
                assert!(!sql.contains(r#"+"contacts"."sources""#) && !sql.contains(r#"+"contacts"."consent_at""#), "{sql}");
            }
        }
        let migration = include_str!("../../../../../migrations/src/m20261203_000604_index_contacts_group_only.rs");
        assert!(migration.contains(r#"Expr::col(Contacts::Sources).eq(Expr::cust("1"))"#), "the index and the filter name the same bit");
        assert_eq!(ContactSource::GroupSync.bit(), 1);
    }
}
