use sea_orm_migration::{prelude::*, schema::*};

/// An account's sending limits (`dispatch::Limits` as JSON: per minute,
/// hour and day, gap, pause, ramp-up); null: the documented defaults. The
/// old `limit_per_*` columns are no longer read.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Accounts::Table).add_column(json_null(Accounts::Limits)).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::Limits).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Limits,
}
