use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Workstations::Table)
                    // A random id each installation keeps in its data folder.
                    .col(string(Workstations::Id).primary_key())
                    .col(string(Workstations::Hostname))
                    .col(string_null(Workstations::AppVersion))
                    // Leases (accounts.lease_holder) of a workstation whose heartbeat is
                    // stale may be taken over by another one.
                    .col(timestamp_with_time_zone(Workstations::LastHeartbeatAt))
                    .col(timestamp_with_time_zone(Workstations::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Workstations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Workstations {
    Table,
    Id,
    Hostname,
    AppVersion,
    LastHeartbeatAt,
    CreatedAt,
}
