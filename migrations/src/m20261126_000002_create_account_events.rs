use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountEvents::Table)
                    .col(big_pk_auto(AccountEvents::Id))
                    .col(big_integer(AccountEvents::AccountId))
                    .col(string_null(AccountEvents::FromState))
                    .col(string(AccountEvents::ToState))
                    .col(text_null(AccountEvents::Reason))
                    .col(timestamp_with_time_zone(AccountEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountEvents::Table, AccountEvents::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_events_account_at")
                    .table(AccountEvents::Table)
                    .col(AccountEvents::AccountId)
                    .col(AccountEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccountEvents {
    Table,
    Id,
    AccountId,
    FromState,
    ToState,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
