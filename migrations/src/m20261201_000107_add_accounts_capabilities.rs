use sea_orm_migration::{prelude::*, schema::*};

/// What the account's WhatsApp Web could do when its session last booted
/// (JSON: available features, missing ones with their internals and the
/// sentence to show), so that every process and workstation can show it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).add_column(text_null(Accounts::Capabilities)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Accounts::Table).drop_column(Accounts::Capabilities).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Capabilities,
}
