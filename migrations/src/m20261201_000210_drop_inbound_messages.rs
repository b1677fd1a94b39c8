use sea_orm_migration::{prelude::*, schema::*};

/// `inbound_messages` is recreated (unique per account and message id, with
/// the chat, the author and the message it answers); it was never written to.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::util::refuse_if_not_empty(manager, "inbound_messages").await?;
        manager.drop_table(Table::drop().table(InboundMessages::Table).to_owned()).await
    }

    /// As m20261126_000014 created it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundMessages::Table)
                    .col(big_pk_auto(InboundMessages::Id))
                    .col(big_integer(InboundMessages::AccountId))
                    .col(big_integer_null(InboundMessages::ContactId))
                    .col(string(InboundMessages::FromWid))
                    .col(string_uniq(InboundMessages::WaMessageId))
                    .col(text_null(InboundMessages::Body))
                    .col(boolean(InboundMessages::IsOptOut).default(false))
                    .col(timestamp_with_time_zone(InboundMessages::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundMessages::Table, InboundMessages::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundMessages::Table, InboundMessages::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_messages_contact")
                    .table(InboundMessages::Table)
                    .col(InboundMessages::ContactId)
                    .col(InboundMessages::ReceivedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    Id,
    AccountId,
    ContactId,
    FromWid,
    WaMessageId,
    Body,
    IsOptOut,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}
