use sea_orm_migration::{prelude::*, schema::*};

/// The columns of a campaign's CSV, per target: the template variables that
/// row gives (`{"ward_no": "12", …}`), keyed like the outbox (E.164 phone).
/// The CSV's people are imported as contacts; these values belong to the
/// campaign alone.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaignVariables::Table)
                    .col(big_integer(CampaignVariables::CampaignId))
                    .col(string(CampaignVariables::TargetKey))
                    .col(json(CampaignVariables::Vars))
                    .primary_key(Index::create().col(CampaignVariables::CampaignId).col(CampaignVariables::TargetKey))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignVariables::Table, CampaignVariables::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CampaignVariables::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CampaignVariables {
    Table,
    CampaignId,
    TargetKey,
    Vars,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}
