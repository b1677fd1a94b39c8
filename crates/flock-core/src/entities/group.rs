use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub wa_id: String,
    pub subject: String,
    pub description: Option<String>,
    pub member_count: i32,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub lid_addressing: bool,
    pub last_synced_at: Option<Timestamp>,
    pub removed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
