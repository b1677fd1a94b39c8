//! Per-account dispatch facts: limits (`accounts.limits`, JSON; null = the
//! documented defaults), the reachout timelock's end
//! (`accounts.reachout_until`), and when the account was linked (for the
//! ramp-up).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::col;
use crate::dispatch::{DispatchError, Limits};
use crate::entities::{account, account_event};

/// One account's stored limits; `Ok(default)` when none were set.
pub async fn limits(db: &impl ConnectionTrait, account_id: i64) -> Result<Limits, DispatchError> {
    let q = Query::select()
        .expr_as(Expr::col(col("limits")), col("limits"))
        .from(account::Entity)
        .and_where(Expr::col(account::Column::Id).eq(account_id))
        .to_owned();
    let row = db.query_one(&q).await?.ok_or(DispatchError::NoAccount { account_id })?;
    let raw: Option<serde_json::Value> = row.try_get("", "limits")?;
    parse(account_id, raw)
}

/// Every account's limits (unreadable ones reported per account).
pub async fn all_limits(db: &impl ConnectionTrait) -> Result<HashMap<i64, Result<Limits, DispatchError>>, DispatchError> {
    let q = Query::select()
        .column(account::Column::Id)
        .expr_as(Expr::col(col("limits")), col("limits"))
        .from(account::Entity)
        .to_owned();
    let mut out = HashMap::new();
    for row in db.query_all(&q).await? {
        let id: i64 = row.try_get("", "id")?;
        let raw: Option<serde_json::Value> = row.try_get("", "limits")?;
        out.insert(id, parse(id, raw));
    }
    Ok(out)
}

fn parse(account_id: i64, raw: Option<serde_json::Value>) -> Result<Limits, DispatchError> {
    match raw {
        None | Some(serde_json::Value::Null) => Ok(Limits::default()),
        Some(v) => serde_json::from_value(v).map_err(|source| DispatchError::BadLimits { account_id, source }),
    }
}

/// Stores an account's limits (validated first).
pub async fn set_limits(db: &impl ConnectionTrait, account_id: i64, limits: &Limits) -> Result<(), DispatchError> {
    limits.validate()?;
    let value = serde_json::to_value(limits).map_err(|source| DispatchError::BadLimits { account_id, source })?;
    let q = Query::update()
        .table(account::Entity)
        .value(col("limits"), value)
        .and_where(Expr::col(account::Column::Id).eq(account_id))
        .to_owned();
    if db.execute(&q).await?.rows_affected() == 0 {
        return Err(DispatchError::NoAccount { account_id });
    }
    Ok(())
}

/// The accounts under a reachout timelock, and its end (`None`: unknown end).
pub async fn reachout_locks(db: &impl ConnectionTrait) -> Result<HashMap<i64, DateTime<Utc>>, DispatchError> {
    let q = Query::select()
        .column(account::Column::Id)
        .expr_as(Expr::col(col("reachout_until")), col("reachout_until"))
        .from(account::Entity)
        .and_where(Expr::col(col("reachout_until")).is_not_null())
        .to_owned();
    let mut out = HashMap::new();
    for row in db.query_all(&q).await? {
        let id: i64 = row.try_get("", "id")?;
        let until: DateTime<Utc> = row.try_get("", "reachout_until")?;
        out.insert(id, until);
    }
    Ok(out)
}

pub async fn set_reachout_until(
    db: &impl ConnectionTrait,
    account_id: i64,
    until: Option<DateTime<Utc>>,
) -> Result<(), DispatchError> {
    let q = Query::update()
        .table(account::Entity)
        .value(col("reachout_until"), until)
        .and_where(Expr::col(account::Column::Id).eq(account_id))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// When each account was linked, for the ramp-up: the first time it became
/// active after its last link (a QR or pairing code shown), else the first
/// time it was active at all, else `accounts.linked_at`. (`linked_at` alone
/// would restart the ramp at every restore.)
pub async fn linked_at(db: &impl ConnectionTrait) -> Result<HashMap<i64, DateTime<Utc>>, DispatchError> {
    let mut out: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for a in account::Entity::find().all(db).await? {
        if let Some(at) = a.linked_at {
            out.insert(a.id, at);
        }
    }
    // The last link started per account.
    let last_link = Query::select()
        .column(account_event::Column::AccountId)
        .expr_as(Func::max(Expr::col(account_event::Column::At)), col("at"))
        .from(account_event::Entity)
        .and_where(Expr::col(account_event::Column::ToState).eq("waiting_for_scan"))
        .group_by_col(account_event::Column::AccountId)
        .to_owned();
    let mut link_started: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for row in db.query_all(&last_link).await? {
        link_started.insert(row.try_get("", "account_id")?, row.try_get("", "at")?);
    }
    let actives = Query::select()
        .column(account_event::Column::AccountId)
        .column(account_event::Column::At)
        .from(account_event::Entity)
        .and_where(Expr::col(account_event::Column::ToState).eq("active"))
        .to_owned();
    let mut first_active: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for row in db.query_all(&actives).await? {
        let id: i64 = row.try_get("", "account_id")?;
        let at: DateTime<Utc> = row.try_get("", "at")?;
        if link_started.get(&id).is_some_and(|l| at < *l) {
            continue;
        }
        let e = first_active.entry(id).or_insert(at);
        if at < *e {
            *e = at;
        }
    }
    out.extend(first_active);
    Ok(out)
}
