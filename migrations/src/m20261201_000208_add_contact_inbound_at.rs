use sea_orm_migration::{prelude::*, schema::*};

/// "Wrote to us": when the person first and last sent one of our accounts a
/// message (set by the inbox). A contact who wrote first is a lower ban and
/// complaint risk than one known only from a group.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Contacts::FirstInboundAt, Contacts::LastInboundAt] {
            manager
                .alter_table(Table::alter().table(Contacts::Table).add_column(timestamp_with_time_zone_null(col)).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_first_inbound_at")
                    .table(Contacts::Table)
                    .col(Contacts::FirstInboundAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_contacts_first_inbound_at").table(Contacts::Table).to_owned())
            .await?;
        for col in [Contacts::LastInboundAt, Contacts::FirstInboundAt] {
            manager.alter_table(Table::alter().table(Contacts::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    FirstInboundAt,
    LastInboundAt,
}
