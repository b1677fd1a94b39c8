use sea_orm_migration::{prelude::*, schema::*};

/// Every account gets a stable identity that does not depend on the row id:
/// profile folders are keyed by it, so account 1 of one database never opens
/// the browser profile of account 1 of another. Filled for existing rows by
/// the next migration, made unique by the one after.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    // SQLite adds a NOT NULL column only with a default.
                    .add_column(string(Accounts::Uuid).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::Uuid).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Uuid,
}
