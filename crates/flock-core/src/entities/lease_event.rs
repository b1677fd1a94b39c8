use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lease_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub workstation_id: String,
    /// acquired | released | lost
    pub kind: String,
    /// On `acquired`: the holder it replaced, and when that lease had run out.
    pub previous_holder: Option<String>,
    pub previous_expires_at: Option<Timestamp>,
    pub at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
