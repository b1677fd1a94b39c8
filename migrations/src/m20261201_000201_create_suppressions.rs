use sea_orm_migration::{prelude::*, schema::*};

/// The suppression list: who must never get a message, keyed by the person
/// (E.164 phone, or the `…@lid` privacy id of a member whose phone WhatsApp
/// hides), not by a contact row, and without a foreign key, so deleting or
/// merging a contact never lifts an opt-out. One row per key while it is
/// suppressed; the history (opt-out and opt-in) is in `suppression_events`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Suppressions::Table)
                    .col(big_pk_auto(Suppressions::Id))
                    // `+<digits>` (E.164) or `<id>@lid`.
                    .col(string_uniq(Suppressions::Key))
                    // phone | lid
                    .col(string(Suppressions::Kind))
                    // reply | manual | import | merge | migrated
                    .col(string(Suppressions::Source))
                    .col(text_null(Suppressions::Reason))
                    // Who did it: "app", "flockctl", "account:<id>" (the account that got the reply).
                    .col(string_null(Suppressions::Actor))
                    .col(timestamp_with_time_zone(Suppressions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Suppressions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Suppressions {
    Table,
    Id,
    Key,
    Kind,
    Source,
    Reason,
    Actor,
    CreatedAt,
}
