//! `flockctl accounts …` and `flockctl run`: the account service without a
//! window. `--demo` starts the simulator's demo scenario in-process and
//! points the sessions at it (and plays the phone: it scans the QR). That
//! simulator lives as long as the command: to keep linked demo sessions
//! across commands, run `flockctl sim serve --scenario demo` and pass its
//! address with `--wa-url`.
//!
//! Every command that runs sessions or touches profiles (link, logout,
//! reset, remove, show-browser, `groups sync`, `run`) holds the data
//! folder's lock and starts the core through `Services::start`, the same
//! start function as the app; `add` and `list` only read and write rows.

use std::time::Duration;

use clap::{Args, Subcommand};
use flock_core::accounts::{AccountEvent, AccountManager, AccountSettings, AccountState, AccountView, LinkMethod};
use flock_core::config::resolve_database;
use flock_core::db::Database;
use flock_core::lock::DataLock;
use flock_core::paths::DataPaths;
use flock_core::services::{Services, ServicesConfig};
use flock_core::{ErrorKind, ErrorReport};
use serde_json::json;
use tokio::sync::broadcast;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Add an account (state `new`); prints its id.
    Add {
        /// A name for the team, e.g. "Sales 1".
        name: String,
    },
    /// Link an account: shows a QR (or a pairing code) and waits until the
    /// account is active with its number. JSON lines with --json.
    Link(LinkArgs),
    /// Every account with its state, number and reason.
    List,
    /// Unlink the device (in WhatsApp too when its session runs) and wipe its profile.
    Logout { id: i64 },
    /// Wipe the profile and forget the number: back to `new`.
    Reset { id: i64 },
    /// Remove the account, its history and its profile.
    Remove { id: i64 },
    /// Show (true) or hide (false) the account's browser window.
    ShowBrowser {
        id: i64,
        #[arg(action = clap::ArgAction::Set)]
        show: bool,
    },
    /// Measure linking, restoring and memory against the simulator.
    Bench(BenchArgs),
    /// Show or change the account's sending limits (per minute/hour/day, gap, pauses, ramp-up).
    Limits(crate::limits::LimitsArgs),
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    pub id: i64,
    /// Link with an 8-character pairing code for this number (+country code) instead of a QR.
    #[arg(long, value_name = "PHONE")]
    pub pairing_phone: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Accounts linked and restored together.
    #[arg(long, default_value_t = 5)]
    pub accounts: usize,
}

fn internal(message: impl Into<String>) -> ErrorReport {
    ErrorReport { kind: ErrorKind::Internal, message: message.into(), fix: None }
}

/// The account service for this command line, and the demo simulator when
/// `--demo` is on (kept alive by the caller). With sessions: the running
/// core services and the data folder's lock, held until dropped.
pub struct Service {
    pub manager: AccountManager,
    pub demo: Option<flock_sim::SimHandle>,
    services: Option<Services>,
    _lock: Option<DataLock>,
}

impl Service {
    /// Closes every browser (profiles kept) and lets the data folder go.
    pub async fn stop(self) {
        match self.services {
            Some(services) => {
                services.stop().await;
            }
            None => self.manager.shutdown().await,
        }
    }
}

pub(crate) async fn open_db(cli: &Cli, paths: &DataPaths) -> Result<Database, ErrorReport> {
    let (target, _) = resolve_database(cli.database_url.as_deref(), paths)?;
    paths.ensure().map_err(|e| ErrorReport {
        kind: ErrorKind::InvalidInput,
        message: format!("cannot create the data folder {}: {e}", paths.root().display()),
        fix: Some("Pass a writable folder with --data-dir".into()),
    })?;
    Ok(Database::open(target).await.map_err(flock_core::CoreError::from)?)
}

/// The demo simulator for `--demo`, pointing `settings` at it.
pub(crate) async fn demo(cli: &Cli, settings: &mut AccountSettings) -> Result<Option<flock_sim::SimHandle>, ErrorReport> {
    settings.wa_url = cli.wa_url.clone();
    if !cli.demo {
        return Ok(None);
    }
    let sim = flock_sim::Simulator::start(flock_sim::SimConfig::fast())
        .await
        .map_err(|e| internal(format!("cannot start the demo simulator: {e}")))?;
    sim.load(&flock_sim::demo_scenario()).await.map_err(|e| internal(format!("demo scenario: {e}")))?;
    settings.wa_url = format!("{}/", sim.base_url());
    Ok(Some(sim))
}

