use sea_orm_migration::{prelude::*, schema::*};

/// The ack history of the new outbox (same shape as before: status, raw ack
/// number, detail, time).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MessageEvents::Table)
                    .col(big_pk_auto(MessageEvents::Id))
                    .col(big_integer(MessageEvents::MessageId))
                    // sending | sent | delivered | read | failed | reconciled | …
                    .col(string(MessageEvents::Status))
                    // Raw WhatsApp Web ack number, kept for troubleshooting.
                    .col(integer_null(MessageEvents::Ack))
                    .col(text_null(MessageEvents::Detail))
                    .col(timestamp_with_time_zone(MessageEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageEvents::Table, MessageEvents::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_events_message")
                    .table(MessageEvents::Table)
                    .col(MessageEvents::MessageId)
                    .col(MessageEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MessageEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum MessageEvents {
    Table,
    Id,
    MessageId,
    Status,
    Ack,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}
