use sea_orm_migration::{prelude::*, schema::*};

/// When the campaign may send: start time, quiet hours, days of the week and time zone (`campaigns::Schedule` as JSON); null: any time, from now.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Campaigns::Table).add_column(json_null(Campaigns::Schedule)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Campaigns::Table).drop_column(Campaigns::Schedule).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Schedule,
}
