use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account's stable identity (profile folders are keyed by it, not by `id`).
    #[sea_orm(unique)]
    pub uuid: String,
    pub name: String,
    #[sea_orm(unique)]
    pub phone: Option<String>,
    pub wa_id: Option<String>,
    pub profile_name: Option<String>,
    pub state: String,
    pub state_reason: Option<String>,
    pub state_fix: Option<String>,
    pub state_deadline: Option<Timestamp>,
    pub show_browser: bool,
    pub limit_per_minute: Option<i32>,
    pub limit_per_hour: Option<i32>,
    pub limit_per_day: Option<i32>,
    pub lease_holder: Option<String>,
    pub lease_expires_at: Option<Timestamp>,
    pub linked_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Bumped by every state write; writes are compare-and-set on it.
    pub version: i64,
    /// The last boot report of its WhatsApp Web (`CapabilitiesView` as JSON).
    pub capabilities: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::account_event::Entity")]
    AccountEvent,
}

impl Related<super::account_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
