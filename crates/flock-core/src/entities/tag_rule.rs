use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tag_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contains: String,
    pub set_field: Option<String>,
    pub set_value: Option<String>,
    pub tag: Option<String>,
    pub enabled: bool,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
