//! `flockctl groups sync`: bring the linked accounts' sessions up, read
//! their groups from WhatsApp Web and record them.

use std::time::Duration;

use clap::Args;
use flock_core::accounts::AccountState;
use flock_core::groups::{sync_groups, SyncSummary};
use flock_core::paths::DataPaths;
use flock_core::{ErrorKind, ErrorReport};

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this account (default: every linked account).
    #[arg(long)]
    pub account: Option<i64>,
    /// How long to wait for the accounts' sessions to be active.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

pub async fn run(cli: &Cli, paths: &DataPaths, args: &SyncArgs) -> Result<(), ErrorReport> {
    let svc = crate::accounts::service(cli, paths).await?;
    let result = sync(cli, &svc, args).await;
    svc.manager.shutdown().await;
    result
}

async fn sync(cli: &Cli, svc: &crate::accounts::Service, args: &SyncArgs) -> Result<(), ErrorReport> {
    let m = &svc.manager;
    let wanted: Vec<i64> = match args.account {
        Some(id) => vec![m.get(id).await?.id],
        None => m.list().await?.into_iter().filter(|a| a.phone.is_some()).map(|a| a.id).collect(),
    };
    if wanted.is_empty() {
        return Err(ErrorReport {
            kind: ErrorKind::Conflict,
            message: "no account is linked".into(),
            fix: Some("Link one first: flockctl accounts add NAME, then flockctl accounts link ID".into()),
        });
    }
    m.restore_all().await?;
    // Wait until every wanted account is active or cannot become so
    // without a person (logged out, restricted, never linked).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.timeout);
    let active = loop {
        let views: Vec<_> = m.list().await?.into_iter().filter(|a| wanted.contains(&a.id)).collect();
        // The stored state of a restored account still says `active` until
        // its session reports; only a running session counts.
        let ready = |a: &flock_core::accounts::AccountView| a.state == AccountState::Active && a.running;
        let active: Vec<i64> = views.iter().filter(|a| ready(a)).map(|a| a.id).collect();
        let waiting = views.iter().any(|a| {
            !ready(a)
                && matches!(
                    a.state,
                    AccountState::Active | AccountState::Syncing | AccountState::Reconnecting | AccountState::Failed
                )
        });
        if !waiting || tokio::time::Instant::now() >= deadline {
            break active;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if active.is_empty() {
        let views = m.list().await?;
        let why: Vec<String> = views
            .iter()
            .filter(|a| wanted.contains(&a.id))
            .map(|a| format!("\"{}\" is {} ({})", a.name, a.state.as_str(), a.reason.as_deref().unwrap_or("no reason given")))
            .collect();
        return Err(ErrorReport {
            kind: ErrorKind::Conflict,
            message: format!("no account became active within {} s: {}", args.timeout, why.join("; ")),
            fix: Some("See flockctl accounts list; link again the accounts that are logged out".into()),
        });
    }
    let db = m.database().clone();
    let json = cli.json;
    let mut summaries: Vec<SyncSummary> = Vec::new();
    for id in active {
        let mut done = sync_groups(m, &db, Some(id), |p| {
            if !json {
                eprint!("\raccount {}: {}/{} groups", p.account_id, p.done, p.total);
            }
        })
        .await?;
        if !json {
            eprintln!();
        }
        summaries.append(&mut done);
    }
    let skipped: Vec<i64> = wanted.iter().copied().filter(|id| !summaries.iter().any(|s| s.account_id == *id)).collect();
    let total = |f: fn(&SyncSummary) -> u32| summaries.iter().map(f).sum::<u32>();
    if json {
        print_json(&serde_json::json!({
            "accounts": summaries,
            "not_active": skipped,
            "groups_added": total(|s| s.groups_added),
            "groups_changed": total(|s| s.groups_changed),
            "groups_left": total(|s| s.groups_left),
            "groups_removed": total(|s| s.groups_removed),
            "members_added": total(|s| s.members_added),
            "members_removed": total(|s| s.members_removed),
            "contacts_added": total(|s| s.contacts_added),
            "contacts_merged": total(|s| s.contacts_merged),
        }));
    } else {
        for s in &summaries {
            println!(
                "account {}: {} groups ({} new, {} changed, {} left), members +{} -{}, {} new contacts, {} merged",
                s.account_id, s.groups_total, s.groups_added, s.groups_changed, s.groups_left,
                s.members_added, s.members_removed, s.contacts_added, s.contacts_merged
            );
        }
        if !skipped.is_empty() {
            println!("not active, not synced: accounts {skipped:?}");
        }
    }
    Ok(())
}
