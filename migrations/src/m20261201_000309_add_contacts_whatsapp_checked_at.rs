use sea_orm_migration::{prelude::*, schema::*};

/// When the existence check behind `contacts.on_whatsapp` ran.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(timestamp_with_time_zone_null(Contacts::WhatsappCheckedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Contacts::Table).drop_column(Contacts::WhatsappCheckedAt).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    WhatsappCheckedAt,
}
