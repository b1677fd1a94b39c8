use sea_orm_migration::{prelude::*, schema::*};

/// `consent_source` held where a contact was found ("group:<id>@g.us",
/// "import:<file>"): that is its origin, and being in a group is not consent.
/// The value moves to `origin`; `consent_source` is cleared and from now on
/// holds only the evidence of a consent actually given.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Contacts::Table).add_column(string_null(Contacts::Origin)).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE contacts SET origin = consent_source, consent_source = NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("UPDATE contacts SET consent_source = origin WHERE consent_source IS NULL")
            .await?;
        manager.alter_table(Table::alter().table(Contacts::Table).drop_column(Contacts::Origin).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Origin,
}
