use sea_orm_migration::{prelude::*, schema::*};

/// The outbox: one row per campaign and target, keyed by the person or chat
/// (E.164 phone, `…@lid` privacy id, or the group's `…@g.us` id), so neither
/// a contact row's id nor a lid→phone merge can let one person get a
/// campaign twice (`uq_messages_campaign_target`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_pk_auto(Messages::Id))
                    .col(big_integer(Messages::CampaignId))
                    // `+<digits>`, `<id>@lid` or `<id>@g.us`.
                    .col(string(Messages::TargetKey))
                    // phone | lid | group
                    .col(string(Messages::TargetKind))
                    .col(big_integer_null(Messages::ContactId))
                    .col(big_integer_null(Messages::GroupId))
                    // The account that sends it: set when claimed, never changed while `sending`.
                    .col(big_integer_null(Messages::AccountId))
                    // Chosen and stored BEFORE the send, so a crash is reconciled by looking it up.
                    .col(string_null(Messages::WaMessageId).unique_key())
                    // pending | sending | sent | delivered | read | failed | skipped
                    .col(string(Messages::Status))
                    .col(integer(Messages::Attempts).default(0))
                    .col(text_null(Messages::LastError))
                    .col(timestamp_with_time_zone_null(Messages::NextAttemptAt))
                    // The workstation/dispatcher that claimed it, and when.
                    .col(string_null(Messages::ClaimedBy))
                    .col(timestamp_with_time_zone_null(Messages::ClaimedAt))
                    // The text as rendered for this target (a retry sends the very same text).
                    .col(text_null(Messages::RenderedText))
                    // Why it was skipped: opted_out, own_account, phone_hidden, not_on_whatsapp, …
                    .col(string_null(Messages::SkipReason))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .col(timestamp_with_time_zone_null(Messages::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Messages::ReadAt))
                    .col(timestamp_with_time_zone_null(Messages::FailedAt))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone(Messages::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, Vec<Messages>, bool); 7] = [
            // At most once per target: a second start adds nothing.
            ("uq_messages_campaign_target", vec![Messages::CampaignId, Messages::TargetKey], true),
            // Campaign progress (counts by status).
            ("idx_messages_campaign_status", vec![Messages::CampaignId, Messages::Status], false),
            // The claim: due pending messages.
            ("idx_messages_status_next_attempt", vec![Messages::Status, Messages::NextAttemptAt], false),
            // Rolling per-minute/hour/day windows of an account.
            ("idx_messages_account_sent", vec![Messages::AccountId, Messages::SentAt], false),
            // "Contacted by any campaign in the last N days", sticky sender.
            ("idx_messages_target_sent", vec![Messages::TargetKey, Messages::SentAt], false),
            ("idx_messages_group", vec![Messages::GroupId], false),
            ("idx_messages_contact", vec![Messages::ContactId], false),
        ];
        for (name, cols, unique) in indexes {
            let mut index = Index::create().name(name).table(Messages::Table).to_owned();
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
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    CampaignId,
    TargetKey,
    TargetKind,
    ContactId,
    GroupId,
    AccountId,
    WaMessageId,
    Status,
    Attempts,
    LastError,
    NextAttemptAt,
    ClaimedBy,
    ClaimedAt,
    RenderedText,
    SkipReason,
    SentAt,
    DeliveredAt,
    ReadAt,
    FailedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
