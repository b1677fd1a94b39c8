use sea_orm::entity::prelude::*;

use super::Timestamp;

/// One row of the outbox: a campaign's message to one target.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    /// The person or chat: E.164, `<id>@lid` or `<id>@g.us`; unique with `campaign_id`.
    pub target_key: String,
    /// `phone` | `lid` | `group`.
    pub target_kind: String,
    pub contact_id: Option<i64>,
    pub group_id: Option<i64>,
    pub account_id: Option<i64>,
    #[sea_orm(unique)]
    pub wa_message_id: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<Timestamp>,
    pub rendered_text: Option<String>,
    pub skip_reason: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub read_at: Option<Timestamp>,
    pub failed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
