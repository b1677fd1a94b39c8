//! `flockctl team …`: the workstations sharing this database (team mode),
//! when each was last heard from, and the accounts whose lease each holds;
//! `team leases <account>`: an account's lease history.

use clap::Subcommand;
use flock_core::accounts::{AccountManager, AccountSettings};
use flock_core::paths::DataPaths;
use flock_core::ErrorReport;
use serde_json::json;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Every workstation: name, host, online, last heartbeat, its accounts.
    List,
    /// One account's lease history: which workstation took, gave back or lost it, when.
    Leases { account: i64 },
}

pub async fn run(cli: &Cli, paths: &DataPaths, cmd: &TeamCommand) -> Result<(), ErrorReport> {
    let db = crate::accounts::open_db(cli, paths).await?;
    let manager = AccountManager::new(db.clone(), paths.clone(), AccountSettings::load(paths));
    match cmd {
        TeamCommand::List => {
            let all = manager.workstations().await?;
            if cli.json {
                print_json(&all);
                return Ok(());
            }
            for w in &all {
                let accounts: Vec<String> = w.accounts.iter().filter(|a| a.leased).map(|a| format!("{} ({})", a.name, a.id)).collect();
                println!(
                    "{}{:<24} {:<20} {:<8} last heard {}  accounts: {}",
                    if w.here { "* " } else { "  " },
                    w.name,
                    w.host,
                    if w.online { "online" } else { "offline" },
                    w.last_heartbeat_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    if accounts.is_empty() { "-".into() } else { accounts.join(", ") }
                );
            }
        }
        TeamCommand::Leases { account } => {
            let events = flock_core::team::leases::history(db.conn(), *account).await.map_err(flock_core::CoreError::from)?;
            if cli.json {
                let v: Vec<_> = events
                    .iter()
                    .map(|e| {
                        json!({"workstationId": e.workstation_id, "kind": e.kind, "at": e.at,
                               "previousHolder": e.previous_holder, "previousExpiresAt": e.previous_expires_at})
                    })
                    .collect();
                print_json(&v);
                return Ok(());
            }
            for e in &events {
                println!("{}  {:<9} {}", e.at.format("%Y-%m-%d %H:%M:%S%.3f"), e.kind, e.workstation_id);
            }
        }
    }
    let _ = db.close().await;
    Ok(())
}
