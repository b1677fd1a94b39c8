use sea_orm_migration::prelude::*;

/// The Contacts page's sorts end with `id` (the keyset tiebreak), so their
/// indexes do too: a keyset page `(name, id) > (…, …)` is one index range,
/// and an offset page reads its ids from the index alone (PostgreSQL's
/// index-only scan). Replaces the name and region indexes of
/// m20261126_000005 (on SQLite every index already ends with the rowid).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_contacts_name", "idx_contacts_region"] {
            manager.drop_index(Index::drop().name(name).table(Contacts::Table).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_name_id")
                    .table(Contacts::Table)
                    .col(Contacts::Name)
                    .col(Contacts::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_region_name_id")
                    .table(Contacts::Table)
                    .col(Contacts::Region)
                    .col(Contacts::Name)
                    .col(Contacts::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_contacts_name_id", "idx_contacts_region_name_id"] {
            manager.drop_index(Index::drop().name(name).table(Contacts::Table).to_owned()).await?;
        }
        manager
            .create_index(Index::create().name("idx_contacts_name").table(Contacts::Table).col(Contacts::Name).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_region")
                    .table(Contacts::Table)
                    .col(Contacts::Region)
                    .col(Contacts::Name)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    Name,
    Region,
}
