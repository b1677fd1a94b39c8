use sea_orm_migration::{prelude::*, schema::*};

/// Team mode: a workstation's display name (settings `workstation_name`,
/// else the host name) and when its running Flock started. Two ALTERs:
/// SQLite adds one column per statement.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Workstations::Table).add_column(string_null(Workstations::Name)).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(Workstations::Table).add_column(timestamp_with_time_zone_null(Workstations::StartedAt)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Workstations::Table).drop_column(Workstations::StartedAt).to_owned()).await?;
        manager.alter_table(Table::alter().table(Workstations::Table).drop_column(Workstations::Name).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Workstations {
    Table,
    Name,
    StartedAt,
}
