use sea_orm_migration::{prelude::*, schema::*};

/// A counter bumped by every state write: writes are compare-and-set on it
/// (`UPDATE … WHERE id = ? AND version = ?`), so two writers (two
/// workstations on one PostgreSQL) cannot silently undo each other.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).add_column(big_integer(Accounts::Version).default(0)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::Version).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Version,
}
