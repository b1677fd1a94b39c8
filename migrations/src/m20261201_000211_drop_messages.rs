use sea_orm_migration::{prelude::*, schema::*};

/// The first outbox keyed a target by contact row (`contact:<id>`), so a
/// lid→phone merge could give one person a campaign twice. It was never
/// written to: it is dropped and created anew with person keys (next
/// migration). A database that holds rows stops here rather than lose them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::util::refuse_if_not_empty(manager, "messages").await?;
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await
    }

    /// As m20261126_000012 created it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_pk_auto(Messages::Id))
                    .col(big_integer(Messages::CampaignId))
                    // `group:<id>` or `contact:<id>`: with campaign_id, the unique key that
                    // makes "a target gets a campaign's message at most once" a database fact.
                    .col(string(Messages::TargetKey))
                    .col(big_integer_null(Messages::GroupId))
                    .col(big_integer_null(Messages::ContactId))
                    // The account chosen to send it (set when claimed).
                    .col(big_integer_null(Messages::AccountId))
                    // Recorded BEFORE sending so a crash can be reconciled by reading the chat.
                    .col(string_null(Messages::WaMessageId).unique_key())
                    // pending | sending | sent | delivered | read | failed | skipped
                    .col(string(Messages::Status))
                    .col(integer(Messages::Attempts).default(0))
                    .col(text_null(Messages::LastError))
                    .col(timestamp_with_time_zone_null(Messages::NextAttemptAt))
                    .col(string_null(Messages::ClaimedBy))
                    .col(timestamp_with_time_zone_null(Messages::ClaimedAt))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .col(timestamp_with_time_zone_null(Messages::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Messages::ReadAt))
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
                            .from(Messages::Table, Messages::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::ContactId)
                            .to(Contacts::Table, Contacts::Id)
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
        manager
            .create_index(
                Index::create()
                    .name("uq_messages_campaign_target")
                    .table(Messages::Table)
                    .col(Messages::CampaignId)
                    .col(Messages::TargetKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_campaign_status")
                    .table(Messages::Table)
                    .col(Messages::CampaignId)
                    .col(Messages::Status)
                    .to_owned(),
            )
            .await?;
        // The dispatcher's claim query: due pending messages.
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_status_next_attempt")
                    .table(Messages::Table)
                    .col(Messages::Status)
                    .col(Messages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_contact")
                    .table(Messages::Table)
                    .col(Messages::ContactId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    CampaignId,
    TargetKey,
    GroupId,
    ContactId,
    AccountId,
    WaMessageId,
    Status,
    Attempts,
    LastError,
    NextAttemptAt,
    ClaimedBy,
    ClaimedAt,
    SentAt,
    DeliveredAt,
    ReadAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
