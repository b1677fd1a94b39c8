use sea_orm_migration::{prelude::*, schema::*};

/// Per-campaign audience options (`campaigns::CampaignOptions` as JSON: skip targets contacted in the last N days, consented or wrote-first only).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Campaigns::Table).add_column(json_null(Campaigns::Options)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Campaigns::Table).drop_column(Campaigns::Options).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Options,
}
