use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(big_pk_auto(Accounts::Id))
                    .col(string(Accounts::Name))
                    // E.164, read from the session once synced; never typed by the user.
                    .col(string_null(Accounts::Phone).unique_key())
                    .col(string_null(Accounts::WaId))
                    .col(string_null(Accounts::ProfileName))
                    .col(string(Accounts::State))
                    .col(text_null(Accounts::StateReason))
                    .col(text_null(Accounts::StateFix))
                    // When the current transitional state must be left at the latest.
                    .col(timestamp_with_time_zone_null(Accounts::StateDeadline))
                    .col(boolean(Accounts::ShowBrowser).default(false))
                    .col(integer_null(Accounts::LimitPerMinute))
                    .col(integer_null(Accounts::LimitPerHour))
                    .col(integer_null(Accounts::LimitPerDay))
                    .col(string_null(Accounts::LeaseHolder))
                    .col(timestamp_with_time_zone_null(Accounts::LeaseExpiresAt))
                    .col(timestamp_with_time_zone_null(Accounts::LinkedAt))
                    .col(timestamp_with_time_zone_null(Accounts::LastSeenAt))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_state")
                    .table(Accounts::Table)
                    .col(Accounts::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    Name,
    Phone,
    WaId,
    ProfileName,
    State,
    StateReason,
    StateFix,
    StateDeadline,
    ShowBrowser,
    LimitPerMinute,
    LimitPerHour,
    LimitPerDay,
    LeaseHolder,
    LeaseExpiresAt,
    LinkedAt,
    LastSeenAt,
    CreatedAt,
    UpdatedAt,
}
