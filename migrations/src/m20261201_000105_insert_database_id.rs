use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// This database's own identity: a random UUID written once, when the
/// database is created (or first upgraded). Profile folders record it, so a
/// profile made for another database is never opened for this one.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => "INSERT INTO flock_meta (\"key\", \"value\") VALUES ('database_id', $1)",
            _ => "INSERT INTO flock_meta (\"key\", \"value\") VALUES ('database_id', ?)",
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, [uuid::Uuid::new_v4().to_string().into()])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DELETE FROM flock_meta WHERE \"key\" = 'database_id'").await?;
        Ok(())
    }
}
