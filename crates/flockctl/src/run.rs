//! `flockctl run [--until-idle]`: the app's services without a window
//! (`Services::start`, the same start function): every linked account held
//! here restored, groups resynced on the settings' schedule, and the
//! dispatcher sending the running campaigns. Prints account changes and
//! campaign progress (JSON lines with --json) until Ctrl-C / SIGTERM.
//!
//! `--until-idle` exits 0 once the accounts being restored have settled
//! (active, or stopped for a reason) and the dispatcher has no work it
//! could do now (`flock_core::dispatch::idle`: nothing in flight, no
//! `sending` row whose account is active here, no running campaign with a
//! pending row an account here could send within `--idle-horizon`
//! seconds). A campaign waiting for quiet hours to end, a daily cap or an
//! account that is not here leaves it idle.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use clap::Args;
use flock_core::accounts::{AccountEvent, AccountState};
use flock_core::lock::DataLock;
use flock_core::paths::DataPaths;
use flock_core::services::{ResyncProgress, Services, ServicesConfig};
use flock_core::{ErrorKind, ErrorReport};
use serde_json::json;
use tokio::sync::broadcast;

use crate::accounts::{demo, open_db, stop_signal};
use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Exit 0 once no running campaign has work it could do now.
    #[arg(long)]
    pub until_idle: bool,
    /// With --until-idle: work due within this many seconds (a paced send,
    /// a retry) counts as work now.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub idle_horizon: u64,
    /// Give up after this many seconds (exit 1).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
}

pub async fn run(cli: &Cli, paths: &DataPaths, args: &RunArgs) -> Result<(), ErrorReport> {
    // A long-running service: its log goes to the data folder's log files
    // (the Logs page reads them) and to stderr.
    let _log = flock_core::logging::init(&paths.log_dir(), "flockctl", true);
    let lock = DataLock::acquire(paths, "flockctl run")?;
    let db = open_db(cli, paths).await?;
    let mut config = ServicesConfig::from_settings(paths);
    let _demo = demo(cli, &mut config.accounts).await?;
    if let Some(d) = config.dispatch.as_mut() {
        d.engine.idle_horizon = chrono::Duration::seconds(args.idle_horizon as i64);
    }
    let resync_minutes = config.groups_resync_every.map(|d| d.as_secs() / 60);
    let json = cli.json;
    let progress: ResyncProgress = std::sync::Arc::new(move |p| {
        if json {
            print_json(&json!({"event": "groups_progress", "id": p.account_id, "done": p.done, "total": p.total}));
        }
    });
    let services = Services::start(&lock, db, config, Some(progress)).await?;
    let restoring = services.restoring();
    let mut events = services.take_start_events().unwrap_or_else(|| services.accounts().subscribe());
    let mut campaigns = services.dispatcher().map(|d| d.progress());
    let mut health = services.dispatcher().map(|d| d.health());
    if cli.json {
        print_json(&json!({"event": "started", "restoring": restoring, "pid": std::process::id(), "groupsResyncMinutes": resync_minutes}));
    } else {
        println!("restoring {restoring} linked account(s); sending running campaigns; Ctrl-C stops");
        if let Some(m) = resync_minutes {
            println!("groups are resynced every {m} minute(s)");
        }
    }
    let started = Instant::now();
    let deadline = args.timeout.map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut restored: HashSet<i64> = HashSet::new();
    let mut states: HashMap<i64, AccountState> = HashMap::new();
    let mut check = tokio::time::interval(Duration::from_secs(1));
    // Once, before the loop: a signal that comes while a turn is busy is kept.
    let stop = stop_signal();
    tokio::pin!(stop);
    let result = loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(AccountEvent::Changed { account }) => {
                    // Another workstation's account (team mode, shown live): not one restored here.
                    let mine = account.desk.as_ref().is_none_or(|d| d.here);
                    if account.state == AccountState::Reconnecting && mine {
                        restored.insert(account.id);
                    }
                    if mine {
                        states.insert(account.id, account.state);
                    }
                    if cli.json {
                        print_json(&json!({"event": "state", "id": account.id, "state": account.state, "reason": account.reason, "phone": account.phone, "memoryKib": account.memory_kib, "databaseError": account.database_error}));
                    } else {
                        println!("[{:>6.1}s] account {} {}: {}", started.elapsed().as_secs_f64(), account.id, account.state.as_str(), account.reason.unwrap_or_default());
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break Ok(()),
            },
            p = next_progress(&mut campaigns) => match p {
                Some(p) => {
                    if cli.json {
                        print_json(&json!({"event": "progress", "campaignId": p.campaign_id, "counts": p.counts, "eta": p.eta, "finishesAt": p.finishes_at}));
                    } else {
                        let c = p.counts;
                        println!("[{:>6.1}s] campaign {}: {} sent, {} delivered, {} read, {} pending, {} failed, {} skipped{}", started.elapsed().as_secs_f64(), p.campaign_id, c.sent, c.delivered, c.read, c.pending + c.sending, c.failed, c.skipped, p.eta.map(|e| format!("; {e}")).unwrap_or_default());
                    }
                }
                None => campaigns = None,
            },
            h = next_health(&mut health) => match h {
                Some(h) => {
                    if cli.json {
                        print_json(&json!({"event": "dispatcher", "databaseError": h.database_error, "unrecordedEvents": h.unrecorded_events}));
                    } else if let Some(e) = &h.database_error {
                        println!("[{:>6.1}s] {e}", started.elapsed().as_secs_f64());
                    } else {
                        println!("[{:>6.1}s] the database answers; {} ack(s) and replies still to record", started.elapsed().as_secs_f64(), h.unrecorded_events);
                    }
                }
                None => health = None,
            },
            _ = check.tick(), if args.until_idle => {
                let settled = restored.len() >= restoring
                    && restored.iter().all(|id| states.get(id).is_none_or(|s| !s.is_transitional()));
                if !settled {
                    continue;
                }
                let Some(d) = services.dispatcher() else { break Ok(()) };
                match d.engine().idle_report().await {
                    Ok(r) if r.idle => {
                        if cli.json {
                            print_json(&json!({"event": "idle"}));
                        } else {
                            println!("nothing left to do now");
                        }
                        break Ok(());
                    }
                    Ok(r) => tracing::debug!(work = ?r.work, "not idle"),
                    Err(e) => tracing::warn!("idle check: {e}"),
                }
            },
            _ = sleep_until_opt(deadline) => {
                break Err(ErrorReport {
                    kind: ErrorKind::Internal,
                    message: format!("still busy after {} s", args.timeout.unwrap_or(0)),
                    fix: Some("Look at `flockctl campaigns show ID` for what is left, or give a longer --timeout".into()),
                });
            },
            _ = &mut stop => break Ok(()),
        }
    };
    services.stop().await;
    result
}

async fn next_progress(
    rx: &mut Option<broadcast::Receiver<flock_core::dispatch::CampaignProgress>>,
) -> Option<flock_core::dispatch::CampaignProgress> {
    let Some(rx) = rx else { return std::future::pending().await };
    loop {
        match rx.recv().await {
            Ok(p) => return Some(p),
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

/// The dispatcher's health when it changes; `None` once it stopped.
async fn next_health(
    rx: &mut Option<tokio::sync::watch::Receiver<flock_core::dispatch::DispatcherHealth>>,
) -> Option<flock_core::dispatch::DispatcherHealth> {
    let Some(rx) = rx else { return std::future::pending().await };
    rx.changed().await.ok()?;
    let h = rx.borrow_and_update().clone();
    Some(h)
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
