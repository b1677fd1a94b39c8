use sea_orm_migration::{prelude::*, schema::*};

/// Facts about the database itself, one row per key (`database_id`: this
/// database's own UUID, written by the next migration).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FlockMeta::Table)
                    .col(string(FlockMeta::Key).primary_key())
                    .col(string(FlockMeta::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FlockMeta::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum FlockMeta {
    Table,
    Key,
    Value,
}
