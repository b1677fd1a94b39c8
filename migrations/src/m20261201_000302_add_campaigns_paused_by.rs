use sea_orm_migration::{prelude::*, schema::*};

/// Who paused a paused campaign: `user` (only a resume ends it) or `no_sender` (ends by itself when an account can send again).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Campaigns::Table).add_column(string_null(Campaigns::PausedBy)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Campaigns::Table).drop_column(Campaigns::PausedBy).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    PausedBy,
}
