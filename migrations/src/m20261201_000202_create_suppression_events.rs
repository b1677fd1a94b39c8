use sea_orm_migration::{prelude::*, schema::*};

/// The history of the suppression list: every opt-out and opt-in of a key,
/// with who, when, from where and why. Never deleted with a contact.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SuppressionEvents::Table)
                    .col(big_pk_auto(SuppressionEvents::Id))
                    .col(string(SuppressionEvents::Key))
                    // phone | lid
                    .col(string(SuppressionEvents::Kind))
                    // opt_out | opt_in
                    .col(string(SuppressionEvents::Action))
                    // reply | manual | import | merge | migrated
                    .col(string(SuppressionEvents::Source))
                    .col(text_null(SuppressionEvents::Reason))
                    .col(string_null(SuppressionEvents::Actor))
                    .col(timestamp_with_time_zone(SuppressionEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suppression_events_key_at")
                    .table(SuppressionEvents::Table)
                    .col(SuppressionEvents::Key)
                    .col(SuppressionEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SuppressionEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SuppressionEvents {
    Table,
    Id,
    Key,
    Kind,
    Action,
    Source,
    Reason,
    Actor,
    At,
}
