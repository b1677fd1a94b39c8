use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

/// Gives every existing account a fresh random UUID (v4), one row at a time
/// (no backend-specific UUID function, so SQLite and PostgreSQL run the same
/// statements).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(backend, "SELECT id FROM accounts WHERE uuid = '' OR uuid IS NULL"))
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm_migration::sea_orm::DbBackend::Postgres => "UPDATE accounts SET uuid = $1 WHERE id = $2",
                    _ => "UPDATE accounts SET uuid = ? WHERE id = ?",
                },
                [uuid::Uuid::new_v4().to_string().into(), id.into()],
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The column goes with the migration before this one.
        Ok(())
    }
}
