//! Accounts and their status history. Every state change is one transaction
//! that updates the row and appends to `account_events`.
//!
//! State writes are compare-and-set on `accounts.version`: the writer names
//! the version it read, the row changes only if it is still that version
//! (then the version is bumped), otherwise `RepoError::Stale`. Two writers
//! (two workstations, two managers) cannot silently undo each other.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::{now, RepoError};
use crate::accounts::AccountState;
use crate::entities::{account, account_event, flock_meta, Timestamp};

/// The `flock_meta` key of the database's own UUID.
pub const DATABASE_ID: &str = "database_id";

pub async fn create(db: &impl ConnectionTrait, name: &str) -> Result<account::Model, RepoError> {
    let at = now();
    let row = account::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        name: Set(name.trim().to_string()),
        state: Set(AccountState::New.as_str().into()),
        show_browser: Set(false),
        created_at: Set(at),
        updated_at: Set(at),
        version: Set(0),
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

/// This database's own identity (written once by its migrations).
pub async fn database_id(db: &impl ConnectionTrait) -> Result<String, RepoError> {
    let row = flock_meta::Entity::find_by_id(DATABASE_ID.to_string()).one(db).await?;
    row.map(|r| r.value).ok_or_else(|| RepoError::Conflict {
        message: "this database has no database_id (its schema is incomplete)".into(),
        fix: "Run `flockctl db migrate`, or restart Flock so that it upgrades the database".into(),
    })
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

/// Moves the account to `transition.to` if it is still at `version`
/// (`RepoError::Stale` otherwise) and records the change in its history.
pub async fn set_state(
    db: &DatabaseConnection,
    id: i64,
    version: i64,
    transition: Transition<'_>,
) -> Result<account::Model, RepoError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    let at = now();
    let changed = account::Entity::update_many()
        .col_expr(account::Column::State, Expr::value(transition.to.as_str()))
        .col_expr(account::Column::StateReason, Expr::value(transition.reason.map(str::to_string)))
        .col_expr(account::Column::StateFix, Expr::value(transition.fix.map(str::to_string)))
        .col_expr(account::Column::StateDeadline, Expr::value(transition.deadline))
        .col_expr(account::Column::UpdatedAt, Expr::value(at))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Id.eq(id))
        .filter(account::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(RepoError::Stale { what: "account", id });
    }
    account_event::ActiveModel {
        account_id: Set(id),
        from_state: Set(Some(current.state)),
        to_state: Set(transition.to.as_str().into()),
        reason: Set(transition.reason.map(str::to_string)),
        at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let updated = get(&txn, id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Who a session says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity<'a> {
    /// E.164.
    pub phone: &'a str,
    pub wa_id: &'a str,
    pub profile_name: Option<&'a str>,
}

/// What storing an identity came to.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityOutcome {
    Stored(account::Model),
    /// Another account already has this number.
    TakenBy { other: String },
    /// The account already has another number: its profile is logged in as
    /// someone else. Nothing was written.
    OtherNumber { stored: String },
}

/// Stores who the account is, as read from the session, if the account is
/// still at `version`. Refuses a number that another account has, and a
/// number that differs from the one the account already has.
pub async fn store_identity(
    db: &DatabaseConnection,
    id: i64,
    version: i64,
    identity: &Identity<'_>,
) -> Result<IdentityOutcome, RepoError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    if let Some(stored) = current.phone.as_deref().filter(|p| *p != identity.phone) {
        return Ok(IdentityOutcome::OtherNumber { stored: stored.to_string() });
    }
    if let Some(other) = account::Entity::find()
        .filter(account::Column::Phone.eq(identity.phone))
        .filter(account::Column::Id.ne(id))
        .one(&txn)
        .await?
    {
        return Ok(IdentityOutcome::TakenBy { other: other.name });
    }
    let at = now();
    let changed = account::Entity::update_many()
        .col_expr(account::Column::Phone, Expr::value(identity.phone))
        .col_expr(account::Column::WaId, Expr::value(identity.wa_id))
        .col_expr(account::Column::ProfileName, Expr::value(identity.profile_name.map(str::to_string)))
        .col_expr(account::Column::LinkedAt, Expr::value(Some(at)))
        .col_expr(account::Column::LastSeenAt, Expr::value(Some(at)))
        .col_expr(account::Column::UpdatedAt, Expr::value(at))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Id.eq(id))
        .filter(account::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(RepoError::Stale { what: "account", id });
    }
    let updated = get(&txn, id).await?;
    txn.commit().await?;
    Ok(IdentityOutcome::Stored(updated))
}

