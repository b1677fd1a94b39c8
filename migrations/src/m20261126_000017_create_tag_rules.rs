use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TagRules::Table)
                    .col(big_pk_auto(TagRules::Id))
                    // Matched case-insensitively against a group's subject.
                    .col(string(TagRules::Contains))
                    // region | state | district | segment, with the value to set where still empty.
                    .col(string_null(TagRules::SetField))
                    .col(string_null(TagRules::SetValue))
                    // A tag name to add to the matched groups and their members.
                    .col(string_null(TagRules::Tag))
                    .col(boolean(TagRules::Enabled).default(true))
                    .col(timestamp_with_time_zone(TagRules::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Also here (one migration per table keeps `db status` counting tables):
        // indexes for the Contacts page at 100,000 contacts: "newest first",
        // district filter sorted by name, and current-group counts per contact.
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_created_at")
                    .table(Contacts::Table)
                    .col(Contacts::CreatedAt)
                    .col(Contacts::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_district_name")
                    .table(Contacts::Table)
                    .col(Contacts::District)
                    .col(Contacts::Name)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_group_members_contact_left")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::ContactId)
                    .col(GroupMembers::LeftAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_contacts_created_at", Contacts::Table.into_iden()),
            ("idx_contacts_district_name", Contacts::Table.into_iden()),
            ("idx_group_members_contact_left", GroupMembers::Table.into_iden()),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        manager
            .drop_table(Table::drop().table(TagRules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TagRules {
    Table,
    Id,
    Contains,
    SetField,
    SetValue,
    Tag,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    Name,
    District,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    ContactId,
    LeftAt,
}
