use sea_orm::entity::prelude::*;

use super::Timestamp;

/// One key on the suppression list (present while suppressed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suppressions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// E.164 phone or `<id>@lid`.
    #[sea_orm(unique)]
    pub key: String,
    /// `phone` | `lid`.
    pub kind: String,
    pub source: String,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
