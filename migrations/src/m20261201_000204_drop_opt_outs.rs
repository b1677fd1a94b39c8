use sea_orm_migration::{prelude::*, schema::*};

/// `opt_outs` (keyed by contact row, deleted with it) is replaced by the
/// suppression list; its rows were copied by the previous migration.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OptOuts::Table).to_owned()).await
    }

    /// The table as m20261126_000015 created it (empty: the history stays in
    /// `suppression_events`).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OptOuts::Table)
                    .col(big_pk_auto(OptOuts::Id))
                    .col(big_integer(OptOuts::ContactId))
                    .col(text(OptOuts::Reason))
                    .col(string(OptOuts::Source))
                    .col(timestamp_with_time_zone(OptOuts::CreatedAt))
                    .col(timestamp_with_time_zone_null(OptOuts::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OptOuts::Table, OptOuts::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opt_outs_contact")
                    .table(OptOuts::Table)
                    .col(OptOuts::ContactId)
                    .col(OptOuts::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OptOuts {
    Table,
    Id,
    ContactId,
    Reason,
    Source,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}
