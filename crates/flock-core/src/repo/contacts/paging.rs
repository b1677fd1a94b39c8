//! Sorting and paging the Contacts page at 100,000 contacts and more:
//! keyset pages (the rows after a given row, one index walk from it), offset
//! pages for a jump into the middle (ids from the sort's index first, then
//! their rows), and the count (from the lone membership filter's index when
//! there is one).

use std::collections::HashMap;

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, NullOrdering, Order, Query},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::filter::Filter;
use super::ContactSort;
use crate::entities::contact;
use crate::repo::RepoError;

/// Orders by the sort, nullable columns last, `id` as the tiebreak (in the
/// sort's direction, so that each sort is one index walk).
pub(crate) fn ordered(select: Select<contact::Entity>, sort: ContactSort) -> Select<contact::Entity> {
    ordered_as(select, sort, false)
}

/// The sort's columns, each with its direction (nullable ones put nulls last).
fn sort_keys(sort: ContactSort) -> &'static [(contact::Column, Order)] {
    use contact::Column as C;
    match sort {
        ContactSort::Name => &[(C::Name, Order::Asc), (C::Id, Order::Asc)],
        ContactSort::Phone => &[(C::Phone, Order::Asc), (C::Id, Order::Asc)],
        ContactSort::Newest => &[(C::CreatedAt, Order::Desc), (C::Id, Order::Desc)],
        ContactSort::Region => &[(C::Region, Order::Asc), (C::Name, Order::Asc), (C::Id, Order::Asc)],
    }
}

/// [`ordered`]; `opaque` (PostgreSQL) orders by expressions no index
/// matches, the same order: the planner then finds the matches by the
/// filter's own indexes and sorts them, instead of walking the sort's index
/// hoping to meet the few matches early (see [`Shape`]).
fn ordered_as(select: Select<contact::Entity>, sort: ContactSort, opaque: bool) -> Select<contact::Entity> {
    sort_keys(sort).iter().fold(select, |select, (column, order)| {
        let expr = if opaque { opaque_expr(*column) } else { Expr::col((contact::Entity, *column)) };
        // `id` and `created_at` are never null: no NULLS clause for them.
        match column {
            contact::Column::Id | contact::Column::CreatedAt => select.order_by(expr, order.clone()),
            _ => select.order_by_with_nulls(expr, order.clone(), NullOrdering::Last),
        }
    })
}

/// The column as an expression of the same value and order that no index
/// covers.
fn opaque_expr(column: contact::Column) -> Expr {
    use sea_orm::{EntityName, IdenStatic};
    let c = format!("\"{}\".\"{}\"", contact::Entity.table_name(), column.as_str());
    Expr::cust(match column {
        contact::Column::Id => format!("({c} + 0)"),
        contact::Column::CreatedAt => format!("({c} + interval '0 seconds')"),
        _ => format!("({c} || '')"),
    })
}

fn lead(sort: ContactSort) -> contact::Column {
    match sort {
        ContactSort::Name => contact::Column::Name,
        ContactSort::Phone => contact::Column::Phone,
        ContactSort::Newest => contact::Column::CreatedAt,
        ContactSort::Region => contact::Column::Region,
    }
}

/// Contacts matching `filter`.
pub(crate) async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, RepoError> {
    if filter.is_nothing() {
        return Ok(0);
    }
    if let Some(ids) = filter.sole_set() {
        let stmt =
            Query::select().expr(Expr::cust("COUNT(*)")).from_subquery(ids.clone(), Alias::new("ids")).to_owned();
        let row = db.query_one(&stmt).await?;
        let n: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        return Ok(Ord::max(n, 0) as u64);
    }
    let cond = match filter.backend() {
        DbBackend::Sqlite => filter.set_shape(),
        _ => filter.probe_shape(None),
    };
    Ok(contact::Entity::find().filter(cond).count(db).await?)
}

/// Whether a SQLite page walks the sort's index (the probe shape) rather
/// than sorting every match (the set shape): when the walk, at the matches'
/// average density, reaches the page in a quarter of the rows a sort would
/// read. The margin covers filters that cluster along the sort (hidden phones
/// have no name and sit at the end of the name order).
pub fn walks_sort_index(rows: u64, total: u64, skip: u64, limit: u64) -> bool {
    total > 0 && (skip + limit).saturating_mul(rows) / total * 4 <= total
}

/// How one page is read: its condition (the filter's shape, see `filter`)
/// and, on PostgreSQL, whether the sort is opaque. The planner, given the
/// sort's index and a filter of few matches, walks the index expecting
/// them spread evenly; when they cluster at its end (hidden phones have no
/// name) or are few (a group's 400 members in 100,000), it reads the whole
/// index: 45 ms for the hidden phones once the statistics knew them, 1.8 ms
/// sorted. So PostgreSQL too takes the walk only when [`walks_sort_index`]
/// says so, and otherwise sorts the matches.
struct Shape {
    cond: Condition,
    opaque: bool,
}

