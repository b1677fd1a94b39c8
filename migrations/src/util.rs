//! Small helpers shared by migrations (no entity code).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

/// Stops a migration that would drop `table` while it holds rows: the error
/// names the table and how many rows, so nothing is lost silently.
pub(crate) async fn refuse_if_not_empty(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
        .await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    if n > 0 {
        return Err(DbErr::Migration(format!(
            "{table} holds {n} rows, and this version of Flock recreates that table: \
             run the version of Flock that wrote them, or back the database up and empty {table}"
        )));
    }
    Ok(())
}
