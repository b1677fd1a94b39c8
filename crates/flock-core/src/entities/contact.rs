use sea_orm::entity::prelude::*;

use super::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// E.164; `None` while WhatsApp shows only a privacy id.
    #[sea_orm(unique)]
    pub phone: Option<String>,
    /// `<id>@lid`.
    #[sea_orm(unique)]
    pub lid: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    /// How consent was given (`csv:<file>`, `manual`, …); `None`: no consent on record.
    pub consent_source: Option<String>,
    /// Denormalised from `suppressions` (kept right in the same transaction).
    pub opted_out_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `group_sync` | `csv` | `reply` | `manual`.
    pub first_source: String,
    /// Bit set of every source (see `repo::contacts::ContactSource`).
    pub sources: i32,
    /// Where it was first found: `group:<id>@g.us`, `import:<file>`, ….
    pub origin: Option<String>,
    pub consent_at: Option<Timestamp>,
    pub first_inbound_at: Option<Timestamp>,
    pub last_inbound_at: Option<Timestamp>,
    /// The last existence check: `Some(false)` = not on WhatsApp; `None` = never checked.
    pub on_whatsapp: Option<bool>,
    pub whatsapp_checked_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
