use sea_orm_migration::prelude::*;

/// The opted-out, consent and wrote-to-us times are empty for nearly every
/// contact: their indexes hold only the rows that have one (partial indexes,
/// the same statement on SQLite and PostgreSQL), so an import of 100,000
/// contacts maintains three indexes fewer. The filters ("only opted out",
/// "with consent", "wrote to us") are exactly the indexes' conditions.
#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, Contacts); 3] = [
    ("idx_contacts_opted_out", Contacts::OptedOutAt),
    ("idx_contacts_consent_at", Contacts::ConsentAt),
    ("idx_contacts_first_inbound_at", Contacts::FirstInboundAt),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(Contacts::Table).to_owned()).await?;
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Contacts::Table)
                        .col(col)
                        .and_where(Expr::col(col).is_not_null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(Contacts::Table).to_owned()).await?;
            manager.create_index(Index::create().name(name).table(Contacts::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Contacts {
    Table,
    OptedOutAt,
    ConsentAt,
    FirstInboundAt,
}
