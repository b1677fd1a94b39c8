use sea_orm_migration::{prelude::*, schema::*};

/// Whether the number is on WhatsApp, as the last existence check said (null: never checked). The dispatcher writes it; a campaign skips a contact known not to be on WhatsApp.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Contacts::Table).add_column(boolean_null(Contacts::OnWhatsapp)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Contacts::Table).drop_column(Contacts::OnWhatsapp).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    OnWhatsapp,
}
