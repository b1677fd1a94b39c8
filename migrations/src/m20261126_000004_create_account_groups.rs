use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountGroups::Table)
                    .col(big_integer(AccountGroups::AccountId))
                    .col(big_integer(AccountGroups::GroupId))
                    .col(boolean(AccountGroups::IsAdmin).default(false))
                    .col(timestamp_with_time_zone(AccountGroups::FirstSeenAt))
                    .col(timestamp_with_time_zone(AccountGroups::LastSeenAt))
                    // Set when the account is no longer in the group.
                    .col(timestamp_with_time_zone_null(AccountGroups::LeftAt))
                    .primary_key(
                        Index::create()
                            .col(AccountGroups::AccountId)
                            .col(AccountGroups::GroupId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountGroups::Table, AccountGroups::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountGroups::Table, AccountGroups::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_groups_group")
                    .table(AccountGroups::Table)
                    .col(AccountGroups::GroupId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountGroups::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccountGroups {
    Table,
    AccountId,
    GroupId,
    IsAdmin,
    FirstSeenAt,
    LastSeenAt,
    LeftAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}
