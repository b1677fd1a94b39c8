//! Tests that need a database. `scripts/test.sh` runs this module once on
//! SQLite and once on PostgreSQL (filter: `test(/db::/)`).

mod accounts;
mod campaigns;
mod campaigns_desk;
mod campaigns_desk_retry;
mod campaigns_lifecycle;
mod campaigns_scale;
mod campaigns_support;
mod consent;
mod contacts;
mod contacts_import;
mod contacts_paging;
mod contacts_query;
mod dashboard;
mod groups;
mod groups_sync;
mod inbox_desk;
mod migrations_data;
mod outbox;
mod schema;
mod suppression_list;
mod suppressions;
mod team;
