use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// PostgreSQL only: the trigram extension, for the Contacts page's substring
/// search (`lower(name) LIKE '%…%'`) from an index. It ships with PostgreSQL
/// (Debian's postgresql package, every managed service) and is a trusted
/// extension: any role that may create objects in the database may add it.
/// SQLite uses an FTS5 trigram table instead (next migration).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await.map_err(|e| {
            DbErr::Migration(format!(
                "Flock needs PostgreSQL's pg_trgm extension and could not add it ({e}): ask the database's owner to \
                 run CREATE EXTENSION pg_trgm; in this database, or to let Flock's role create objects in it"
            ))
        })?;
        Ok(())
    }

    /// The extension stays: other schemas may use it.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