/// `store_identity` on the version read now; a refusal is a `Conflict`.
pub async fn set_identity(
    db: &DatabaseConnection,
    id: i64,
    phone: &str,
    wa_id: &str,
    profile_name: Option<&str>,
) -> Result<account::Model, RepoError> {
    let current = get(db, id).await?;
    let identity = Identity { phone, wa_id, profile_name };
    match store_identity(db, id, current.version, &identity).await? {
        IdentityOutcome::Stored(row) => Ok(row),
        IdentityOutcome::TakenBy { other } => Err(taken_by(phone, &other)),
        IdentityOutcome::OtherNumber { stored } => Err(RepoError::Conflict {
            message: other_number(&current.name, &stored, phone),
            fix: FIX_OTHER_NUMBER.into(),
        }),
    }
}

pub(crate) fn taken_by(phone: &str, other: &str) -> RepoError {
    RepoError::Conflict {
        message: format!("{phone} is already linked as account \"{other}\""),
        fix: format!("Use account \"{other}\", or remove it first"),
    }
}

/// The reason an account is stopped when its profile reports another number.
pub fn other_number(name: &str, stored: &str, reported: &str) -> String {
    format!("Account \"{name}\" is {stored}, but its browser profile is logged in as {reported}; nothing is sent from it")
}

pub const FIX_OTHER_NUMBER: &str =
    "Link the account again with the phone of its own number, or reset it (this forgets its number) to link another one";

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

/// Forgets who the account was (after a reset wipes its profile), if it is
/// still at `version`.
pub async fn clear_identity(db: &impl ConnectionTrait, id: i64, version: i64) -> Result<account::Model, RepoError> {
    let changed = account::Entity::update_many()
        .col_expr(account::Column::Phone, Expr::value(Option::<String>::None))
        .col_expr(account::Column::WaId, Expr::value(Option::<String>::None))
        .col_expr(account::Column::ProfileName, Expr::value(Option::<String>::None))
        .col_expr(account::Column::LinkedAt, Expr::value(Option::<Timestamp>::None))
        .col_expr(account::Column::UpdatedAt, Expr::value(now()))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Id.eq(id))
        .filter(account::Column::Version.eq(version))
        .exec(db)
        .await?;
    if changed.rows_affected == 0 {
        get(db, id).await?;
        return Err(RepoError::Stale { what: "account", id });
    }
    get(db, id).await
}

/// A preference, not state: no version check.
pub async fn set_show_browser(db: &impl ConnectionTrait, id: i64, show: bool) -> Result<account::Model, RepoError> {
    let mut row: account::ActiveModel = get(db, id).await?.into();
    row.show_browser = Set(show);
    row.updated_at = Set(now());
    Ok(row.update(db).await?)
}

/// What the account's WhatsApp Web can do (JSON). Not state: no version check.
pub async fn set_capabilities(db: &impl ConnectionTrait, id: i64, capabilities: &str) -> Result<(), RepoError> {
    account::Entity::update_many()
        .col_expr(account::Column::Capabilities, Expr::value(Some(capabilities.to_string())))
        .filter(account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The session answered just now (health check). Not state: no version check.
pub async fn touch_last_seen(db: &impl ConnectionTrait, id: i64) -> Result<account::Model, RepoError> {
    let mut row: account::ActiveModel = get(db, id).await?.into();
    row.last_seen_at = Set(Some(now()));
    Ok(row.update(db).await?)
}
