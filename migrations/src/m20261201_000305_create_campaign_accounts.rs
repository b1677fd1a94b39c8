use sea_orm_migration::{prelude::*, schema::*};

/// The accounts a campaign may send through. No row for a campaign: every
/// active account. (A group target still goes only through an account that
/// is a member of the group: `account_groups`.)
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaignAccounts::Table)
                    .col(big_integer(CampaignAccounts::CampaignId))
                    .col(big_integer(CampaignAccounts::AccountId))
                    .primary_key(Index::create().col(CampaignAccounts::CampaignId).col(CampaignAccounts::AccountId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignAccounts::Table, CampaignAccounts::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignAccounts::Table, CampaignAccounts::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_campaign_accounts_account")
                    .table(CampaignAccounts::Table)
                    .col(CampaignAccounts::AccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CampaignAccounts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CampaignAccounts {
    Table,
    CampaignId,
    AccountId,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
