use sea_orm_migration::{prelude::*, schema::*};

/// A campaign's history: every status transition with the event that made
/// it, its reason and who asked (`user`, `dispatcher`, …).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaignEvents::Table)
                    .col(big_pk_auto(CampaignEvents::Id))
                    .col(big_integer(CampaignEvents::CampaignId))
                    // draft | scheduled | running | paused | completed | cancelled
                    .col(string(CampaignEvents::FromStatus))
                    .col(string(CampaignEvents::ToStatus))
                    // The lifecycle event: start, pause, no sender, …
                    .col(string(CampaignEvents::Event))
                    .col(text(CampaignEvents::Reason))
                    .col(string_null(CampaignEvents::Actor))
                    .col(timestamp_with_time_zone(CampaignEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignEvents::Table, CampaignEvents::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_campaign_events_campaign")
                    .table(CampaignEvents::Table)
                    .col(CampaignEvents::CampaignId)
                    .col(CampaignEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CampaignEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CampaignEvents {
    Table,
    Id,
    CampaignId,
    FromStatus,
    ToStatus,
    Event,
    Reason,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}
