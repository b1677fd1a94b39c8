use sea_orm_migration::{prelude::*, schema::*};

/// When the person gave consent (a CSV consent column, an explicit mark);
/// `consent_source` says how. Null: no consent on record.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Contacts::Table).add_column(timestamp_with_time_zone_null(Contacts::ConsentAt)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_contacts_consent_at").table(Contacts::Table).col(Contacts::ConsentAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_contacts_consent_at").table(Contacts::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Contacts::Table).drop_column(Contacts::ConsentAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    ConsentAt,
}
