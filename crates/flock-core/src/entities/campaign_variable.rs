use sea_orm::entity::prelude::*;

/// A campaign's CSV columns for one target (template variables).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_variables")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: i64,
    /// E.164, as the outbox keys the target.
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_key: String,
    /// `{"variable": "value", …}`.
    pub vars: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::campaign::Entity",
        from = "Column::CampaignId",
        to = "super::campaign::Column::Id",
        on_delete = "Cascade"
    )]
    Campaign,
}

impl ActiveModelBehavior for ActiveModel {}
