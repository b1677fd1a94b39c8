//! `flockctl accounts bench`: scan-to-active time, restart-to-all-active
//! time and memory per linked account, with the headless shell and with
//! full Chromium, against an in-process simulator. Prints a table.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use flock_core::accounts::{AccountEvent, AccountManager, AccountSettings, AccountState, LinkMethod};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::paths::DataPaths;
use flock_core::{ErrorKind, ErrorReport};
use flock_wa::BrowserPreference;
use tokio::sync::broadcast;

use crate::accounts::BenchArgs;

const WAIT: Duration = Duration::from_secs(180);

fn err(message: impl Into<String>) -> ErrorReport {
    ErrorReport { kind: ErrorKind::Internal, message: message.into(), fix: None }
}

struct Row {
    browser: String,
    scan_to_active: Duration,
    link_all: Duration,
    restart_to_all_active: Duration,
    pss_per_account_kib: Option<u64>,
}

pub async fn run(args: &BenchArgs) -> Result<(), ErrorReport> {
    let n = args.accounts.clamp(1, 20);
    let mut rows = Vec::new();
    for (label, pref) in [("headless shell", BrowserPreference::HeadlessShellFirst), ("chromium", BrowserPreference::FullBrowser)] {
        let browser = flock_wa::find_browser(None, pref, false).map_err(|e| err(e.to_string()))?;
        eprintln!("bench: {label} ({}) with {n} accounts", browser.path.display());
        rows.push(one(&format!("{label} ({})", browser.path.display()), pref, n).await?);
    }
    println!("| browser | scan → active (1 account) | link {} more at once | restart → all {n} active | PSS per linked account |", n - 1);
    println!("|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {:.2} s | {:.2} s | {:.2} s | {} |",
            r.browser,
            r.scan_to_active.as_secs_f64(),
            r.link_all.as_secs_f64(),
            r.restart_to_all_active.as_secs_f64(),
            r.pss_per_account_kib.map(|k| format!("{:.0} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into())
        );
    }
    Ok(())
}

struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn one(_label: &str, pref: BrowserPreference, n: usize) -> Result<Row, ErrorReport> {
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "flock-bench-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    )));
    let data = scratch.0.join("data");
    let home = scratch.0.join("home");
    std::fs::create_dir_all(&home).map_err(|e| err(e.to_string()))?;
    let paths = DataPaths::new(&data);
    paths.ensure().map_err(|e| err(e.to_string()))?;
    let sim = flock_sim::Simulator::start(flock_sim::SimConfig::fast()).await.map_err(|e| err(e.to_string()))?;
    let phones: Vec<String> = (1..=n).map(|i| format!("+9198000{:05}", i)).collect();
    for p in &phones {
        sim.add_phone(p, p).await.map_err(|e| err(e.to_string()))?;
    }
    let db = Database::open(DatabaseTarget::sqlite_file(paths.sqlite_file())).await.map_err(flock_core::CoreError::from)?;
    let h = home.display().to_string();
    let settings = AccountSettings {
        wa_url: format!("{}/", sim.base_url()),
        browser_preference: pref,
        browser_env: vec![("HOME".into(), h.clone()), ("XDG_CONFIG_HOME".into(), format!("{h}/.config")), ("XDG_CACHE_HOME".into(), format!("{h}/.cache"))],
        restore_stagger: Duration::from_millis(0),
        health_interval: Duration::from_secs(3600),
        ..AccountSettings::default()
    };
    let manager = AccountManager::new(db.clone(), paths.clone(), settings.clone());

    // One account alone: from the scan to active.
    let first = manager.add("bench 1").await?.id;
    let mut events = manager.subscribe();
    manager.link(first, LinkMethod::Qr).await?;
    let qr = next_qr(&mut events, first).await?;
    let t0 = Instant::now();
    sim.scan(&qr, &phones[0]).await.map_err(|e| err(e.to_string()))?;
    wait_active(&manager, &[first]).await?;
    let scan_to_active = t0.elapsed();

    // The others at once.
    let mut ids = vec![first];
    let t1 = Instant::now();
    let mut links = Vec::new();
    for (i, phone) in phones.iter().enumerate().skip(1) {
        let id = manager.add(&format!("bench {}", i + 1)).await?.id;
        ids.push(id);
        let m = manager.clone();
        let sim_url = phone.clone();
        links.push(async move {
            let mut ev = m.subscribe();
            m.link(id, LinkMethod::Qr).await?;
            let qr = next_qr(&mut ev, id).await?;
            Ok::<_, ErrorReport>((qr, sim_url))
        });
    }
    for r in futures::future::join_all(links).await {
        let (qr, phone) = r?;
        sim.scan(&qr, &phone).await.map_err(|e| err(e.to_string()))?;
    }
    wait_active(&manager, &ids).await?;
    let link_all = t1.elapsed();

    // Memory: PSS over each browser's process tree, once all are idle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut total = 0u64;
    let mut measured = 0u64;
    for id in &ids {
        if let Some(k) = manager.check_health(*id).await?.memory_kib {
            total += k;
            measured += 1;
        }
    }
    let pss_per_account_kib = (measured > 0).then(|| total / measured);

    // Restart: a new manager restores every account from its profile.
    manager.shutdown().await;
    let restarted = AccountManager::new(db.clone(), paths.clone(), settings);
    let t2 = Instant::now();
    restarted.restore_all().await?;
    wait_active(&restarted, &ids).await?;
    let restart_to_all_active = t2.elapsed();
    restarted.shutdown().await;
    let _ = sim.shutdown().await;
    let _ = db.close().await;
    Ok(Row { browser: _label.to_string(), scan_to_active, link_all, restart_to_all_active, pss_per_account_kib })
}

async fn next_qr(events: &mut broadcast::Receiver<AccountEvent>, id: i64) -> Result<String, ErrorReport> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(AccountEvent::Qr { id: i, payload, .. })) if i == id => return Ok(payload),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(_)) => return Err(err("event stream closed")),
            Err(_) => return Err(err(format!("no QR for account {id}"))),
        }
    }
}

async fn wait_active(m: &AccountManager, ids: &[i64]) -> Result<(), ErrorReport> {
    let deadline = Instant::now() + WAIT;
    let mut events = m.subscribe();
    loop {
        let mut all = true;
        for id in ids {
            let a = m.get(*id).await?;
            match a.state {
                // A restored account counts once its new browser runs and it is active again.
                AccountState::Active if a.running => {}
                AccountState::Failed | AccountState::LinkExpired | AccountState::LoggedOut | AccountState::Restricted => {
                    return Err(err(format!("account {id} is {}: {:?}", a.state.as_str(), a.reason)))
                }
                _ => all = false,
            }
        }
        if all {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(err("accounts not active in time"));
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), events.recv()).await;
    }
}
