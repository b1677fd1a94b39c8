//! Account leases: `accounts.lease_holder` (a workstation id) and
//! `lease_expires_at`. Every change is one conditional UPDATE, so of two
//! workstations racing for an account exactly one wins; `lease_events`
//! records each take (with the holder replaced and when its lease had run
//! out), give-back and loss. The lease columns are not the account's state:
//! they do not bump `accounts.version`, so a lease renewal never makes a
//! state write stale.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{account, lease_event};
use crate::repo::RepoError;

/// Who holds an account's lease, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Lease {
    /// Held by a workstation other than `me`, and not yet run out.
    pub fn held_elsewhere(&self, me: &str, now: DateTime<Utc>) -> bool {
        self.holder.as_deref().is_some_and(|h| h != me) && self.expires_at.is_some_and(|e| e > now)
    }
}

/// The outcome of [`acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// Ours until `expires_at` (renewed by the heartbeat).
    Taken { expires_at: DateTime<Utc> },
    /// Another workstation holds it.
    HeldBy { holder: String, expires_at: DateTime<Utc> },
}

async fn read(db: &impl ConnectionTrait, account_id: i64) -> Result<Lease, RepoError> {
    let row: Option<(Option<String>, Option<DateTime<Utc>>)> = account::Entity::find_by_id(account_id)
        .select_only()
        .column(account::Column::LeaseHolder)
        .column(account::Column::LeaseExpiresAt)
        .into_tuple()
        .one(db)
        .await?;
    let (holder, expires_at) = row.ok_or(RepoError::NotFound { what: "account", id: account_id })?;
    Ok(Lease { holder, expires_at })
}

/// Takes the account's lease for `me` until `now + ttl` when it is free,
/// already `me`'s, or run out. Compare-and-set on the holder as read, so
/// the history names exactly the holder that was replaced.
pub async fn acquire(
    db: &impl ConnectionTrait,
    account_id: i64,
    me: &str,
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Acquired, RepoError> {
    let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(20));
    for _ in 0..3 {
        let seen = read(db, account_id).await?;
        if seen.held_elsewhere(me, now) {
            return Ok(Acquired::HeldBy { holder: seen.holder.unwrap_or_default(), expires_at: seen.expires_at.unwrap_or(now) });
        }
        let mut q = Query::update();
        q.table(account::Entity)
            .value(account::Column::LeaseHolder, me)
            .value(account::Column::LeaseExpiresAt, expires_at)
            .and_where(Expr::col(account::Column::Id).eq(account_id));
        match &seen.holder {
            Some(h) => q.and_where(Expr::col(account::Column::LeaseHolder).eq(h.as_str())),
            None => q.and_where(Expr::col(account::Column::LeaseHolder).is_null()),
        };
        // Free, ours, or run out: checked again by the database, so a renewal
        // between the read and this write keeps the lease where it is.
        q.and_where(
            Expr::col(account::Column::LeaseHolder)
                .is_null()
                .or(Expr::col(account::Column::LeaseHolder).eq(me))
                .or(Expr::col(account::Column::LeaseExpiresAt).is_null())
                .or(Expr::col(account::Column::LeaseExpiresAt).lte(now)),
        );
        if db.execute(&q).await?.rows_affected() == 1 {
            let previous = seen.holder.filter(|h| h != me);
            record(db, account_id, me, "acquired", previous.clone(), previous.and(seen.expires_at), now).await?;
            return Ok(Acquired::Taken { expires_at });
        }
        // Changed between the read and the write: read again.
    }
    let seen = read(db, account_id).await?;
    Ok(Acquired::HeldBy { holder: seen.holder.unwrap_or_default(), expires_at: seen.expires_at.unwrap_or(now) })
}

/// Renews `me`'s leases of `accounts` until `now + ttl`; returns the
/// accounts whose lease `me` no longer holds (taken after it ran out).
pub async fn renew(
    db: &impl ConnectionTrait,
    me: &str,
    accounts: &[i64],
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, RepoError> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(20));
    let q = Query::update()
        .table(account::Entity)
        .value(account::Column::LeaseExpiresAt, expires_at)
        .and_where(Expr::col(account::Column::LeaseHolder).eq(me))
        .and_where(Expr::col(account::Column::Id).is_in(accounts.iter().copied()))
        .to_owned();
    db.execute(&q).await?;
    let held: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::LeaseHolder.eq(me))
        .filter(account::Column::Id.is_in(accounts.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let lost: Vec<i64> = accounts.iter().copied().filter(|a| !held.contains(a)).collect();
    for a in &lost {
        record(db, *a, me, "lost", None, None, now).await?;
    }
    Ok(lost)
}

/// Gives `me`'s lease of the account back (its session has stopped).
pub async fn release(db: &impl ConnectionTrait, account_id: i64, me: &str, now: DateTime<Utc>) -> Result<(), RepoError> {
    let q = Query::update()
        .table(account::Entity)
        .value(account::Column::LeaseHolder, Option::<String>::None)
        .value(account::Column::LeaseExpiresAt, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(account::Column::Id).eq(account_id))
        .and_where(Expr::col(account::Column::LeaseHolder).eq(me))
        .to_owned();
    if db.execute(&q).await?.rows_affected() == 1 {
        record(db, account_id, me, "released", None, None, now).await?;
    }
    Ok(())
}

/// Every account's lease.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<(i64, Lease)>, RepoError> {
    let rows: Vec<(i64, Option<String>, Option<DateTime<Utc>>)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::LeaseHolder)
        .column(account::Column::LeaseExpiresAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, holder, expires_at)| (id, Lease { holder, expires_at })).collect())
}

/// The lease history of an account, oldest first.
pub async fn history(db: &impl ConnectionTrait, account_id: i64) -> Result<Vec<lease_event::Model>, RepoError> {
    use sea_orm::QueryOrder;
    Ok(lease_event::Entity::find()
        .filter(lease_event::Column::AccountId.eq(account_id))
        .order_by_asc(lease_event::Column::Id)
        .all(db)
        .await?)
}

async fn record(
    db: &impl ConnectionTrait,
    account_id: i64,
    me: &str,
    kind: &str,
    previous_holder: Option<String>,
    previous_expires_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    lease_event::ActiveModel {
        account_id: Set(account_id),
        workstation_id: Set(me.to_string()),
        kind: Set(kind.to_string()),
        previous_holder: Set(previous_holder),
        previous_expires_at: Set(previous_expires_at),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
