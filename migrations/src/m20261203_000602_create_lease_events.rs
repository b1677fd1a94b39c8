use sea_orm_migration::{prelude::*, schema::*};

/// The history of account leases (team mode): every time a workstation
/// took an account's lease (with the holder it replaced and when that
/// holder's lease ran out), gave it back, or found it lost. The lease
/// itself is `accounts.lease_holder` / `lease_expires_at`; this table is
/// the proof that no two workstations held one account at once.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeaseEvents::Table)
                    .col(big_pk_auto(LeaseEvents::Id))
                    .col(big_integer(LeaseEvents::AccountId))
                    .col(string(LeaseEvents::WorkstationId))
                    // acquired | released | lost
                    .col(string(LeaseEvents::Kind))
                    .col(string_null(LeaseEvents::PreviousHolder))
                    .col(timestamp_with_time_zone_null(LeaseEvents::PreviousExpiresAt))
                    .col(timestamp_with_time_zone(LeaseEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lease_events_account_at")
                    .table(LeaseEvents::Table)
                    .col(LeaseEvents::AccountId)
                    .col(LeaseEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LeaseEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum LeaseEvents {
    Table,
    Id,
    AccountId,
    WorkstationId,
    Kind,
    PreviousHolder,
    PreviousExpiresAt,
    At,
}
