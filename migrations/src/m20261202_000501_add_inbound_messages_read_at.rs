use sea_orm_migration::{prelude::*, schema::*};

/// When someone on the team opened the reply in the Inbox (null: unread).
/// Kept in the database, not per window, so every workstation sees the
/// same unread replies.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(InboundMessages::Table).add_column(timestamp_with_time_zone_null(InboundMessages::ReadAt)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(InboundMessages::Table).drop_column(InboundMessages::ReadAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    ReadAt,
}
