//! Accounts and their status history. Every state change is one transaction
//! that updates the row and appends to `account_events`.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

use super::{now, RepoError};
use crate::accounts::AccountState;
use crate::entities::{account, account_event, Timestamp};

pub async fn create(db: &impl ConnectionTrait, name: &str) -> Result<account::Model, RepoError> {
    let at = now();
    let row = account::ActiveModel {
        name: Set(name.trim().to_string()),
        state: Set(AccountState::New.as_str().into()),
        show_browser: Set(false),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    account_event::ActiveModel {
        account_id: Set(row.id),
        from_state: Set(None),
        to_state: Set(row.state.clone()),
        reason: Set(Some("account added".into())),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<account::Model, RepoError> {
    account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound { what: "account", id })
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<account::Model>, RepoError> {
    Ok(account::Entity::find().order_by_asc(account::Column::Id).all(db).await?)
}

/// A state change with its reason, the action that fixes it and, for a
/// transitional state, the deadline by which it must be left.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    pub to: AccountState,
    pub reason: Option<&'a str>,
    pub fix: Option<&'a str>,
    pub deadline: Option<Timestamp>,
}

pub async fn set_state(
    db: &DatabaseConnection,
    id: i64,
    transition: Transition<'_>,
) -> Result<account::Model, RepoError> {
    let txn = db.begin().await?;
    let current = get(&txn, id).await?;
    let at = now();
    let mut row: account::ActiveModel = current.clone().into();
    row.state = Set(transition.to.as_str().into());
    row.state_reason = Set(transition.reason.map(str::to_string));
    row.state_fix = Set(transition.fix.map(str::to_string));
    row.state_deadline = Set(transition.deadline);
    row.updated_at = Set(at);
    let updated = row.update(&txn).await?;
    account_event::ActiveModel {
        account_id: Set(id),
        from_state: Set(Some(current.state)),
        to_state: Set(updated.state.clone()),
        reason: Set(transition.reason.map(str::to_string)),
        at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Stores who the account is, as read from the session. Refuses a number
/// that another account already has.
pub async fn set_identity(
    db: &DatabaseConnection,
    id: i64,
    phone: &str,
    wa_id: &str,
    profile_name: Option<&str>,
) -> Result<account::Model, RepoError> {
    let txn = db.begin().await?;
    if let Some(other) = account::Entity::find()
        .filter(account::Column::Phone.eq(phone))
        .filter(account::Column::Id.ne(id))
        .one(&txn)
        .await?
    {
        return Err(RepoError::Conflict {
            message: format!("{phone} is already linked as account \"{}\"", other.name),
            fix: format!("Use account \"{}\", or remove it first", other.name),
        });
    }
    let mut row: account::ActiveModel = get(&txn, id).await?.into();
    let at = now();
    row.phone = Set(Some(phone.to_string()));
    row.wa_id = Set(Some(wa_id.to_string()));
    row.profile_name = Set(profile_name.map(str::to_string));
    row.linked_at = Set(Some(at));
    row.last_seen_at = Set(Some(at));
    row.updated_at = Set(at);
    let updated = row.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn events(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<account_event::Model>, RepoError> {
    Ok(account_event::Entity::find()
        .filter(account_event::Column::AccountId.eq(id))
        .order_by_asc(account_event::Column::Id)
        .all(db)
        .await?)
}

pub async fn remove(db: &impl ConnectionTrait, id: i64) -> Result<(), RepoError> {
    let result = account::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(RepoError::NotFound { what: "account", id });
    }
    Ok(())
}

/// Forgets who the account was (after a reset wipes its profile).
pub async fn clear_identity(db: &impl ConnectionTrait, id: i64) -> Result<account::Model, RepoError> {
    let mut row: account::ActiveModel = get(db, id).await?.into();
    row.phone = Set(None);
    row.wa_id = Set(None);
    row.profile_name = Set(None);
    row.linked_at = Set(None);
    row.updated_at = Set(now());
    Ok(row.update(db).await?)
}

pub async fn set_show_browser(db: &impl ConnectionTrait, id: i64, show: bool) -> Result<account::Model, RepoError> {
    let mut row: account::ActiveModel = get(db, id).await?.into();
    row.show_browser = Set(show);
    row.updated_at = Set(now());
    Ok(row.update(db).await?)
}

/// The session answered just now (health check).
pub async fn touch_last_seen(db: &impl ConnectionTrait, id: i64) -> Result<account::Model, RepoError> {
    let mut row: account::ActiveModel = get(db, id).await?.into();
    row.last_seen_at = Set(Some(now()));
    Ok(row.update(db).await?)
}
