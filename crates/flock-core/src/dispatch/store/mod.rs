//! The dispatcher's queries: account limits and timelocks, the send history
//! the pacing counts, the claim, the results, the ack history. Columns the
//! dispatcher added to other tables (its migrations `m20261201_0004xx`) are
//! read by name here.

pub mod accounts;
pub mod claims;
pub mod history;
pub mod results;

use sea_orm::sea_query::Alias;

pub(crate) fn col(name: &'static str) -> Alias {
    Alias::new(name)
}
