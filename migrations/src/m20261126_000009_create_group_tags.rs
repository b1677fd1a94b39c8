use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GroupTags::Table)
                    .col(big_integer(GroupTags::GroupId))
                    .col(big_integer(GroupTags::TagId))
                    .primary_key(Index::create().col(GroupTags::GroupId).col(GroupTags::TagId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupTags::Table, GroupTags::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupTags::Table, GroupTags::TagId)
                            .to(Tags::Table, Tags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // "Everything with this tag" is the query the filters run.
        manager
            .create_index(
                Index::create()
                    .name("idx_group_tags_tag")
                    .table(GroupTags::Table)
                    .col(GroupTags::TagId)
                    .col(GroupTags::GroupId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GroupTags::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GroupTags {
    Table,
    GroupId,
    TagId,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
}