/// The account service for a command that runs sessions: the data folder's
/// lock first (a clear error naming the holder's pid), then the core's
/// services, without restoring (the command says what runs).
pub async fn service(cli: &Cli, paths: &DataPaths) -> Result<Service, ErrorReport> {
    let lock = DataLock::acquire(paths, "flockctl")?;
    let db = open_db(cli, paths).await?;
    let mut config = ServicesConfig::from_settings(paths);
    config.restore = false;
    config.groups_resync_every = None;
    config.dispatch = None;
    let demo = demo(cli, &mut config.accounts).await?;
    let services = Services::start(&lock, db, config, None).await?;
    Ok(Service { manager: services.accounts().clone(), demo, services: Some(services), _lock: Some(lock) })
}

/// The account service for a command that only reads and writes rows.
async fn rows_only(cli: &Cli, paths: &DataPaths) -> Result<Service, ErrorReport> {
    let db = open_db(cli, paths).await?;
    let mut settings = AccountSettings::load(paths);
    settings.wa_url = cli.wa_url.clone();
    Ok(Service { manager: AccountManager::new(db, paths.clone(), settings), demo: None, services: None, _lock: None })
}

pub async fn run(cli: &Cli, paths: &DataPaths, cmd: &AccountsCommand) -> Result<(), ErrorReport> {
    if let AccountsCommand::Bench(args) = cmd {
        return crate::accounts_bench::run(args).await;
    }
    if let AccountsCommand::Limits(args) = cmd {
        return crate::limits::run(cli, &open_db(cli, paths).await?, args).await;
    }
    let svc = match cmd {
        AccountsCommand::Add { .. } | AccountsCommand::List => rows_only(cli, paths).await?,
        _ => service(cli, paths).await?,
    };
    let m = &svc.manager;
    let res = match cmd {
        AccountsCommand::Add { name } => {
            let a = m.add(name).await?;
            if cli.json {
                print_json(&json!({"id": a.id, "name": a.name, "state": a.state}));
            } else {
                println!("added account {} \"{}\"", a.id, a.name);
            }
            Ok(())
        }
        AccountsCommand::Link(args) => link(cli, &svc, args).await,
        AccountsCommand::List => {
            m.refresh_team().await?;
            let all = m.list().await?;
            if cli.json {
                print_json(&all);
            } else {
                for a in &all {
                    println!(
                        "{:>4}  {:<20} {:<16} {:<16} {}{}",
                        a.id,
                        a.name,
                        a.state.as_str(),
                        a.phone.as_deref().unwrap_or("-"),
                        a.reason.as_deref().unwrap_or(""),
                        a.desk
                            .as_ref()
                            .and_then(|d| d.describe())
                            .map(|d| format!(" [{d}]"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        AccountsCommand::Logout { id } => {
            m.logout(*id).await?;
            done(cli, m.get(*id).await?);
            Ok(())
        }
        AccountsCommand::Reset { id } => {
            done(cli, m.reset(*id).await?);
            Ok(())
        }
        AccountsCommand::Remove { id } => {
            m.remove(*id).await?;
            if cli.json {
                print_json(&json!({"id": id, "removed": true}));
            } else {
                println!("removed account {id}");
            }
            Ok(())
        }
        AccountsCommand::ShowBrowser { id, show } => {
            done(cli, m.set_show_browser(*id, *show).await?);
            Ok(())
        }
        AccountsCommand::Bench(_) | AccountsCommand::Limits(_) => Ok(()),
    };
    svc.stop().await;
    res
}

fn done(cli: &Cli, a: AccountView) {
    if cli.json {
        print_json(&a);
    } else {
        println!("account {} \"{}\": {}{}", a.id, a.name, a.state.as_str(), a.reason.map(|r| format!(" ({r})")).unwrap_or_default());
    }
}

async fn link(cli: &Cli, svc: &Service, args: &LinkArgs) -> Result<(), ErrorReport> {
    let m = &svc.manager;
    let id = args.id;
    let method = match &args.pairing_phone {
        Some(phone) => LinkMethod::PairingCode { phone: phone.clone() },
        None => LinkMethod::Qr,
    };
    let demo_phone = match &svc.demo {
        Some(sim) => Some(demo_phone(m, sim, args.pairing_phone.as_deref()).await?),
        None => None,
    };
    let mut events = m.subscribe();
    m.link(id, method).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.timeout);
    let mut last_state: Option<AccountState> = None;
    loop {
        let ev = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(_)) => return Err(internal("the account service stopped")),
            Err(_) => {
                return Err(ErrorReport {
                    kind: ErrorKind::Browser,
                    message: format!("account {id} was not linked within {} s", args.timeout),
                    fix: Some("Run the command again and scan the QR code sooner, or pass a longer --timeout".into()),
                })
            }
        };
        if ev.account_id() != id {
            continue;
        }
        match ev {
            AccountEvent::Qr { payload, .. } => {
                if cli.json {
                    print_json(&json!({"event": "qr", "payload": payload}));
                } else {
                    println!("Scan this QR code with WhatsApp on the phone (Settings, Linked devices):");
                    println!("{}", terminal_qr(&payload));
                }
                if let (Some(sim), Some(phone)) = (&svc.demo, &demo_phone) {
                    if let Err(e) = sim.scan(&payload, phone).await {
                        tracing::warn!("demo scan: {e}");
                    }
                }
            }
            AccountEvent::PairingCode { code, .. } => {
                if cli.json {
                    print_json(&json!({"event": "pairing_code", "code": code}));
                } else {
                    println!("On the phone: WhatsApp, Settings, Linked devices, Link with phone number; enter {}-{}", &code[..4.min(code.len())], &code[4.min(code.len())..]);
                }
                if let (Some(sim), Some(phone)) = (&svc.demo, &demo_phone) {
                    if let Err(e) = sim.pair(&code, phone).await {
                        tracing::warn!("demo pairing: {e}");
                    }
                }
            }
            AccountEvent::Changed { account } => {
                if last_state != Some(account.state) {
                    last_state = Some(account.state);
                    if cli.json {
                        print_json(&json!({"event": "state", "state": account.state, "reason": account.reason, "phone": account.phone}));
                    } else {
                        println!("{}{}", account.state.as_str(), account.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default());
                    }
                }
                match account.state {
                    AccountState::Active if account.phone.is_some() => {
                        if !cli.json {
                            println!("account {id} is linked as {}", account.phone.as_deref().unwrap_or(""));
                        }
                        return Ok(());
                    }
                    AccountState::LinkExpired | AccountState::Failed | AccountState::LoggedOut | AccountState::Restricted => {
                        return Err(ErrorReport {
                            kind: ErrorKind::Browser,
                            message: format!(
                                "account {id} is {}: {}",
                                account.state.as_str(),
                                account.reason.unwrap_or_else(|| "no reason given".into())
                            ),
                            fix: account.fix,
                        });
                    }
                    _ => {}
                }
            }
            AccountEvent::Removed { .. } => return Err(internal(format!("account {id} was removed"))),
        }
    }
}

/// A demo phone for `--demo`: the one given, or the first demo phone no
/// account has yet.
async fn demo_phone(m: &AccountManager, sim: &flock_sim::SimHandle, wanted: Option<&str>) -> Result<String, ErrorReport> {
    if let Some(w) = wanted {
        return Ok(w.to_string());
    }
    let used: Vec<String> = m.list().await?.into_iter().filter_map(|a| a.phone).collect();
    sim.phones()
        .await
        .into_iter()
        .map(|p| p.phone)
        .find(|p| !used.contains(p))
        .ok_or_else(|| ErrorReport {
            kind: ErrorKind::Conflict,
            message: "every demo phone is already linked".into(),
            fix: Some("Remove a demo account first".into()),
        })
}

/// The QR as text for a terminal (two rows per character line).
fn terminal_qr(payload: &str) -> String {
    match flock_wa::qr::qr_text(payload) {
        Ok(s) => s,
        Err(_) => payload.to_string(),
    }
}

/// Ctrl-C, or SIGTERM on Unix (a service manager stopping us). The handlers
/// are registered by this call, not when the future is first polled: tokio
/// tells a listener only of the signals that come after it subscribed, so a
/// loop that made a new one on each turn lost a SIGTERM that came while it
/// was busy with something else (a `flockctl run` then ran on until killed).
/// Make it once, before the loop, and poll it across the turns.
pub(crate) fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let listeners = {
        use tokio::signal::unix::{signal, SignalKind};
        signal(SignalKind::terminate()).and_then(|term| Ok((term, signal(SignalKind::interrupt())?)))
    };
    async move {
        #[cfg(unix)]
        if let Ok((mut term, mut interrupt)) = listeners {
            tokio::select! {
                _ = term.recv() => {}
                _ = interrupt.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Duration;

    /// A SIGTERM that comes after `stop_signal()` was made but before it is
    /// polled (a loop busy with another event) still stops. Each test runs
    /// in a process of its own (nextest), so the signal reaches only this one.
    #[tokio::test]
    async fn a_sigterm_before_the_first_poll_is_not_lost() {
        // A listener first, so that tokio's handler is in place and the
        // signal cannot end this process whatever stop_signal does.
        let _installed = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        let stop = super::stop_signal();
        let sent = std::process::Command::new("kill").args(["-TERM", &std::process::id().to_string()]).status();
        assert!(sent.unwrap().success());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(tokio::time::timeout(Duration::from_secs(5), stop).await.is_ok(), "the SIGTERM was lost");
    }
}