/// The shape for one page (see [`Shape`]).
async fn shape(
    db: &impl ConnectionTrait,
    filter: &Filter,
    sort: ContactSort,
    skip: u64,
    limit: u64,
    total: u64,
) -> Result<Shape, RepoError> {
    let sqlite = filter.backend() == DbBackend::Sqlite;
    let walk = |opaque| Shape { cond: filter.probe_shape(Some(lead(sort))), opaque };
    if filter.is_empty() {
        return Ok(walk(false));
    }
    if total == 0 {
        return Ok(if sqlite { Shape { cond: filter.set_shape(), opaque: false } } else { walk(false) });
    }
    // Rows in the table, from the largest id (one index step).
    let rows: Option<i64> = contact::Entity::find()
        .select_only()
        .column_as(contact::Column::Id.max(), "n")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let rows = Ord::max(rows.unwrap_or(0), 0) as u64;
    Ok(match (walks_sort_index(rows, total, skip, limit), sqlite) {
        (true, _) => walk(false),
        (false, true) => Shape { cond: filter.set_shape(), opaque: false },
        (false, false) => walk(true),
    })
}

/// `limit` contacts matching `filter` in `sort` order: after the row
/// `after` (keyset) where the sort allows it, else from `offset`. `total` is
/// the filter's count (it picks the shape).
pub(crate) async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    sort: ContactSort,
    after: Option<&contact::Model>,
    offset: u64,
    limit: u64,
    total: u64,
) -> Result<Vec<contact::Model>, RepoError> {
    // Nothing matches: no page to read. (Asked anyway, SQLite, lacking row
    // estimates, walks the sort's whole index looking for the first match.)
    if filter.is_nothing() || limit == 0 || total == 0 {
        return Ok(Vec::new());
    }
    let keyed = match (after, sort) {
        (Some(c), ContactSort::Newest) => Some((c, None)),
        (Some(c), ContactSort::Name) => Some((c, Some((contact::Column::Name, c.name.clone())))),
        (Some(c), ContactSort::Phone) => Some((c, Some((contact::Column::Phone, c.phone.clone())))),
        _ => None,
    };
    let Some((cursor, text_key)) = keyed else {
        let shape = shape(db, filter, sort, offset, limit, total).await?;
        return page_at(db, shape, sort, offset, limit).await;
    };
    let Shape { cond, opaque } = shape(db, filter, sort, 0, limit, total).await?;
    let id = || Expr::col((contact::Entity, contact::Column::Id));
    let Some((column, value)) = text_key else {
        // Newest first: (created_at, id) below the cursor's.
        let after = Expr::tuple([Expr::col((contact::Entity, contact::Column::CreatedAt)), id()])
            .lt(Expr::tuple([Expr::val(cursor.created_at), Expr::val(cursor.id)]));
        let select = contact::Entity::find().filter(cond).filter(after);
        return Ok(ordered_as(select, sort, opaque).limit(limit).all(db).await?);
    };
    // By name or phone, nulls last: the rows with a value after the cursor's
    // (one walk of the column's index), then the rows without one, by id.
    let mut out = Vec::new();
    if let Some(value) = &value {
        let after = Expr::tuple([Expr::col((contact::Entity, column)), id()])
            .gt(Expr::tuple([Expr::val(value.clone()), Expr::val(cursor.id)]));
        let select = contact::Entity::find().filter(cond.clone()).filter(after);
        out = ordered_as(select, sort, opaque).limit(limit).all(db).await?;
    }
    if (out.len() as u64) < limit {
        let mut nulls = contact::Entity::find().filter(cond).filter(column.is_null());
        if value.is_none() {
            nulls = nulls.filter(contact::Column::Id.gt(cursor.id));
        }
        let by_id = if opaque {
            nulls.order_by(opaque_expr(contact::Column::Id), Order::Asc)
        } else {
            nulls.order_by_asc(contact::Column::Id)
        };
        out.extend(by_id.limit(limit - out.len() as u64).all(db).await?);
    }
    Ok(out)
}

/// A page by offset: the ids from the sort's index first, then their rows.
async fn page_at(
    db: &impl ConnectionTrait,
    shape: Shape,
    sort: ContactSort,
    offset: u64,
    limit: u64,
) -> Result<Vec<contact::Model>, RepoError> {
    let select = contact::Entity::find().select_only().column(contact::Column::Id).filter(shape.cond);
    let ids: Vec<i64> = ordered_as(select, sort, shape.opaque).offset(offset).limit(limit).into_tuple().all(db).await?;
    let mut by_id: HashMap<i64, contact::Model> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(ids.into_iter().filter_map(|id| by_id.remove(&id)).collect())
}
