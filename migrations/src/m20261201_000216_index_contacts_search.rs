use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Substring search of contact names and numbers from an index, at 100,000
/// contacts and more.
/// - PostgreSQL: trigram GIN indexes on `lower(name)` and `phone`
///   (`LIKE '%…%'` uses them).
/// - SQLite: `contacts_search`, an FTS5 table with the trigram tokenizer over
///   `contacts` (external content: no second copy of the text), kept in step
///   by triggers; `LIKE '%…%'` on it uses the trigram index, case-insensitive.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE contacts_search USING fts5(name, phone, content='contacts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN \
     INSERT INTO contacts_search (rowid, name, phone) VALUES (new.id, new.name, new.phone); END",
    "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN \
     INSERT INTO contacts_search (contacts_search, rowid, name, phone) VALUES ('delete', old.id, old.name, old.phone); END",
    "CREATE TRIGGER contacts_search_update AFTER UPDATE OF name, phone ON contacts BEGIN \
     INSERT INTO contacts_search (contacts_search, rowid, name, phone) VALUES ('delete', old.id, old.name, old.phone); \
     INSERT INTO contacts_search (rowid, name, phone) VALUES (new.id, new.name, new.phone); END",
    "INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')",
];

const SQLITE_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS contacts_search_update",
    "DROP TRIGGER IF EXISTS contacts_search_delete",
    "DROP TRIGGER IF EXISTS contacts_search_insert",
    "DROP TABLE IF EXISTS contacts_search",
];

const POSTGRES_UP: [&str; 2] = [
    "CREATE INDEX idx_contacts_name_trgm ON contacts USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX idx_contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops)",
];

const POSTGRES_DOWN: [&str; 2] = ["DROP INDEX IF EXISTS idx_contacts_phone_trgm", "DROP INDEX IF EXISTS idx_contacts_name_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_UP,
            _ => &POSTGRES_UP,
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_DOWN,
            _ => &POSTGRES_DOWN,
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
