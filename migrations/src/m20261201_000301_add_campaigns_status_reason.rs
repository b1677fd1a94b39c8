use sea_orm_migration::{prelude::*, schema::*};

/// Why the campaign is in its status (the reason of its last transition, e.g. "all 3 accounts restricted").
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Campaigns::Table).add_column(text_null(Campaigns::StatusReason)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Campaigns::Table).drop_column(Campaigns::StatusReason).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    StatusReason,
}
