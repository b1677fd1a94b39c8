use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workstations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub hostname: String,
    pub app_version: Option<String>,
    pub last_heartbeat_at: Timestamp,
    pub created_at: Timestamp,
    /// The name the team sees (settings `workstation_name`, else the host name).
    pub name: Option<String>,
    /// When its running Flock started.
    pub started_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
