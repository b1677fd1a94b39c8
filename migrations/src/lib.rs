//! Flock's database schema as sea-orm migrations.
//!
//! One change per file, named `mYYYYMMDD_NNNNNN_what.rs`. Migrations depend on
//! no entity code, so an old migration never changes when today's models do.
//! Only portable column types are used, so SQLite and PostgreSQL run the very
//! same statements. Foreign keys are declared inside `CREATE TABLE` because
//! SQLite takes one change per `ALTER TABLE`.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_accounts;
mod m20261126_000002_create_account_events;
mod m20261126_000003_create_groups;
mod m20261126_000004_create_account_groups;
mod m20261126_000005_create_contacts;
mod m20261126_000006_create_group_members;
mod m20261126_000007_create_tags;
mod m20261126_000008_create_contact_tags;
mod m20261126_000009_create_group_tags;
mod m20261126_000010_create_media_assets;
mod m20261126_000011_create_campaigns;
mod m20261126_000012_create_messages;
mod m20261126_000013_create_message_events;
mod m20261126_000014_create_inbound_messages;
mod m20261126_000015_create_opt_outs;
mod m20261126_000016_create_workstations;
mod m20261126_000017_create_tag_rules;
mod m20261201_000101_add_accounts_uuid;
mod m20261201_000102_fill_accounts_uuid;
mod m20261201_000103_index_accounts_uuid;
mod m20261201_000104_create_flock_meta;
mod m20261201_000105_insert_database_id;
mod m20261201_000106_add_accounts_version;
mod m20261201_000107_add_accounts_capabilities;
mod m20261201_000201_create_suppressions;
mod m20261201_000202_create_suppression_events;
mod m20261201_000203_copy_opt_outs_to_suppressions;
mod m20261201_000204_drop_opt_outs;
mod m20261201_000205_add_contact_sources;
mod m20261201_000206_move_contact_origin;
mod m20261201_000207_add_contact_consent_at;
mod m20261201_000208_add_contact_inbound_at;
mod m20261201_000209_drop_message_events;
mod m20261201_000210_drop_inbound_messages;
mod m20261201_000211_drop_messages;
mod m20261201_000212_create_messages;
mod m20261201_000213_create_message_events;
mod m20261201_000214_create_inbound_messages;
mod m20261201_000215_create_pg_trgm;
mod m20261201_000216_index_contacts_search;
mod m20261201_000217_index_contacts_sort_keys;
mod m20261201_000218_partial_contact_time_indexes;
mod m20261201_000301_add_campaigns_status_reason;
mod m20261201_000302_add_campaigns_paused_by;
mod m20261201_000303_add_campaigns_schedule;
mod m20261201_000304_add_campaigns_options;
mod m20261201_000305_create_campaign_accounts;
mod m20261201_000306_create_campaign_events;
mod m20261201_000307_create_campaign_variables;
mod m20261201_000308_add_contacts_on_whatsapp;
mod m20261201_000309_add_contacts_whatsapp_checked_at;
mod m20261201_000401_add_accounts_limits;
mod m20261201_000402_add_accounts_reachout_until;
mod m20261201_000403_add_groups_admins_only;
mod m20261202_000501_add_inbound_messages_read_at;
mod m20261203_000601_add_workstations_name_started_at;
mod m20261203_000602_create_lease_events;
mod m20261203_000603_notify_changes;
mod m20261203_000604_index_contacts_group_only;
mod m20261204_000701_contacts_search_no_column_sizes;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_accounts::Migration),
            Box::new(m20261126_000002_create_account_events::Migration),
            Box::new(m20261126_000003_create_groups::Migration),
            Box::new(m20261126_000004_create_account_groups::Migration),
            Box::new(m20261126_000005_create_contacts::Migration),
            Box::new(m20261126_000006_create_group_members::Migration),
            Box::new(m20261126_000007_create_tags::Migration),
            Box::new(m20261126_000008_create_contact_tags::Migration),
            Box::new(m20261126_000009_create_group_tags::Migration),
            Box::new(m20261126_000010_create_media_assets::Migration),
            Box::new(m20261126_000011_create_campaigns::Migration),
            Box::new(m20261126_000012_create_messages::Migration),
            Box::new(m20261126_000013_create_message_events::Migration),
            Box::new(m20261126_000014_create_inbound_messages::Migration),
            Box::new(m20261126_000015_create_opt_outs::Migration),
            Box::new(m20261126_000016_create_workstations::Migration),
            Box::new(m20261126_000017_create_tag_rules::Migration),
            Box::new(m20261201_000101_add_accounts_uuid::Migration),
            Box::new(m20261201_000102_fill_accounts_uuid::Migration),
            Box::new(m20261201_000103_index_accounts_uuid::Migration),
            Box::new(m20261201_000104_create_flock_meta::Migration),
            Box::new(m20261201_000105_insert_database_id::Migration),
            Box::new(m20261201_000106_add_accounts_version::Migration),
            Box::new(m20261201_000107_add_accounts_capabilities::Migration),
            Box::new(m20261201_000201_create_suppressions::Migration),
            Box::new(m20261201_000202_create_suppression_events::Migration),
            Box::new(m20261201_000203_copy_opt_outs_to_suppressions::Migration),
            Box::new(m20261201_000204_drop_opt_outs::Migration),
            Box::new(m20261201_000205_add_contact_sources::Migration),
            Box::new(m20261201_000206_move_contact_origin::Migration),
            Box::new(m20261201_000207_add_contact_consent_at::Migration),
            Box::new(m20261201_000208_add_contact_inbound_at::Migration),
            Box::new(m20261201_000209_drop_message_events::Migration),
            Box::new(m20261201_000210_drop_inbound_messages::Migration),
            Box::new(m20261201_000211_drop_messages::Migration),
            Box::new(m20261201_000212_create_messages::Migration),
            Box::new(m20261201_000213_create_message_events::Migration),
            Box::new(m20261201_000214_create_inbound_messages::Migration),
            Box::new(m20261201_000215_create_pg_trgm::Migration),
            Box::new(m20261201_000216_index_contacts_search::Migration),
            Box::new(m20261201_000217_index_contacts_sort_keys::Migration),
            Box::new(m20261201_000218_partial_contact_time_indexes::Migration),
            Box::new(m20261201_000301_add_campaigns_status_reason::Migration),
            Box::new(m20261201_000302_add_campaigns_paused_by::Migration),
            Box::new(m20261201_000303_add_campaigns_schedule::Migration),
            Box::new(m20261201_000304_add_campaigns_options::Migration),
            Box::new(m20261201_000305_create_campaign_accounts::Migration),
            Box::new(m20261201_000306_create_campaign_events::Migration),
            Box::new(m20261201_000307_create_campaign_variables::Migration),
            Box::new(m20261201_000308_add_contacts_on_whatsapp::Migration),
            Box::new(m20261201_000309_add_contacts_whatsapp_checked_at::Migration),
            Box::new(m20261201_000401_add_accounts_limits::Migration),
            Box::new(m20261201_000402_add_accounts_reachout_until::Migration),
            Box::new(m20261201_000403_add_groups_admins_only::Migration),
            Box::new(m20261202_000501_add_inbound_messages_read_at::Migration),
            Box::new(m20261203_000601_add_workstations_name_started_at::Migration),
            Box::new(m20261203_000602_create_lease_events::Migration),
            Box::new(m20261203_000603_notify_changes::Migration),
            Box::new(m20261203_000604_index_contacts_group_only::Migration),
            Box::new(m20261204_000701_contacts_search_no_column_sizes::Migration),
        ]
    }
}

/// The tables the migrations create, in creation order (used by `db status`
/// and by the schema tests to prove both backends end up the same).
pub const TABLES: &[&str] = &[
    "accounts",
    "account_events",
    "groups",
    "account_groups",
    "contacts",
    "group_members",
    "tags",
    "contact_tags",
    "group_tags",
    "media_assets",
    "campaigns",
    "messages",
    "message_events",
    "inbound_messages",
    "workstations",
    "tag_rules",
    "flock_meta",
    "suppressions",
    "suppression_events",
    "campaign_accounts",
    "campaign_events",
    "campaign_variables",
    "lease_events",
];
