use sea_orm_migration::{prelude::*, schema::*};

/// The inbox: messages our accounts received. A WhatsApp message id is
/// unique per account (two of our accounts in one group both receive the
/// same message), so the key is (account_id, wa_message_id).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundMessages::Table)
                    .col(big_pk_auto(InboundMessages::Id))
                    .col(big_integer(InboundMessages::AccountId))
                    .col(string(InboundMessages::WaMessageId))
                    // The chat: the person (`…@c.us` / `…@lid`) or the group (`…@g.us`).
                    .col(string(InboundMessages::ChatId))
                    // Who wrote it, in a group chat.
                    .col(string_null(InboundMessages::AuthorId))
                    // chat | image | video | audio | document | sticker | location | …
                    .col(string(InboundMessages::MsgType))
                    .col(text_null(InboundMessages::Body))
                    // When it quotes a message: that message's WhatsApp id …
                    .col(string_null(InboundMessages::QuotedWaMessageId))
                    // … and our outbox row, when the quoted message is one we sent.
                    .col(big_integer_null(InboundMessages::ReplyToMessageId))
                    .col(big_integer_null(InboundMessages::ContactId))
                    // True when the text was recognised as an opt-out (STOP, …).
                    .col(boolean(InboundMessages::IsOptOut).default(false))
                    // The time WhatsApp gives the message, and when we stored it.
                    .col(timestamp_with_time_zone(InboundMessages::SentAt))
                    .col(timestamp_with_time_zone(InboundMessages::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundMessages::Table, InboundMessages::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundMessages::Table, InboundMessages::ReplyToMessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::SetNull),
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
        let indexes: [(&str, Vec<InboundMessages>, bool); 4] = [
            ("uq_inbound_messages_account_wa_id", vec![InboundMessages::AccountId, InboundMessages::WaMessageId], true),
            ("idx_inbound_messages_contact", vec![InboundMessages::ContactId, InboundMessages::ReceivedAt], false),
            ("idx_inbound_messages_chat", vec![InboundMessages::ChatId, InboundMessages::SentAt], false),
            ("idx_inbound_messages_reply_to", vec![InboundMessages::ReplyToMessageId], false),
        ];
        for (name, cols, unique) in indexes {
            let mut index = Index::create().name(name).table(InboundMessages::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InboundMessages::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    Id,
    AccountId,
    WaMessageId,
    ChatId,
    AuthorId,
    MsgType,
    Body,
    QuotedWaMessageId,
    ReplyToMessageId,
    ContactId,
    IsOptOut,
    SentAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}
