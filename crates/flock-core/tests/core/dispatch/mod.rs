//! The dispatcher against a fake of the sessions (its ledger is the judge):
//! `db::` tests run on SQLite and again on PostgreSQL.

mod db;
pub mod fake;
pub mod support;
