use sea_orm_migration::{prelude::*, schema::*};

/// Where a contact came from: the first source, and every source that has
/// brought it since (a bit set: 1 group_sync, 2 csv, 4 reply, 8 manual).
/// Backfilled from the old `consent_source` ("group:…" / "import:…"), which
/// recorded the origin, not consent.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite: one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter().table(Contacts::Table).add_column(string(Contacts::FirstSource).default("manual")).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Contacts::Table).add_column(integer(Contacts::Sources).default(0)).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE contacts SET \
                 first_source = CASE WHEN consent_source LIKE 'group:%' THEN 'group_sync' \
                                     WHEN consent_source LIKE 'import:%' THEN 'csv' ELSE 'manual' END, \
                 sources = CASE WHEN consent_source LIKE 'group:%' THEN 1 \
                                WHEN consent_source LIKE 'import:%' THEN 2 ELSE 8 END",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Contacts::Sources, Contacts::FirstSource] {
            manager.alter_table(Table::alter().table(Contacts::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    FirstSource,
    Sources,
}
