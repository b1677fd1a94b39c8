use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MediaAssets::Table)
                    .col(big_pk_auto(MediaAssets::Id))
                    // Content address: the same file is stored once.
                    .col(string_uniq(MediaAssets::Sha256))
                    .col(string(MediaAssets::FileName))
                    .col(string(MediaAssets::Mime))
                    .col(big_integer(MediaAssets::SizeBytes))
                    // Path inside the data folder's media store.
                    .col(string(MediaAssets::StoredPath))
                    .col(timestamp_with_time_zone(MediaAssets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaAssets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MediaAssets {
    Table,
    Id,
    Sha256,
    FileName,
    Mime,
    SizeBytes,
    StoredPath,
    CreatedAt,
}
