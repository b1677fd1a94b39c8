use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// SQLite's `contacts_search` (FTS5 trigram, from
/// `m20261201_000216_index_contacts_search`) again, with `columnsize=0`: FTS5
/// then keeps no per-row token counts (its `_docsize` table), which only
/// ranking reads, and Flock never ranks. One B-tree insert less per contact
/// written: about 50 ms of a 100,000-row import. Its triggers name the table,
/// not its options, and stay. PostgreSQL: nothing.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 3] = [
    "DROP TABLE contacts_search",
    "CREATE VIRTUAL TABLE contacts_search USING fts5(name, phone, content='contacts', content_rowid='id', \
     tokenize='trigram', columnsize=0)",
    "INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')",
];

const DOWN: [&str; 3] = [
    "DROP TABLE contacts_search",
    "CREATE VIRTUAL TABLE contacts_search USING fts5(name, phone, content='contacts', content_rowid='id', \
     tokenize='trigram')",
    "INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &DOWN).await
    }
}
