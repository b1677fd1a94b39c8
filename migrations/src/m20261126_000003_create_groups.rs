use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(big_pk_auto(Groups::Id))
                    // `<id>@g.us`: one row per WhatsApp group, however many of our accounts are in it.
                    .col(string_uniq(Groups::WaId))
                    .col(string(Groups::Subject))
                    .col(text_null(Groups::Description))
                    .col(integer(Groups::MemberCount).default(0))
                    .col(string_null(Groups::Region))
                    .col(string_null(Groups::State))
                    .col(string_null(Groups::District))
                    .col(boolean(Groups::LidAddressing).default(false))
                    .col(timestamp_with_time_zone_null(Groups::LastSyncedAt))
                    // Set when no account of ours sees the group any more.
                    .col(timestamp_with_time_zone_null(Groups::RemovedAt))
                    .col(timestamp_with_time_zone(Groups::CreatedAt))
                    .col(timestamp_with_time_zone(Groups::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_groups_subject", Groups::Subject),
            ("idx_groups_region", Groups::Region),
            ("idx_groups_district", Groups::District),
        ] {
            manager
                .create_index(Index::create().name(name).table(Groups::Table).col(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Groups::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    WaId,
    Subject,
    Description,
    MemberCount,
    Region,
    State,
    District,
    LidAddressing,
    LastSyncedAt,
    RemovedAt,
    CreatedAt,
    UpdatedAt,
}
