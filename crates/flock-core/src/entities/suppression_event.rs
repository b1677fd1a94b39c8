use sea_orm::entity::prelude::*;

use super::Timestamp;

/// History of the suppression list: one opt-out or opt-in of one key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suppression_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub key: String,
    pub kind: String,
    /// `opt_out` | `opt_in`.
    pub action: String,
    pub source: String,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
