//! The account service against the simulator with a real Chromium. Not under
//! `db::`: these run once, on SQLite. Each test has its own simulator, data
//! folder, database and HOME.

mod support;

mod identity;
mod link;
mod memory;
mod messaging;
mod recovery;
mod services;
mod writers;
