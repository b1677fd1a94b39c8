use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    // E.164. Null while WhatsApp shows only a privacy id ("phone hidden").
                    .col(string_null(Contacts::Phone).unique_key())
                    // `<id>@lid` privacy id, kept when known so a hidden member can be merged later.
                    .col(string_null(Contacts::Lid).unique_key())
                    .col(string_null(Contacts::Name))
                    .col(string_null(Contacts::Region))
                    .col(string_null(Contacts::State))
                    .col(string_null(Contacts::District))
                    .col(string_null(Contacts::Segment))
                    // Where consent came from (import file, group, manual).
                    .col(string_null(Contacts::ConsentSource))
                    // Denormalised from opt_outs for fast filtering; opt_outs keeps the history.
                    .col(timestamp_with_time_zone_null(Contacts::OptedOutAt))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_contacts_name", vec![Contacts::Name]),
            ("idx_contacts_region", vec![Contacts::Region, Contacts::Name]),
            ("idx_contacts_state_district", vec![Contacts::State, Contacts::District]),
            ("idx_contacts_segment", vec![Contacts::Segment]),
            ("idx_contacts_opted_out", vec![Contacts::OptedOutAt]),
        ] {
            let mut index = Index::create().name(name).table(Contacts::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    Phone,
    Lid,
    Name,
    Region,
    State,
    District,
    Segment,
    ConsentSource,
    OptedOutAt,
    CreatedAt,
    UpdatedAt,
}
