//! Database-level dispatcher tests (SQLite, and PostgreSQL with
//! `FLOCK_TEST_BACKEND=postgres`).

mod claims;
mod flow;
mod inbox;
mod limits;
mod pacing;
mod reconcile;
mod retry;
mod team;
