use sea_orm_migration::{prelude::*, schema::*};

/// The end of the account's reachout timelock (WhatsApp error 463): until
/// then it sends no first message to a new contact (replies to people who
/// wrote first may still go). Null: no timelock known.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).add_column(timestamp_with_time_zone_null(Accounts::ReachoutUntil)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::ReachoutUntil).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    ReachoutUntil,
}
