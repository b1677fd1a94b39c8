//! Team mode: several workstations on one PostgreSQL, each account's
//! WhatsApp session on exactly one of them.
//!
//! ```text
//! Workstation (identity.rs)   <data>/workstation.json: this installation's id; its name
//!                             (settings `workstation_name`, else the host name)
//! workstations (desks.rs)     one row per workstation: registered at start, heartbeat
//!                             every lease/4 (`AccountManager::heartbeat`)
//! live (live.rs)              PostgreSQL LISTEN/NOTIFY: other desks' writes reach this
//!                             desk's screens within a second
//! leases (leases.rs)          accounts.lease_holder / lease_expires_at: taken before an
//!                             account's session starts (compare-and-set), renewed by the
//!                             heartbeat, given back when it stops; lease_events keeps the history
//! ```
//!
//! What the lease decides: a workstation starts a session only for an
//! account whose lease it holds, so an account never runs on two desks; a
//! desk whose renewal finds its lease taken stops that session at once.
//! Another desk shows the account "running on <desk>" while the lease is
//! fresh, "offline on <desk> since …" once it ran out. The dispatcher
//! leaves the people sticky to an account running elsewhere to that desk,
//! and never touches another account's `sending` rows (only that session
//! can tell whether they went out): they wait, named, for it to come back.
//! SQLite (one desk) goes through the same code: its leases are always its own.

mod desks;
mod identity;
pub mod leases;
pub mod live;

use std::time::Duration;

pub use desks::{desk_infos, list_workstations, register, DeskInfo, WorkstationAccount, WorkstationView};
pub use identity::{Workstation, WORKSTATION_FILE};

/// How long a lease lasts without renewal (settings `team_lease_seconds`).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(20);

/// Lease length and heartbeat of this workstation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamSettings {
    pub lease: Duration,
}

impl Default for TeamSettings {
    fn default() -> Self {
        Self { lease: DEFAULT_LEASE }
    }
}

impl TeamSettings {
    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        Self { lease: settings.team_lease_seconds.map(|s| Duration::from_secs(u64::from(s))).unwrap_or(DEFAULT_LEASE) }
    }

    /// Four renewals per lease: one or two missed (a busy database) do not lose it.
    pub fn heartbeat(&self) -> Duration {
        self.lease / 4
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("cannot read or write this workstation's identity {}: {source}", path.display())]
    Identity { path: std::path::PathBuf, source: std::io::Error },
    #[error("{} is not a workstation identity ({source}); delete it and Flock writes a new one", path.display())]
    BadIdentity { path: std::path::PathBuf, source: serde_json::Error },
}
