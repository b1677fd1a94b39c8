use sea_orm_migration::prelude::*;

/// "Known only from groups" (no source but group sync, no consent, never
/// wrote) is a few percent of a desk's contacts and had no index: both
/// databases read every contact to count and page it. A partial index holds
/// only those rows, in the Contacts page's default order (name, id); the
/// filter writes the condition with the same literal bit (`sources = 1`), so
/// the planner matches it whatever the bound values. Import of CSV contacts
/// never touches it (they carry the CSV bit).
#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_contacts_group_only";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Contacts::Table)
                    .col(Contacts::Name)
                    .col(Contacts::Id)
                    .and_where(Expr::col(Contacts::Sources).eq(Expr::cust("1")))
                    .and_where(Expr::col(Contacts::ConsentAt).is_null())
                    .and_where(Expr::col(Contacts::FirstInboundAt).is_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(Contacts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    Name,
    Sources,
    ConsentAt,
    FirstInboundAt,
}
