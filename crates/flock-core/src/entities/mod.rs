//! SeaORM entities, one file per table of the migrations. Behaviour lives in
//! `repo/`, not here.

pub mod account;
pub mod account_event;
pub mod account_group;
pub mod campaign;
pub mod campaign_account;
pub mod campaign_event;
pub mod campaign_variable;
pub mod contact;
pub mod contact_tag;
pub mod flock_meta;
pub mod group;
pub mod group_member;
pub mod group_tag;
pub mod inbound_message;
pub mod lease_event;
pub mod media_asset;
pub mod message;
pub mod message_event;
pub mod suppression;
pub mod suppression_event;
pub mod tag;
pub mod tag_rule;
pub mod workstation;

pub type Timestamp = chrono::DateTime<chrono::Utc>;
