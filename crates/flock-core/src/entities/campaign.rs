use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub body: Option<String>,
    pub media_asset_id: Option<i64>,
    pub link_url: Option<String>,
    pub status: String,
    pub audience: Option<Json>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The reason of the last transition.
    pub status_reason: Option<String>,
    /// `user` | `no_sender` while paused.
    pub paused_by: Option<String>,
    /// `campaigns::Schedule` (null: any time, from now).
    pub schedule: Option<Json>,
    /// `campaigns::CampaignOptions`.
    pub options: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::media_asset::Entity",
        from = "Column::MediaAssetId",
        to = "super::media_asset::Column::Id",
        on_delete = "Restrict"
    )]
    MediaAsset,
}

impl ActiveModelBehavior for ActiveModel {}
