use sea_orm_migration::{prelude::*, schema::*};

/// Only admins may send to the group (WhatsApp's `announce`), as learned
/// from a send refused with "admins only" (or a sync that reads it): the
/// dispatcher then gives the group's messages only to our admin accounts.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Groups::Table).add_column(boolean(Groups::AdminsOnly).default(false)).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Groups::Table).drop_column(Groups::AdminsOnly).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    AdminsOnly,
}
